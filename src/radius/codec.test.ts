import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { hex, ACCESS_REQUEST, ACCESS_ACCEPT, ACCOUNTING_REQUEST, ACCOUNTING_RESPONSE, MIKROTIK_RATE_LIMIT } from '../../tests/support/golden-packets.js';
import type * as RadiusLib from 'radius';
import {
  decodePacket,
  decodeValue,
  describeAttribute,
  encodeAttribute,
  MalformedPacketError,
  type AttributeValue,
  type DropReason,
} from './codec.js';
import { defaultDictionaryPath, loadDictionary, type Dictionary } from './dictionary.js';
import { Attr, Code, findAttribute } from './packet.js';

// npm `radius` is CommonJS; it serves only as an independent second opinion on our bytes.
const radius = createRequire(import.meta.url)('radius') as typeof RadiusLib;



/** A 20-byte header with the given attributes and a Length that matches them. */
function packet(attributes: Buffer, code: number = Code.AccessRequest): Buffer {
  const out = Buffer.concat([Buffer.alloc(20), attributes]);
  out[0] = code;
  out[1] = 1;
  out.writeUInt16BE(out.length, 2);
  return out;
}

function dropReason(datagram: Buffer, dict: Dictionary): DropReason | undefined {
  try {
    decodePacket(datagram, dict);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedPacketError);
    return (err as MalformedPacketError).reason;
  }
  return undefined;
}

