/** RADIUS packet codes (RFC 2865 §3, RFC 2866, RFC 5176, RFC 5997). */
export const Code = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;
export type CodeNumber = (typeof Code)[keyof typeof Code];

/** Standard attribute numbers the protocol layer itself needs; policy code names attributes through the dictionary. */
export const Attr = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  ReplyMessage: 18,
  VendorSpecific: 26,
  ProxyState: 33,
  ChapChallenge: 60,
  EapMessage: 79,
  MessageAuthenticator: 80,
} as const;

/** One attribute on the wire; vendor-specific sub-attributes are flattened with their vendor id. */
export interface RawAttribute {
  readonly vendor: number;
  readonly type: number;
  readonly value: Buffer;
}

export interface Packet {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
  readonly attributes: readonly RawAttribute[];
  /** Exactly `Length` bytes of the datagram (padding after it is ignored). */
  readonly raw: Buffer;
  /** Offset of the Message-Authenticator value in `raw`, or -1 when absent. */
  readonly messageAuthenticatorOffset: number;
}

export function findAttribute(packet: Packet, type: number, vendor = 0): Buffer | undefined {
  for (const attr of packet.attributes) {
    if (attr.type === type && attr.vendor === vendor) return attr.value;
  }
  return undefined;
}

export function findAllAttributes(packet: Packet, type: number, vendor = 0): Buffer[] {
  const found: Buffer[] = [];
  for (const attr of packet.attributes) {
    if (attr.type === type && attr.vendor === vendor) found.push(attr.value);
  }
  return found;
}
