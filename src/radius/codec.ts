import { isIPv4, isIPv6 } from 'node:net';
import type { AttributeDef, DataType, Dictionary } from './dictionary.js';
import { Attr, type Packet, type RawAttribute } from './packet.js';

// Lango owns the codec instead of using npm `radius` 1.1.4 on the hot path: that package
// accepts a truncated last attribute (it slices short and carries on), keeps the secret in
// module state, puts Message-Authenticator last and computes it in the wrong order for
// Accounting/CoA requests. This file does framing and attribute values; the authenticator
// maths lives in authenticators.ts.

export const MIN_PACKET = 20;
export const MAX_PACKET = 4096;

export type DropReason =
  | 'too_short'
  | 'bad_length'
  | 'truncated_attribute'
  | 'bad_attribute_type'
  | 'bad_attribute_length'
  | 'bad_message_authenticator_length'
  | 'repeated_message_authenticator';

export class MalformedPacketError extends Error {
  constructor(readonly reason: DropReason) {
    super(`malformed packet: ${reason}`);
  }
}

/** Fixed value sizes; a known attribute of another size makes the packet malformed. */
const FIXED_SIZE: Partial<Record<DataType, number>> = {
  integer: 4,
  ipaddr: 4,
  date: 4,
  signed: 4,
  integer64: 8,
  ipv6addr: 16,
  ifid: 8,
  byte: 1,
  short: 2,
  ether: 6,
};

/**
 * Parses one datagram. Throws MalformedPacketError (to be dropped and counted) on anything
 * RFC 2865 §3/§5 calls invalid, and on known attributes whose value size does not fit their type.
 */
export function decodePacket(datagram: Buffer, dictionary: Dictionary): Packet {
  if (datagram.length < MIN_PACKET) throw new MalformedPacketError('too_short');
  const length = datagram.readUInt16BE(2);
  if (length < MIN_PACKET || length > MAX_PACKET || length > datagram.length) {
    throw new MalformedPacketError('bad_length');
  }
  const raw = datagram.length === length ? datagram : datagram.subarray(0, length);
  const attributes: RawAttribute[] = [];
  let maOffset = -1;
  let offset = MIN_PACKET;
  while (offset < length) {
    if (offset + 2 > length) throw new MalformedPacketError('truncated_attribute');
    const type = raw[offset]!;
    const attrLength = raw[offset + 1]!;
    if (attrLength < 2) throw new MalformedPacketError('bad_attribute_length');
    if (offset + attrLength > length) throw new MalformedPacketError('truncated_attribute');
    if (type === 0) throw new MalformedPacketError('bad_attribute_type');
    const value = raw.subarray(offset + 2, offset + attrLength);
    if (type === Attr.VendorSpecific) {
      pushVendorSpecific(value, attributes, dictionary);
    } else {
      checkValueSize(dictionary.byCode(0, type), value);
      if (type === Attr.MessageAuthenticator) {
        if (value.length !== 16) throw new MalformedPacketError('bad_message_authenticator_length');
        if (maOffset !== -1) throw new MalformedPacketError('repeated_message_authenticator');
        maOffset = offset + 2;
      }
      attributes.push({ vendor: 0, type, value });
    }
    offset += attrLength;
  }
  return {
    code: raw[0]!,
    identifier: raw[1]!,
    authenticator: raw.subarray(4, 20),
    attributes,
    raw,
    messageAuthenticatorOffset: maOffset,
  };
}

/**
 * Flattens a Vendor-Specific attribute in the common 1-byte type / 1-byte length format.
 * A VSA that does not parse that way is kept whole as an opaque type-26 attribute (as
 * FreeRADIUS keeps unknown VSAs raw) rather than dropping a packet a vendor considers valid.
 */
function pushVendorSpecific(value: Buffer, out: RawAttribute[], dictionary: Dictionary): void {
  if (value.length < 4) throw new MalformedPacketError('bad_attribute_length');
  const vendor = value.readUInt32BE(0);
  const subs: RawAttribute[] = [];
  let offset = 4;
  let wellFormed = vendor !== 0 && value.length >= 6;
  while (wellFormed && offset < value.length) {
    const subType = value[offset]!;
    const subLength = offset + 1 < value.length ? value[offset + 1]! : 0;
    if (subLength < 2 || offset + subLength > value.length) {
      wellFormed = false;
      break;
    }
    subs.push({ vendor, type: subType, value: value.subarray(offset + 2, offset + subLength) });
    offset += subLength;
  }
  if (!wellFormed) {
    out.push({ vendor: 0, type: Attr.VendorSpecific, value });
    return;
  }
  for (const sub of subs) {
    checkValueSize(dictionary.byCode(vendor, sub.type), sub.value);
    out.push(sub);
  }
}

