import { randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_PACKET } from './codec.js';
import { hmacMd5, md5 } from './md5.js';
import { Attr, Code, type Packet } from './packet.js';

// Authenticator maths for every packet kind (RFC 2865 §3, RFC 2866 §3, RFC 2869 §5.14,
// RFC 5176 §2.3, RFC 3579 §3.2). Message-Authenticator always goes first: BlastRADIUS
// (CVE-2024-3596) forges replies by colliding MD5 over a predictable prefix, and an HMAC in
// the first attribute denies it that prefix.

const ZERO16 = Buffer.alloc(16);

/** Codes whose Request Authenticator is MD5 over the packet with a zero field, not random. */
function hasComputedRequestAuthenticator(code: number): boolean {
  return code === Code.AccountingRequest || code === Code.CoaRequest || code === Code.DisconnectRequest;
}

/**
 * The value the header's authenticator field holds while Message-Authenticator is computed:
 * a request's own random authenticator, zeros for Accounting/CoA/Disconnect requests, and the
 * request's authenticator for any reply.
 */
export function messageAuthenticatorBasis(packet: Packet, requestAuthenticator?: Buffer): Buffer {
  if (requestAuthenticator) return requestAuthenticator;
  return hasComputedRequestAuthenticator(packet.code) ? ZERO16 : packet.authenticator;
}

function hmacWithZeroedField(raw: Buffer, basis: Buffer, maOffset: number, secret: Buffer): Buffer {
  return hmacMd5(secret, [raw.subarray(0, 4), basis, raw.subarray(20, maOffset), ZERO16, raw.subarray(maOffset + 16)]);
}

/** True when the packet carries a Message-Authenticator and it is right. Constant-time. */
export function verifyMessageAuthenticator(packet: Packet, secret: Buffer, requestAuthenticator?: Buffer): boolean {
  const offset = packet.messageAuthenticatorOffset;
  if (offset < 0) return false;
  const expected = hmacWithZeroedField(packet.raw, messageAuthenticatorBasis(packet, requestAuthenticator), offset, secret);
  return timingSafeEqual(expected, packet.raw.subarray(offset, offset + 16));
}

/** Accounting/CoA/Disconnect-Request: MD5(Code|Id|Length|16 zero bytes|Attributes|Secret). */
export function verifyRequestAuthenticator(packet: Packet, secret: Buffer): boolean {
  const expected = md5([packet.raw.subarray(0, 4), ZERO16, packet.raw.subarray(20), secret]);
  return timingSafeEqual(expected, packet.authenticator);
}

/** Checks a reply we received (CoA ACK/NAK, or a server's reply in tests and benchmarks). */
export function verifyResponse(reply: Packet, requestAuthenticator: Buffer, secret: Buffer): boolean {
  const expected = md5([reply.raw.subarray(0, 4), requestAuthenticator, reply.raw.subarray(20), secret]);
  if (!timingSafeEqual(expected, reply.authenticator)) return false;
  return reply.messageAuthenticatorOffset < 0 || verifyMessageAuthenticator(reply, secret, requestAuthenticator);
}

function frame(code: number, identifier: number, basis: Buffer, attributes: Buffer, withMa: boolean): Buffer {
  const maLength = withMa ? 18 : 0;
  const length = 20 + maLength + attributes.length;
  if (length > MAX_PACKET) throw new RangeError(`packet would be ${length} bytes; RADIUS allows ${MAX_PACKET}`);
  const out = Buffer.allocUnsafe(length);
  out[0] = code;
  out[1] = identifier;
  out.writeUInt16BE(length, 2);
  basis.copy(out, 4);
  if (withMa) {
    out[20] = Attr.MessageAuthenticator;
    out[21] = 18;
    out.fill(0, 22, 38);
  }
  attributes.copy(out, 20 + maLength);
  return out;
}

function writeMessageAuthenticator(out: Buffer, secret: Buffer): void {
  hmacMd5(secret, [out]).copy(out, 22);
}

/**
 * Builds a reply to `requestAuthenticator`: Message-Authenticator first (when asked), then the
 * given pre-encoded attributes, then the Response Authenticator over the finished packet.
 */
export function encodeReply(options: {
  code: number;
  identifier: number;
  requestAuthenticator: Buffer;
  attributes: Buffer;
  secret: Buffer;
  messageAuthenticator: boolean;
}): Buffer {
  const out = frame(options.code, options.identifier, options.requestAuthenticator, options.attributes, options.messageAuthenticator);
  if (options.messageAuthenticator) writeMessageAuthenticator(out, options.secret);
  md5([out, options.secret]).copy(out, 4);
  return out;
}

/**
 * Builds a request. Access-Request and Status-Server get a random authenticator (or the one
 * given, which the caller needed earlier to hide User-Password); Accounting, CoA and Disconnect
 * requests get MA computed over a zero field and then the MD5 Request Authenticator.
 */
export function encodeRequest(options: {
  code: number;
  identifier: number;
  attributes: Buffer;
  secret: Buffer;
  messageAuthenticator: boolean;
  authenticator?: Buffer;
}): Buffer {
  const computed = hasComputedRequestAuthenticator(options.code);
  const basis = computed ? ZERO16 : (options.authenticator ?? randomBytes(16));
  const out = frame(options.code, options.identifier, basis, options.attributes, options.messageAuthenticator);
  if (options.messageAuthenticator) writeMessageAuthenticator(out, options.secret);
  if (computed) md5([out, options.secret]).copy(out, 4);
  return out;
}
