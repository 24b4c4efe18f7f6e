import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from './dictionary.js';

describe('shipped dictionaries', () => {
  let dict: Dictionary;
  beforeAll(() => {
    dict = loadDictionary(defaultDictionaryPath());
  });

  it('loads the shipped dictionaries from the default path', () => {
    expect(defaultDictionaryPath()).toMatch(/dictionaries[\\/]dictionary$/);
    expect(dict.byName('User-Name')).toMatchObject({ vendor: 0, type: 1, dataType: 'string' });
    expect(dict.byCode(0, 26)?.dataType).toBe('vsa');
  });

  it('defines Mikrotik-Rate-Limit as vendor 14988 type 8 string', () => {
    expect(dict.byName('Mikrotik-Rate-Limit')).toMatchObject({ vendor: 14988, type: 8, dataType: 'string', encrypt: 0 });
    expect(dict.byCode(14988, 8)?.name).toBe('Mikrotik-Rate-Limit');
    expect(dict.vendorId('Mikrotik')).toBe(14988);
    expect(dict.vendorName(14988)).toBe('Mikrotik');
  });

  it('defines MS-CHAP2-Response as 311/25 octets', () => {
    expect(dict.byName('MS-CHAP2-Response')).toMatchObject({ vendor: 311, type: 25, dataType: 'octets' });
  });

  it('marks MS-MPPE-Send-Key and MS-MPPE-Recv-Key with encrypt=2 and MS-CHAP-MPPE-Keys with encrypt=1', () => {
    expect(dict.require('MS-MPPE-Send-Key').encrypt).toBe(2);
    expect(dict.require('MS-MPPE-Recv-Key').encrypt).toBe(2);
    expect(dict.require('MS-CHAP-MPPE-Keys').encrypt).toBe(1);
  });

  it('marks User-Password with encrypt=1', () => {
    expect(dict.require('User-Password')).toMatchObject({ type: 2, encrypt: 1 });
  });

  it('gives Acct-Status-Type the values Interim-Update=3 and Accounting-On=7', () => {
    const def = dict.require('Acct-Status-Type');
    expect(def.values.get('Interim-Update')).toBe(3);
    expect(def.values.get('Accounting-On')).toBe(7);
    expect(def.values.get('Failed')).toBe(15);
    // Alive is an older alias for 3; the canonical name wins when printing.
    expect(def.values.get('Alive')).toBe(3);
    expect(def.valueNames.get(3)).toBe('Interim-Update');
  });

  it('defines Error-Cause 503 as Session-Context-Not-Found', () => {
    const def = dict.require('Error-Cause');
    expect(def.type).toBe(101);
    expect(def.valueNames.get(503)).toBe('Session-Context-Not-Found');
    expect(def.values.get('Session-Context-Not-Found')).toBe(503);
    expect(dict.require('Service-Type').values.get('Authorize-Only')).toBe(17);
  });

  it('looks up attribute, value and vendor names case-insensitively', () => {
    expect(dict.byName('mikrotik-rate-limit')).toBe(dict.byName('Mikrotik-Rate-Limit'));
    expect(dict.byName('USER-PASSWORD')?.name).toBe('User-Password');
    expect(dict.require('acct-status-type').values.get('interim-update')).toBe(3);
    expect(dict.require('Acct-Status-Type').values.has('ACCOUNTING-ON')).toBe(true);
    expect(dict.vendorId('MICROSOFT')).toBe(311);
  });

  it('keeps the dictionary spelling when iterating values', () => {
    expect([...dict.require('Termination-Action').values.keys()]).toEqual(['Default', 'RADIUS-Request']);
  });

  it('resolves an alias to the attribute defined first', () => {
    const alias = dict.require('Mikrotik-Wireless-VLANIDtype');
    expect(alias.name).toBe('Mikrotik-Wireless-VLANID-Type');
    expect(dict.byCode(14988, 27)).toBe(alias);
  });

  it('types the IPv6, date and tagged attributes', () => {
    expect(dict.require('NAS-IPv6-Address').dataType).toBe('ipv6addr');
    expect(dict.require('Framed-Interface-Id').dataType).toBe('ifid');
    expect(dict.require('Framed-IPv6-Prefix').dataType).toBe('ipv6prefix');
    expect(dict.require('Delegated-IPv6-Prefix')).toMatchObject({ type: 123, dataType: 'ipv6prefix' });
    expect(dict.require('Event-Timestamp').dataType).toBe('date');
    expect(dict.require('Tunnel-Password')).toMatchObject({ hasTag: true, encrypt: 2 });
    expect(dict.require('WISPr-Bandwidth-Max-Down')).toMatchObject({ vendor: 14122, type: 8, dataType: 'integer' });
  });

  it('returns undefined for unknown names and codes, and require names the missing attribute', () => {
    expect(dict.byName('No-Such-Attribute')).toBeUndefined();
    expect(dict.byCode(14988, 200)).toBeUndefined();
    expect(dict.vendorId('Nobody')).toBeUndefined();
    expect(dict.vendorName(1)).toBeUndefined();
    expect(() => dict.require('No-Such-Attribute')).toThrow(/No-Such-Attribute/);
  });
});