describe('decodePacket', () => {
  let dict: Dictionary;
  beforeAll(() => {
    dict = loadDictionary(defaultDictionaryPath());
  });

  const named = (p: ReturnType<typeof decodePacket>) => p.attributes.map((a) => describeAttribute(dict, a));

  it('decodes the golden Access-Request with its attributes in wire order and the MA offset', () => {
    const p = decodePacket(ACCESS_REQUEST, dict);
    expect(p.code).toBe(Code.AccessRequest);
    expect(p.identifier).toBe(0x7c);
    expect(p.authenticator.toString('hex')).toBe('35f28d609d96043ae932ddc9a5b7e99d');
    expect(p.raw.equals(ACCESS_REQUEST)).toBe(true);
    // User-Password is ciphertext (type string, encrypt=1), so compare its wire bytes, not its text.
    expect(named(p).map(([name]) => name)).toEqual(['User-Name', 'User-Password', 'NAS-IP-Address', 'NAS-Port', 'Message-Authenticator']);
    expect(findAttribute(p, Attr.UserPassword)?.toString('hex')).toBe('876d29c75b441cf4bae4ef878a638e3b');
    expect(named(p)).toContainEqual(['User-Name', 'bob']);
    expect(named(p)).toContainEqual(['NAS-IP-Address', '127.0.0.1']);
    expect(named(p)).toContainEqual(['NAS-Port', 10]);
    expect(named(p)).toContainEqual(['Message-Authenticator', hex('f2a152b6e8291a0c42e3a2c26455193f')]);
    expect(p.messageAuthenticatorOffset).toBe(ACCESS_REQUEST.length - 16);
  });

  it('decodes the golden Access-Accept with Message-Authenticator first', () => {
    const p = decodePacket(ACCESS_ACCEPT, dict);
    expect(p.code).toBe(Code.AccessAccept);
    expect(p.identifier).toBe(0x7c);
    expect(p.attributes.map((a) => a.type)).toEqual([Attr.MessageAuthenticator, Attr.ReplyMessage]);
    expect(named(p)[1]).toEqual(['Reply-Message', 'hello']);
    expect(p.messageAuthenticatorOffset).toBe(22);
  });

  it('decodes the golden Accounting-Request with Acct-Status-Type resolved to Start', () => {
    const p = decodePacket(ACCOUNTING_REQUEST, dict);
    expect(p.code).toBe(Code.AccountingRequest);
    expect(p.identifier).toBe(132);
    expect(named(p)).toEqual([
      ['Acct-Status-Type', 'Start'],
      ['Acct-Session-Id', '81a00002'],
      ['User-Name', 'bob'],
      ['NAS-IP-Address', '10.0.0.1'],
      ['Framed-IP-Address', '10.5.50.7'],
    ]);
    expect(p.messageAuthenticatorOffset).toBe(-1);
  });

  it('decodes the golden empty Accounting-Response', () => {
    const p = decodePacket(ACCOUNTING_RESPONSE, dict);
    expect(p).toMatchObject({ code: Code.AccountingResponse, identifier: 132, attributes: [], messageAuthenticatorOffset: -1 });
    expect(p.authenticator.toString('hex')).toBe('e33f6aca5602f26b841bddca8272f9af');
  });

  it('flattens the MikroTik Rate-Limit VSA to vendor 14988 type 8 "2M/5M"', () => {
    const p = decodePacket(packet(MIKROTIK_RATE_LIMIT, Code.AccessAccept), dict);
    expect(p.attributes).toHaveLength(1);
    expect(p.attributes[0]).toMatchObject({ vendor: 14988, type: 8 });
    expect(findAttribute(p, 8, 14988)?.toString()).toBe('2M/5M');
    expect(describeAttribute(dict, p.attributes[0]!)).toEqual(['Mikrotik-Rate-Limit', '2M/5M']);
  });

  it('flattens several sub-attributes sharing one Vendor-Specific attribute', () => {
    // Two MikroTik sub-TLVs: Rate-Limit "2M/5M" and Group (3) "g".
    const vsa = hex('1a 10 00 00 3a 8c 08 07 32 4d 2f 35 4d 03 03 67');
    const p = decodePacket(packet(vsa), dict);
    expect(p.attributes.map((a) => [a.vendor, a.type, a.value.toString()])).toEqual([
      [14988, 8, '2M/5M'],
      [14988, 3, 'g'],
    ]);
  });

  it('ignores padding after Length', () => {
    const padded = Buffer.concat([ACCOUNTING_REQUEST, Buffer.from([0xff, 0x00, 0x01, 0x02])]);
    const p = decodePacket(padded, dict);
    expect(p.raw.equals(ACCOUNTING_REQUEST)).toBe(true);
    expect(p.attributes).toHaveLength(5);
  });

  it('drops a datagram shorter than 20 bytes', () => {
    expect(dropReason(ACCESS_REQUEST.subarray(0, 19), dict)).toBe('too_short');
  });

  it('drops a packet whose Length is below 20', () => {
    const p = packet(Buffer.alloc(0));
    p.writeUInt16BE(19, 2);
    expect(dropReason(p, dict)).toBe('bad_length');
  });

  it('drops a packet whose Length is above 4096 even when the datagram is that long', () => {
    const p = Buffer.alloc(4097);
    p[0] = Code.AccessRequest;
    p.writeUInt16BE(4097, 2);
    expect(dropReason(p, dict)).toBe('bad_length');
  });

  it('accepts a packet of exactly 4096 bytes', () => {
    // 4076 attribute bytes: 16 Proxy-State attributes of 255 bytes minus 4 bytes in the last.
    const attrs: Buffer[] = [];
    for (let left = 4076; left > 0; ) {
      const len = Math.min(255, left);
      attrs.push(Buffer.concat([Buffer.from([Attr.ProxyState, len]), Buffer.alloc(len - 2, 0x61)]));
      left -= len;
    }
    const p = packet(Buffer.concat(attrs));
    expect(p.length).toBe(4096);
    expect(decodePacket(p, dict).attributes).toHaveLength(attrs.length);
  });

  it('drops a packet whose Length is larger than the datagram', () => {
    expect(dropReason(ACCESS_REQUEST.subarray(0, ACCESS_REQUEST.length - 1), dict)).toBe('bad_length');
  });

  it('drops a packet with an attribute of length 0', () => {
    expect(dropReason(packet(hex('0100 0000')), dict)).toBe('bad_attribute_length');
  });

  it('drops a packet with an attribute of length 1', () => {
    expect(dropReason(packet(hex('0101 0000')), dict)).toBe('bad_attribute_length');
  });

  it('drops a packet whose last attribute runs past Length', () => {
    // User-Name claims 6 bytes but only 5 remain before Length ends.
    const p = packet(hex('0105626f62 0106626f62'));
    p.writeUInt16BE(p.length - 1, 2);
    expect(dropReason(p, dict)).toBe('truncated_attribute');
  });

  it('drops a packet ending in a lone attribute-type byte', () => {
    expect(dropReason(packet(hex('0105626f62 12')), dict)).toBe('truncated_attribute');
  });

  it('drops a packet with an attribute of type 0', () => {
    expect(dropReason(packet(hex('0005626f62')), dict)).toBe('bad_attribute_type');
  });

  it('drops a packet whose NAS-Port has 3 bytes instead of 4', () => {
    expect(dropReason(packet(hex('0505 00000a')), dict)).toBe('bad_attribute_length');
  });

  it('drops a packet whose NAS-IP-Address has 5 bytes', () => {
    expect(dropReason(packet(hex('0407 7f00000100')), dict)).toBe('bad_attribute_length');
  });

  it('drops a known vendor attribute of the wrong size inside a well-formed VSA', () => {
    // Dictionary types Mikrotik-Recv-Limit (1) as integer; give it 2 bytes.
    const def = dict.byCode(14988, 1);
    expect(def?.dataType).toBe('integer');
    expect(dropReason(packet(hex('1a 0a 00003a8c 01 04 0001')), dict)).toBe('bad_attribute_length');
  });

  it('drops a packet whose Message-Authenticator has 17 bytes', () => {
    const ma17 = Buffer.concat([Buffer.from([Attr.MessageAuthenticator, 19]), Buffer.alloc(17)]);
    expect(dropReason(packet(ma17), dict)).toBe('bad_message_authenticator_length');
  });

  it('drops a packet carrying two Message-Authenticators', () => {
    const ma = Buffer.concat([Buffer.from([Attr.MessageAuthenticator, 18]), Buffer.alloc(16)]);
    expect(dropReason(packet(Buffer.concat([ma, hex('0105626f62'), ma])), dict)).toBe('repeated_message_authenticator');
  });

  it('keeps a VSA whose sub-attribute length overruns it as one opaque type-26 attribute', () => {
    const value = hex('00003a8c 08 09 324d2f354d');
    const p = decodePacket(packet(Buffer.concat([Buffer.from([26, value.length + 2]), value])), dict);
    expect(p.attributes).toHaveLength(1);
    expect(p.attributes[0]).toMatchObject({ vendor: 0, type: Attr.VendorSpecific });
    expect(p.attributes[0]!.value.equals(value)).toBe(true);
  });

  it('keeps a VSA with vendor id 0 or no room for a sub-attribute opaque as type 26', () => {
    const vendorZero = hex('1a 09 00000000 01 03 61');
    const noSub = hex('1a 07 00003a8c 08');
    for (const vsa of [vendorZero, noSub]) {
      const p = decodePacket(packet(vsa), dict);
      expect(p.attributes.map((a) => [a.vendor, a.type])).toEqual([[0, Attr.VendorSpecific]]);
    }
  });

  it('drops a Vendor-Specific attribute too short to hold a Vendor-Id', () => {
    expect(dropReason(packet(hex('1a 05 000000')), dict)).toBe('bad_attribute_length');
  });

  it('passes unknown standard attributes through without a size check', () => {
    const p = decodePacket(packet(hex('f0 03 ff')), dict);
    expect(p.attributes).toEqual([{ vendor: 0, type: 0xf0, value: hex('ff') }]);
    expect(describeAttribute(dict, p.attributes[0]!)).toEqual(['Attr-240', hex('ff')]);
  });
});

