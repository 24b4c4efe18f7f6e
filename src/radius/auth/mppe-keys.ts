import { createHash } from 'node:crypto';

// RFC 3079 §3.4 key derivation for 128-bit MPPE after MS-CHAPv2.

const MAGIC1 = Buffer.from('This is the MPPE Master Key', 'ascii');
const MAGIC2 = Buffer.from(
  'On the client side, this is the send key; on the server side, it is the receive key.',
  'ascii',
);
const MAGIC3 = Buffer.from(
  'On the client side, this is the receive key; on the server side, it is the send key.',
  'ascii',
);
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** GetMasterKey: 16 bytes of SHA1(PasswordHashHash | NT-Response | Magic1). */
export function mppeMasterKey(passwordHashHash: Buffer, ntResponse: Buffer): Buffer {
  return sha1(passwordHashHash, ntResponse, MAGIC1).subarray(0, 16);
}

/**
 * GetAsymmetricStartKey for 128-bit keys, from the server's point of view:
 * the server's send key is the client's receive key (Magic3) and vice versa.
 */
export function mppeServerStartKeys(masterKey: Buffer): { sendKey: Buffer; recvKey: Buffer } {
  const startKey = (magic: Buffer): Buffer => sha1(masterKey, SHS_PAD1, magic, SHS_PAD2).subarray(0, 16);
  return { sendKey: startKey(MAGIC3), recvKey: startKey(MAGIC2) };
}