describe('dictionary parser', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Writes the files into a fresh temporary folder and returns the path of the first one. */
  function files(contents: Record<string, string>): string {
    dir = mkdtempSync(join(tmpdir(), 'lango-dict-'));
    for (const [name, text] of Object.entries(contents)) writeFileSync(join(dir, name), text);
    return join(dir, Object.keys(contents)[0] as string);
  }

  function loadError(contents: Record<string, string>): string {
    const root = files(contents);
    try {
      loadDictionary(root);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the dictionary to be rejected');
  }

  it('reports a broken line as file:line', () => {
    const message = loadError({ dictionary: '# comment\n\nATTRIBUTE Foo 1 integer\nATTRIBUTE Bar\n' });
    expect(message).toContain(`${join(dir as string, 'dictionary')}:4:`);
    expect(message).toMatch(/missing fields/);
  });

  it('reports the line inside the included file', () => {
    const message = loadError({ dictionary: '$INCLUDE sub/../dictionary.extra\n', 'dictionary.extra': 'ATTRIBUTE Foo 1 integer\n\nBOGUS line\n' });
    expect(message).toContain(`${join(dir as string, 'dictionary.extra')}:3:`);
    expect(message).toMatch(/unknown keyword "BOGUS"/);
  });

  it('reports an include loop', () => {
    const message = loadError({ a: '$INCLUDE b\n', b: 'ATTRIBUTE Foo 1 integer\n$INCLUDE a\n' });
    expect(message).toContain(`${join(dir as string, 'b')}:2:`);
    expect(message).toMatch(/include loop/);
  });

  it('reports a file including itself', () => {
    expect(loadError({ a: '$INCLUDE a\n' })).toMatch(/include loop/);
  });

  it('reports a missing include at the include line', () => {
    const message = loadError({ dictionary: '\n$INCLUDE nowhere\n' });
    expect(message).toContain(`${join(dir as string, 'dictionary')}:2:`);
    expect(message).toMatch(/cannot read included file/);
  });

  it('skips a missing optional include', () => {
    const dict = loadDictionary(files({ dictionary: '$INCLUDE- nowhere\nATTRIBUTE Foo 1 integer\n' }));
    expect(dict.byName('Foo')?.type).toBe(1);
  });

  it('reports an unknown data type', () => {
    const message = loadError({ dictionary: 'ATTRIBUTE Foo 1 text\n' });
    expect(message).toContain(':1:');
    expect(message).toMatch(/unknown data type "text"/);
  });

  it('reports an unknown flag', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 1 string encrypt=1,bogus\n' })).toMatch(/:1: .*unknown flag "bogus"/);
  });

  it('reports encryption on a type that cannot carry it', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 1 integer encrypt=2\n' })).toMatch(/encrypt=2 needs type string or octets/);
  });

  it('reports an attribute number out of range', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 256 integer\n' })).toMatch(/invalid number "256"/);
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 26.14988.8 string\n' })).toMatch(/invalid number/);
  });

  it('reports a VALUE for an unknown attribute', () => {
    expect(loadError({ dictionary: 'VALUE Foo Bar 1\n' })).toMatch(/:1: VALUE for unknown attribute "Foo"/);
  });

  it('reports a VALUE for a type without named values', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 1 string\nVALUE Foo Bar 1\n' })).toMatch(/:2: .*takes no named values/);
  });

  it('reports a VALUE number that does not fit the type', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 1 byte\nVALUE Foo Big 256\n' })).toMatch(/:2: .*invalid number "256"/);
  });

  it('accepts hexadecimal and negative numbers where they fit', () => {
    const dict = loadDictionary(files({ dictionary: 'ATTRIBUTE Foo 0x10 signed\nVALUE Foo Minus -5\nVALUE Foo Hex 0x1f\n' }));
    expect(dict.require('Foo')).toMatchObject({ type: 16 });
    expect(dict.require('Foo').values.get('Minus')).toBe(-5);
    expect(dict.require('Foo').values.get('Hex')).toBe(31);
  });

  it('reports a duplicate name with a different code', () => {
    const message = loadError({ dictionary: 'ATTRIBUTE Foo 1 integer\nATTRIBUTE foo 2 integer\n' });
    expect(message).toMatch(/:2: attribute foo is already defined as 1 integer \(.*:1\)/);
  });

  it('reports an alias whose type differs from the attribute it shadows', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 1 integer\nATTRIBUTE Bar 1 string\n' })).toMatch(/:2: .*already defined as Foo/);
  });

  it('accepts an identical redefinition', () => {
    const dict = loadDictionary(files({ dictionary: 'ATTRIBUTE Foo 1 integer\nATTRIBUTE Foo 1 integer\nVALUE Foo A 1\nVALUE Foo A 1\n' }));
    expect(dict.require('Foo').values.get('A')).toBe(1);
  });

  it('reports a VALUE name redefined with another number', () => {
    expect(loadError({ dictionary: 'ATTRIBUTE Foo 1 integer\nVALUE Foo A 1\nVALUE Foo a 2\n' })).toMatch(/:3: VALUE Foo a is already 1/);
  });

  it('puts attributes in a vendor block into the vendor space', () => {
    const dict = loadDictionary(
      files({
        dictionary: 'VENDOR Acme 9999 format=1,1\nBEGIN-VENDOR Acme\nATTRIBUTE Acme-Foo 1 string\nEND-VENDOR Acme\nATTRIBUTE After 1 integer\n',
      }),
    );
    expect(dict.require('Acme-Foo')).toMatchObject({ vendor: 9999, type: 1 });
    expect(dict.require('After')).toMatchObject({ vendor: 0, type: 1 });
    expect(dict.vendorName(9999)).toBe('Acme');
  });

  it('reports an unsupported vendor format', () => {
    expect(loadError({ dictionary: 'VENDOR Acme 9999 format=2,1\n' })).toMatch(/:1: .*unsupported "format=2,1"/);
  });

  it('reports vendor block mistakes', () => {
    expect(loadError({ dictionary: 'BEGIN-VENDOR Nobody\n' })).toMatch(/:1: .*unknown vendor "Nobody"/);
    expect(loadError({ dictionary: 'VENDOR Acme 9\nBEGIN-VENDOR Acme\n' })).toMatch(/:2: .*has no END-VENDOR/);
    expect(loadError({ dictionary: 'VENDOR Acme 9\nVENDOR Other 10\nBEGIN-VENDOR Acme\nEND-VENDOR Other\n' })).toMatch(/:4: .*does not match/);
    expect(loadError({ dictionary: 'END-VENDOR Acme\n' })).toMatch(/:1: .*without BEGIN-VENDOR/);
  });

  it('reports a missing root file', () => {
    expect(() => loadDictionary(join(tmpdir(), 'lango-no-such-dictionary'))).toThrow(/cannot read dictionary file .*lango-no-such-dictionary/);
  });
});