describe('encodeAttribute', () => {
  let dict: Dictionary;
  beforeAll(() => {
    dict = loadDictionary(defaultDictionaryPath());
  });

  /** Encodes one attribute, frames it, decodes it back and returns the decoded value. */
  function roundTrip(name: string, value: AttributeValue): AttributeValue {
    const def = dict.require(name);
    const p = decodePacket(packet(encodeAttribute(def, value)), dict);
    expect(p.attributes).toHaveLength(1);
    const attr = p.attributes[0]!;
    expect([attr.vendor, attr.type]).toEqual([def.vendor, def.type]);
    return decodeValue(def, attr.value);
  }

  it('round-trips a UTF-8 string', () => {
    expect(roundTrip('Reply-Message', 'Karibu, habari — ñ ✓')).toBe('Karibu, habari — ñ ✓');
  });

  it('round-trips integers, including 0 and 2^32-1', () => {
    for (const n of [0, 10, 0xffffffff]) expect(roundTrip('NAS-Port', n)).toBe(n);
  });

  it('encodes an integer given by its VALUE name', () => {
    expect(roundTrip('Acct-Status-Type', 'Interim-Update')).toBe(3);
  });

  it('round-trips an IPv4 address', () => {
    expect(roundTrip('Framed-IP-Address', '10.5.50.7')).toBe('10.5.50.7');
    expect(encodeAttribute(dict.require('Framed-IP-Address'), '10.5.50.7').equals(hex('08060a053207'))).toBe(true);
  });

  it('round-trips IPv6 addresses, compressed or not', () => {
    expect(roundTrip('NAS-IPv6-Address', '2001:db8::1')).toBe('2001:db8::1');
    expect(roundTrip('NAS-IPv6-Address', '::1')).toBe('::1');
    expect(roundTrip('NAS-IPv6-Address', '::')).toBe('::');
    expect(roundTrip('NAS-IPv6-Address', 'fe80::')).toBe('fe80::');
    expect(roundTrip('NAS-IPv6-Address', '2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:3:4:5:6');
  });

  it('encodes an IPv4-mapped IPv6 address with its dotted tail as the right 16 bytes', () => {
    const encoded = encodeAttribute(dict.require('NAS-IPv6-Address'), '::ffff:10.5.50.7');
    expect(encoded.subarray(2).toString('hex')).toBe('00000000000000000000ffff0a053207');
  });

  it('encodes a vendor attribute as the one-sub-attribute VSA MikroTik expects', () => {
    const def = dict.require('Mikrotik-Rate-Limit');
    expect(encodeAttribute(def, '2M/5M').equals(MIKROTIK_RATE_LIMIT)).toBe(true);
    expect(roundTrip('Mikrotik-Rate-Limit', '2M/5M')).toBe('2M/5M');
  });

  it('produces attributes npm radius decodes to the same values', () => {
    const attrs = Buffer.concat([
      encodeAttribute(dict.require('User-Name'), 'bob'),
      encodeAttribute(dict.require('NAS-Port'), 10),
      encodeAttribute(dict.require('Framed-IP-Address'), '10.5.50.7'),
      encodeAttribute(dict.require('Acct-Status-Type'), 'Stop'),
    ]);
    const decoded = radius.decode_without_secret({ packet: packet(attrs, Code.AccountingRequest) });
    expect(decoded.attributes).toMatchObject({
      'User-Name': 'bob',
      'NAS-Port': 10,
      'Framed-IP-Address': '10.5.50.7',
      'Acct-Status-Type': 'Stop',
    });
  });

  it('accepts a 253-byte value and refuses a 254-byte one', () => {
    const def = dict.require('Reply-Message');
    expect(encodeAttribute(def, 'x'.repeat(253))).toHaveLength(255);
    expect(() => encodeAttribute(def, 'x'.repeat(254))).toThrow(RangeError);
  });

  it('refuses a vendor value longer than 247 bytes', () => {
    const def = dict.require('Mikrotik-Rate-Limit');
    expect(encodeAttribute(def, 'x'.repeat(247))).toHaveLength(255);
    expect(() => encodeAttribute(def, 'x'.repeat(248))).toThrow(RangeError);
  });

  it('refuses integers outside 0..2^32-1 and non-integers', () => {
    const def = dict.require('NAS-Port');
    for (const bad of [-1, 0x100000000, 1.5, 'No-Such-Value']) {
      expect(() => encodeAttribute(def, bad)).toThrow(/NAS-Port/);
    }
  });

  it('refuses an address that is not IPv4 for an ipaddr attribute', () => {
    expect(() => encodeAttribute(dict.require('Framed-IP-Address'), '10.0.0.256')).toThrow(RangeError);
    expect(() => encodeAttribute(dict.require('Framed-IP-Address'), '::1')).toThrow(RangeError);
  });
});

describe('describeAttribute', () => {
  let dict: Dictionary;
  beforeAll(() => {
    dict = loadDictionary(defaultDictionaryPath());
  });

  it('resolves Acct-Status-Type 3 to its first VALUE name, Interim-Update', () => {
    expect(describeAttribute(dict, { vendor: 0, type: 40, value: hex('00000003') })).toEqual(['Acct-Status-Type', 'Interim-Update']);
  });

  it('keeps the number when no VALUE name matches', () => {
    expect(describeAttribute(dict, { vendor: 0, type: 40, value: hex('000000c8') })).toEqual(['Acct-Status-Type', 200]);
  });

  it('names an unknown vendor attribute by vendor and type', () => {
    expect(describeAttribute(dict, { vendor: 99999, type: 7, value: hex('01') })[0]).toBe('Attr-26.99999.7');
  });
});
