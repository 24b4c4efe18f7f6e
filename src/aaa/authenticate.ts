import { verifyChap } from '../radius/auth/chap.js';
import { formatMschapError, formatMschapV2Success, verifyMschapV1, verifyMschapV2 } from '../radius/auth/mschap.js';
import { encryptMppeKey, hideMsChapMppeKeys, newMppeSalts } from '../radius/auth/mppe-key-encryption.js';
import { verifyPap } from '../radius/auth/pap.js';
import type { Packet } from '../radius/packet.js';
import { attribute, readRaw, type AaaAttributes } from './attributes.js';

// Stage 5: prove the password, by whichever method the NAS used. Pure crypto lives in
// radius/auth/; this file picks the method from the attributes that arrived and builds the
// method's own reply attributes (MS-CHAP2-Success and MPPE keys, or MS-CHAP-Error).

export type Method = 'pap' | 'chap' | 'mschapv1' | 'mschapv2' | 'none';

export interface AuthOutcome {
  readonly ok: boolean;
  readonly method: Method;
  /** Method-specific attributes for the Accept (keys) or the Reject (MS-CHAP-Error). */
  readonly attributes: readonly Buffer[];
}

// RFC 3079 §3.5: PPP negotiates the policy; 6 = 40- and 128-bit RC4, as FreeRADIUS sends.
const MPPE_POLICY_ALLOWED = 1;
const MPPE_TYPES_40_128 = 6;
const MSCHAP_AUTH_FAILURE = 691;

export function detectMethod(packet: Packet, a: AaaAttributes): Method {
  if (readRaw(packet, a.userPassword)) return 'pap';
  if (readRaw(packet, a.chapPassword)) return 'chap';
  if (readRaw(packet, a.msChapChallenge)) {
    if (readRaw(packet, a.msChap2Response)) return 'mschapv2';
    if (readRaw(packet, a.msChapResponse)) return 'mschapv1';
  }
  return 'none';
}

/** A failure in the method's own terms, for unknown users too, so the two look alike. */
export function failure(method: Method, packet: Packet, a: AaaAttributes): AuthOutcome {
  if (method === 'mschapv2' || method === 'mschapv1') {
    const response = readRaw(packet, method === 'mschapv2' ? a.msChap2Response : a.msChapResponse);
    const ident = response?.[0] ?? 0;
    return { ok: false, method, attributes: [attribute(a.msChapError, formatMschapError(ident, MSCHAP_AUTH_FAILURE))] };
  }
  return { ok: false, method, attributes: [] };
}

export function authenticate(
  method: Method,
  packet: Packet,
  a: AaaAttributes,
  ctx: { userName: string; password: string; secret: Buffer },
): AuthOutcome {
  switch (method) {
    case 'pap': {
      const ok = verifyPap(readRaw(packet, a.userPassword)!, ctx.secret, packet.authenticator, Buffer.from(ctx.password, 'utf8'));
      return ok ? { ok, method, attributes: [] } : failure(method, packet, a);
    }
    case 'chap': {
      // Without CHAP-Challenge the Request Authenticator is the challenge (RFC 2865 §5.3).
      const challenge = readRaw(packet, a.chapChallenge) ?? packet.authenticator;
      const ok = verifyChap(readRaw(packet, a.chapPassword)!, challenge, Buffer.from(ctx.password, 'utf8'));
      return ok ? { ok, method, attributes: [] } : failure(method, packet, a);
    }
    case 'mschapv2': {
      const result = verifyMschapV2({
        userName: ctx.userName,
        password: ctx.password,
        authenticatorChallenge: readRaw(packet, a.msChapChallenge)!,
        response: readRaw(packet, a.msChap2Response)!,
      });
      if (!result.ok) return failure(method, packet, a);
      const [sendSalt, recvSalt] = newMppeSalts(2) as [Buffer, Buffer];
      return {
        ok: true,
        method,
        attributes: [
          attribute(a.msChap2Success, formatMschapV2Success(result.ident, result.authenticatorResponse)),
          attribute(a.msMppeSendKey, encryptMppeKey(result.sendKey, ctx.secret, packet.authenticator, sendSalt)),
          attribute(a.msMppeRecvKey, encryptMppeKey(result.recvKey, ctx.secret, packet.authenticator, recvSalt)),
          attribute(a.msMppeEncryptionPolicy, MPPE_POLICY_ALLOWED),
          attribute(a.msMppeEncryptionTypes, MPPE_TYPES_40_128),
        ],
      };
    }
    case 'mschapv1': {
      const result = verifyMschapV1({
        password: ctx.password,
        challenge: readRaw(packet, a.msChapChallenge)!,
        response: readRaw(packet, a.msChapResponse)!,
      });
      if (!result.ok) return failure(method, packet, a);
      return {
        ok: true,
        method,
        attributes: [
          attribute(a.msChapMppeKeys, hideMsChapMppeKeys(result.mppeKeys, ctx.secret, packet.authenticator)),
          attribute(a.msMppeEncryptionPolicy, MPPE_POLICY_ALLOWED),
          attribute(a.msMppeEncryptionTypes, MPPE_TYPES_40_128),
        ],
      };
    }
    case 'none':
      return { ok: false, method, attributes: [] };
  }
}