function checkValueSize(def: AttributeDef | undefined, value: Buffer): void {
  if (def === undefined) return;
  const expected = FIXED_SIZE[def.dataType];
  if (expected !== undefined && value.length !== expected) {
    throw new MalformedPacketError('bad_attribute_length');
  }
  if (def.dataType === 'ipv6prefix' && (value.length < 2 || value.length > 18)) {
    throw new MalformedPacketError('bad_attribute_length');
  }
}

export type AttributeValue = string | number | bigint | Buffer;

/** Turns a wire value into the natural JavaScript value for its dictionary type (for logs, CLI, tests). */
export function decodeValue(def: AttributeDef, value: Buffer): AttributeValue {
  switch (def.dataType) {
    case 'string':
      return value.toString('utf8');
    case 'integer':
    case 'date':
      return value.readUInt32BE(0);
    case 'signed':
      return value.readInt32BE(0);
    case 'byte':
      return value.readUInt8(0);
    case 'short':
      return value.readUInt16BE(0);
    case 'integer64':
      return value.readBigUInt64BE(0);
    case 'ipaddr':
      return `${value[0]}.${value[1]}.${value[2]}.${value[3]}`;
    case 'ipv6addr':
      return formatIPv6(value);
    default:
      return value;
  }
}

/** Human-readable name = value, resolving VALUE names; unknown attributes print as Attr-<v>-<t>. */
export function describeAttribute(dictionary: Dictionary, attr: RawAttribute): [string, AttributeValue] {
  const def = dictionary.byCode(attr.vendor, attr.type);
  if (!def) return [attr.vendor ? `Attr-26.${attr.vendor}.${attr.type}` : `Attr-${attr.type}`, attr.value];
  // Hidden values (User-Password, MPPE keys) are ciphertext: show the bytes, not mojibake.
  if (def.encrypt !== 0) return [def.name, attr.value];
  const value = decodeValue(def, attr.value);
  if (typeof value === 'number') return [def.name, def.valueNames.get(value) ?? value];
  return [def.name, value];
}

/**
 * Encodes one attribute (wrapped in Vendor-Specific when the definition has a vendor). Values
 * are checked against the type so a mistake in policy code fails loudly in tests, not on a router.
 */
export function encodeAttribute(def: AttributeDef, value: AttributeValue): Buffer {
  // Reply attributes are built per Access-Accept: text and integers are written straight into
  // the attribute's own buffer (one allocation), other types go through encodeValue.
  const header = def.vendor === 0 ? 2 : 8;
  const limit = def.vendor === 0 ? 253 : 247;
  let out: Buffer;
  if (typeof value === 'string' && def.dataType === 'string') {
    const length = Buffer.byteLength(value, 'utf8');
    if (length > limit) throw new RangeError(`${def.name}: value longer than ${limit} bytes`);
    out = Buffer.allocUnsafe(header + length);
    out.write(value, header, 'utf8');
  } else if (typeof value === 'number' && (def.dataType === 'integer' || def.dataType === 'date')) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${def.name}: ${value} is not a 32-bit unsigned value`);
    out = Buffer.allocUnsafe(header + 4);
    out.writeUInt32BE(value, header);
  } else {
    const body = encodeValue(def, value);
    if (body.length > limit) throw new RangeError(`${def.name}: value longer than ${limit} bytes`);
    out = Buffer.allocUnsafe(header + body.length);
    body.copy(out, header);
  }
  if (def.vendor === 0) {
    out[0] = def.type;
    out[1] = out.length;
  } else {
    out[0] = Attr.VendorSpecific;
    out[1] = out.length;
    out.writeUInt32BE(def.vendor, 2);
    out[6] = def.type;
    out[7] = out.length - 6;
  }
  return out;
}

function encodeValue(def: AttributeDef, value: AttributeValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  switch (def.dataType) {
    case 'string':
      return Buffer.from(String(value), 'utf8');
    case 'integer':
    case 'date': {
      const n = typeof value === 'string' ? def.values.get(value) ?? Number(value) : Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${def.name}: ${String(value)} is not a 32-bit unsigned value`);
      const out = Buffer.alloc(4);
      out.writeUInt32BE(n);
      return out;
    }
    case 'integer64': {
      const out = Buffer.alloc(8);
      out.writeBigUInt64BE(BigInt(value));
      return out;
    }
    case 'ipaddr': {
      const text = String(value);
      if (!isIPv4(text)) throw new RangeError(`${def.name}: ${text} is not an IPv4 address`);
      return Buffer.from(text.split('.').map(Number));
    }
    case 'ipv6addr': {
      const text = String(value);
      if (!isIPv6(text)) throw new RangeError(`${def.name}: ${text} is not an IPv6 address`);
      return parseIPv6(text);
    }
    default:
      throw new RangeError(`${def.name}: give a Buffer for ${def.dataType} values`);
  }
}

function formatIPv6(value: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(value.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function parseIPv6(text: string): Buffer {
  // isIPv6 accepts a dotted IPv4 tail (::ffff:10.0.0.1); rewrite it as two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
