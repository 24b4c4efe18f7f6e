import type { AttributeDef, Dictionary } from '../radius/dictionary.js';
import { encodeAttribute, type AttributeValue } from '../radius/codec.js';
import { findAttribute, type Packet } from '../radius/packet.js';

/**
 * The attributes AAA reads and writes, resolved from the dictionary once at start: code names
 * attributes, the dictionary files say what they are, and a misspelt name fails at start-up.
 */
export function resolveAttributes(dictionary: Dictionary) {
  const d = (name: string) => dictionary.require(name);
  return {
    userName: d('User-Name'),
    userPassword: d('User-Password'),
    chapPassword: d('CHAP-Password'),
    chapChallenge: d('CHAP-Challenge'),
    msChapChallenge: d('MS-CHAP-Challenge'),
    msChapResponse: d('MS-CHAP-Response'),
    msChap2Response: d('MS-CHAP2-Response'),
    msChap2Success: d('MS-CHAP2-Success'),
    msChapError: d('MS-CHAP-Error'),
    msChapMppeKeys: d('MS-CHAP-MPPE-Keys'),
    msMppeSendKey: d('MS-MPPE-Send-Key'),
    msMppeRecvKey: d('MS-MPPE-Recv-Key'),
    msMppeEncryptionPolicy: d('MS-MPPE-Encryption-Policy'),
    msMppeEncryptionTypes: d('MS-MPPE-Encryption-Types'),
    replyMessage: d('Reply-Message'),
    sessionTimeout: d('Session-Timeout'),
    acctInterimInterval: d('Acct-Interim-Interval'),
    mikrotikRateLimit: d('Mikrotik-Rate-Limit'),
    mikrotikTotalLimit: d('Mikrotik-Total-Limit'),
    mikrotikTotalLimitGigawords: d('Mikrotik-Total-Limit-Gigawords'),
    mikrotikXmitLimit: d('Mikrotik-Xmit-Limit'),
    mikrotikXmitLimitGigawords: d('Mikrotik-Xmit-Limit-Gigawords'),
    mikrotikAddressList: d('Mikrotik-Address-List'),
    idleTimeout: d('Idle-Timeout'),
    framedPool: d('Framed-Pool'),
    nasIpAddress: d('NAS-IP-Address'),
    acctStatusType: d('Acct-Status-Type'),
    acctSessionId: d('Acct-Session-Id'),
    acctSessionTime: d('Acct-Session-Time'),
    acctDelayTime: d('Acct-Delay-Time'),
    acctInputOctets: d('Acct-Input-Octets'),
    acctOutputOctets: d('Acct-Output-Octets'),
    acctInputGigawords: d('Acct-Input-Gigawords'),
    acctOutputGigawords: d('Acct-Output-Gigawords'),
    acctInputPackets: d('Acct-Input-Packets'),
    acctOutputPackets: d('Acct-Output-Packets'),
    acctTerminateCause: d('Acct-Terminate-Cause'),
    eventTimestamp: d('Event-Timestamp'),
    framedIpAddress: d('Framed-IP-Address'),
    callingStationId: d('Calling-Station-Id'),
    calledStationId: d('Called-Station-Id'),
    nasPortId: d('NAS-Port-Id'),
  } as const;
}
export type AaaAttributes = ReturnType<typeof resolveAttributes>;

export function readRaw(packet: Packet, def: AttributeDef): Buffer | undefined {
  return findAttribute(packet, def.type, def.vendor);
}

export function readText(packet: Packet, def: AttributeDef): string | undefined {
  return readRaw(packet, def)?.toString('utf8');
}

/** The codec has already checked fixed-size types, so a present integer is exactly 4 bytes. */
export function readInteger(packet: Packet, def: AttributeDef): number | undefined {
  return readRaw(packet, def)?.readUInt32BE(0);
}

export function readAddress(packet: Packet, def: AttributeDef): string | undefined {
  const v = readRaw(packet, def);
  return v ? `${v[0]}.${v[1]}.${v[2]}.${v[3]}` : undefined;
}

export function attribute(def: AttributeDef, value: AttributeValue): Buffer {
  return encodeAttribute(def, value);
}
