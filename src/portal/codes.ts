import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { portalSignInCodes } from '../db/schema/portal.js';
import { t } from '../i18n/index.js';
import { queueMessage, SECRET_KEY_PREFIX } from '../messaging/outbox.js';
import { findPortalAccount } from './accounts.js';
import { clearWrongTries, countWrongTry, lockedUntil } from './lockout.js';
import { createSession, hashToken, randomToken } from './sessions.js';

// Sign-in by a code sent by SMS to the phone on file: the first sign-in, and a forgotten
// password. The page never says whether a number has an account.

export const CODE_TTL_MS = 5 * 60_000;
export const CODE_TRIES = 5;
/** No new SMS to the same customer sooner than this after the last (each one costs money). */
export const RESEND_MS = 60_000;

const codeHash = (customerId: number, code: string) => createHash('sha256').update(`portal:${customerId}:${code}`).digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface CodeRequest {
  /** The browser's token for the code page: always given, account or not. */
  token: string;
  /** What happened, for the log only: the page says the same in every case. */
  outcome: 'sent' | 'no-account' | 'no-phone' | 'locked' | 'too-soon';
}

/**
 * Asks for a sign-in code for a phone number or username. When the account has a phone, a
 * 6-digit code is queued to it (hashed here, the SMS under a secret key so outbox readers mask
 * it), in the customer's language. Asking again within a minute sends nothing: the new page
 * takes the code already sent. Every answer carries a token, so nobody learns which numbers
 * have accounts.
 */
export function requestCode(db: Db, identifier: string, now: number): CodeRequest {
  const token = randomToken();
  const found = findPortalAccount(db, identifier);
  return db.transaction((tx) => {
    const d = tx as Db;
    d.delete(portalSignInCodes).where(lte(portalSignInCodes.expiresAt, now)).run();
    // A row for nobody: the code page behaves the same, and no code opens it.
    const dummy = (outcome: CodeRequest['outcome']) => {
      d.insert(portalSignInCodes).values({ tokenHash: hashToken(token), customerId: null, codeHash: '00', sentAt: now, expiresAt: now + CODE_TTL_MS }).run();
      return { token, outcome };
    };
    if (!found) return dummy('no-account');
    if (!found.phone) return dummy('no-phone');
    if (lockedUntil(d, found.id, now) !== undefined) return dummy('locked');
    const last = d
      .select()
      .from(portalSignInCodes)
      .where(and(eq(portalSignInCodes.customerId, found.id), isNotNull(portalSignInCodes.customerId)))
      .orderBy(desc(portalSignInCodes.sentAt))
      .limit(1)
      .get();
    if (last && now - last.sentAt < RESEND_MS && last.expiresAt > now) {
      d.insert(portalSignInCodes).values({ tokenHash: hashToken(token), customerId: found.id, codeHash: last.codeHash, sentAt: last.sentAt, expiresAt: last.expiresAt }).run();
      return { token, outcome: 'too-soon' as const };
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    d.insert(portalSignInCodes).values({ tokenHash: hashToken(token), customerId: found.id, codeHash: codeHash(found.id, code), sentAt: now, expiresAt: now + CODE_TTL_MS }).run();
    queueMessage(d, {
      key: `${SECRET_KEY_PREFIX}portal-sign-in:${found.id}:${now}`,
      to: found.phone,
      customerId: found.id,
      language: found.language,
      body: t('portal.selfService.code.smsText', { code, minutes: CODE_TTL_MS / 60_000 }, found.language),
      critical: true,
      now,
    });
    return { token, outcome: 'sent' as const };
  }, { behavior: 'immediate' });
}

export type CodeResult =
  | { kind: 'signed-in'; customerId: number; token: string; csrfToken: string; expiresAt: number }
  | { kind: 'wrong' }
  /** The code page's token is unknown, out of time or out of tries: ask for a new code. */
  | { kind: 'expired' }
  | { kind: 'locked'; until: number };

/** Checks a typed code: 5 minutes, 5 tries, and wrong codes count toward the portal lockout. */
export function checkCode(db: Db, token: string | undefined, typed: string, now: number, ttlMs?: number): CodeResult {
  if (!token || token.length > 128) return { kind: 'expired' };
  return db.transaction((tx) => {
    const d = tx as Db;
    const row = d.select().from(portalSignInCodes).where(eq(portalSignInCodes.tokenHash, hashToken(token))).get();
    if (!row || row.expiresAt <= now || row.tries >= CODE_TRIES) return { kind: 'expired' } as const;
    if (row.customerId === null) {
      d.update(portalSignInCodes).set({ tries: row.tries + 1 }).where(eq(portalSignInCodes.id, row.id)).run();
      return { kind: 'wrong' } as const;
    }
    const until = lockedUntil(d, row.customerId, now);
    if (until !== undefined) return { kind: 'locked', until } as const;
    const digits = typed.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits) || !sameHex(codeHash(row.customerId, digits), row.codeHash)) {
      d.update(portalSignInCodes).set({ tries: row.tries + 1 }).where(eq(portalSignInCodes.id, row.id)).run();
      return countWrongTry(d, row.customerId, now);
    }
    // The code is spent: every page holding it is done.
    d.delete(portalSignInCodes).where(eq(portalSignInCodes.customerId, row.customerId)).run();
    clearWrongTries(d, row.customerId);
    return { kind: 'signed-in', customerId: row.customerId, ...createSession(d, row.customerId, now, ttlMs) } as const;
  }, { behavior: 'immediate' });
}
