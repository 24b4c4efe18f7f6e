import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCanaries, formatScan, mask, scanFolder, scanText } from './log-scan.js';

const source = {
  path: 'tests/x.test.ts',
  text: [
    "const SECRET = 'planted-secret-42';",
    "ok('customer', 'add', '--username', 'alice', '--password', 'alice-Pw-1', '--phone', '+254 712 345 678');",
    "await provider({ consumerSecret: 'cs-9911aa', shortcode: '174379' });",
    "radclient('User-Name = \"alice\"\\nUser-Password = \"radius-pw-7\"\\n');",
    "form({ password: 'Your password', mode: { password: 'random' } });",
  ].join('\n'),
};

describe('log scan', () => {
  it('takes canaries from secret keys, CLI flags and radclient lines, and skips labels and modes', () => {
    const values = extractCanaries([source]).map((c) => c.value);
    expect(values).toEqual(expect.arrayContaining(['planted-secret-42', 'alice-Pw-1', '+254 712 345 678', '254712345678', 'cs-9911aa', 'radius-pw-7']));
    expect(values).not.toContain('Your password');
    expect(values).not.toContain('random');
    expect(values).not.toContain('alice');
    expect(values).not.toContain('174379');
  });

  it('finds a planted secret and prints it masked, with file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-scan-'));
    writeFileSync(join(dir, 'daemon-1.log'), '{"msg":"Lango is listening"}\n{"msg":"router added","secret":"planted-secret-42"}\n');
    const result = scanFolder(dir, extractCanaries([source]));
    expect(result).toMatchObject({ files: 1, lines: 2 });
    expect(result.findings).toEqual([expect.objectContaining({ file: 'daemon-1.log', line: 2, masked: mask('planted-secret-42') })]);
    const text = formatScan(result, dir);
    expect(text).toContain(`${join(dir, 'daemon-1.log')}:2: test canary (SECRET in tests/x.test.ts)`);
    expect(text).not.toContain('planted-secret-42');
    expect(mask('planted-secret-42')).toBe('pla***********-42');
  });

  it('finds phone numbers, emails and credentials by their shape, and passes masked ones and usernames', () => {
    const found = (line: string) => scanText('l.log', line, []).findings.map((f) => f.what);
    expect(found('{"to":"+254712000999"}')).toEqual(['a full phone number']);
    expect(found('{"msisdn":"256772000123"}')).toEqual(['a full phone number']);
    expect(found('sending to 0712000999 now')).toEqual(['a full phone number']);
    expect(found('{"to":"ann@example.org"}')).toEqual(['an email address']);
    expect(found('authorization: Bearer abcdefghijklmnop1234')).toEqual(['a Bearer credential']);
    expect(found(`token lango_${'A'.repeat(43)}`)).toEqual(['a Lango API token']);
    expect(found('{"to":"+2547*****999","user":"alice","time":1764009293000}')).toEqual([]);
    // Hex that happens to hold 01 and eight digits (a CHAP challenge in a URL) is no phone number.
    expect(found('/hotspot?chap-challenge=0123456789abcdef0123456789abcdef')).toEqual([]);
    expect(found('id=a0712000999')).toEqual([]);
  });

  it('finds a phone number\'s digits as a whole number, not inside a float or a longer number', () => {
    const canaries = extractCanaries([source]);
    const found = (line: string) => scanText('l.log', line, canaries).findings.map((f) => f.what);
    expect(found('{"msisdn":"254712345678"}')).toContain('test canary (--phone in tests/x.test.ts (digits))');
    expect(found('{"responseTime":3.254712345678001}')).toEqual([]);
    expect(found('{"id":92547123456789}')).toEqual([]);
  });

  it('exits 1 from the command line when it finds something, 0 when clean, 2 on a bad folder', () => {
    const dirty = mkdtempSync(join(tmpdir(), 'log-scan-'));
    writeFileSync(join(dirty, 'daemon-2.log'), '{"msg":"SMS to +254799123987"}\n');
    const clean = mkdtempSync(join(tmpdir(), 'log-scan-'));
    writeFileSync(join(clean, 'daemon-3.log'), '{"msg":"SMS to +2547*****999"}\n');
    const run = (dir: string) => spawnSync(process.execPath, [join('dist', 'scripts', 'log-scan.js'), dir, '--json'], { encoding: 'utf8' });
    const bad = run(dirty);
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('daemon-2.log:1: a full phone number: +25*******987');
    expect(JSON.parse(bad.stdout)).toMatchObject({ files: 1, findings: 1 });
    expect(run(clean).status).toBe(0);
    expect(run(join(clean, 'missing')).status).toBe(2);
  });
});
