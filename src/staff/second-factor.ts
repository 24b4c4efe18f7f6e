import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import { eq, lte } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { staff, staffPendingSignIns } from '../db/schema/staff.js';
import { recordAudit } from './audit.js';
import { countWrongTry } from './lockout.js';
import { createSession, hashToken, randomToken, type StaffMember } from './sessions.js';
import { checkTotp, isTotpSecret } from './totp.js';
import { SECRET_KEY_PREFIX } from '../messaging/outbox.js';

// The second step of a staff sign-in: a code from an authenticator app (TOTP) or one sent by
// SMS. Between the password and the code the browser holds a pending sign-in, not a session.

/** How long the code page waits after the password; an SMS code lives as long. */
export const PENDING_TTL_MS = 5 * 60_000;
export const SMS_CODE_TTL_MS = 5 * 60_000;
export const SMS_CODE_TRIES = 5;
/** A new SMS code no sooner than this after the last one (each one costs money). */
export const SMS_RESEND_MS = 60_000;

const E164 = /^\+[1-9]\d{6,14}$/;

export function isStaffPhone(text: string): boolean {
  return E164.test(text);
}

/** Opens a pending sign-in for an account whose password was right (inside the caller's transaction). */
export function createPendingSignIn(d: Db, staffId: number, now: number): { token: string; expiresAt: number } {
  const token = randomToken();
  const expiresAt = now + PENDING_TTL_MS;
  d.delete(staffPendingSignIns).where(lte(staffPendingSignIns.expiresAt, now)).run();
  d.insert(staffPendingSignIns).values({ tokenHash: hashToken(token), staffId, createdAt: now, expiresAt }).run();
  return { token, expiresAt };
}

export interface PendingSignIn {
  id: number;
  staff: StaffMember;
  totp: boolean;
  /** The number SMS codes go to, when the account signs in with SMS codes. */
  phone: string | null;
  /** An SMS code was sent and is still valid. */
  smsSent: boolean;
}

function pendingRow(db: Db, token: string | undefined, now: number) {
  if (!token || token.length > 128) return undefined;
  const row = db
    .select({
      id: staffPendingSignIns.id,
      expiresAt: staffPendingSignIns.expiresAt,
      smsCodeHash: staffPendingSignIns.smsCodeHash,
      smsExpiresAt: staffPendingSignIns.smsExpiresAt,
      smsTries: staffPendingSignIns.smsTries,
      staffId: staff.id,
      username: staff.username,
      role: staff.role,
      mustChangePassword: staff.mustChangePassword,
      totpSecret: staff.totpSecret,
      totpLastStep: staff.totpLastStep,
      phone: staff.phone,
      smsSignIn: staff.smsSignIn,
      disabledAt: staff.disabledAt,
      lockedUntil: staff.lockedUntil,
    })
    .from(staffPendingSignIns)
    .innerJoin(staff, eq(staff.id, staffPendingSignIns.staffId))
    .where(eq(staffPendingSignIns.tokenHash, hashToken(token)))
    .get();
  return row && row.expiresAt > now && row.disabledAt === null ? row : undefined;
}

/** The pending sign-in a cookie's token names; undefined when unknown, expired or disabled since. */
export function pendingSignIn(db: Db, token: string | undefined, now: number): PendingSignIn | undefined {
  const row = pendingRow(db, token, now);
  if (!row) return undefined;
  return {
    id: row.id,
    staff: { id: row.staffId, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword },
    totp: row.totpSecret !== null,
    phone: row.smsSignIn ? row.phone : null,
    smsSent: row.smsCodeHash !== null && (row.smsExpiresAt ?? 0) > now && row.smsTries < SMS_CODE_TRIES,
  };
}

export function cancelPendingSignIn(db: Db, token: string | undefined): void {
  if (token) db.delete(staffPendingSignIns).where(eq(staffPendingSignIns.tokenHash, hashToken(token))).run();
}

const smsHash = (pendingId: number, code: string) => createHash('sha256').update(`${pendingId}:${code}`).digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SecondFactorResult =
  | { kind: 'signed-in'; staff: StaffMember; token: string; csrfToken: string; expiresAt: number }
  /** The page timed out, or the account was disabled meanwhile: start again with the password. */
  | { kind: 'expired' }
  | { kind: 'wrong' }
  /** The right code, but already used for a sign-in in its time step. */
  | { kind: 'used' }
  | { kind: 'locked'; until: number };

/**
 * Checks the code typed on the code page: the authenticator's (±1 time step, never the same
 * step twice) or the SMS one (5 minutes, 5 tries). A wrong code counts toward the account's
 * lockout like a wrong password; the right one opens the session and ends the pending sign-in.
 */
export function completeSignIn(db: Db, box: SecretBox | undefined, token: string | undefined, code: string, now: number, ttlMs?: number): SecondFactorResult {
  return db.transaction((tx) => {
    const d = tx as Db;
    const row = pendingRow(d, token, now);
    if (!row) return { kind: 'expired' } as const;
    if (row.lockedUntil !== null && row.lockedUntil > now) {
      d.delete(staffPendingSignIns).where(eq(staffPendingSignIns.id, row.id)).run();
      return { kind: 'locked', until: row.lockedUntil } as const;
    }
    let step: number | null = null;
    let used = false;
    let right = false;
    if (row.totpSecret !== null && box) {
      const checked = checkTotp(box.open(row.totpSecret), code, now, row.totpLastStep);
      if (checked.ok) {
        right = true;
        step = checked.step;
      } else used = checked.reason === 'used';
    }
    if (!right && row.smsCodeHash !== null && (row.smsExpiresAt ?? 0) > now && row.smsTries < SMS_CODE_TRIES) {
      const digits = code.replace(/\s/g, '');
      if (/^\d{6}$/.test(digits) && sameHex(smsHash(row.id, digits), row.smsCodeHash)) right = true;
      else d.update(staffPendingSignIns).set({ smsTries: row.smsTries + 1 }).where(eq(staffPendingSignIns.id, row.id)).run();
    }
    if (!right) {
      const counted = countWrongTry(d, row.staffId, now);
      if (counted.kind === 'locked') {
        d.delete(staffPendingSignIns).where(eq(staffPendingSignIns.id, row.id)).run();
        return counted;
      }
      return { kind: used ? 'used' : 'wrong' } as const;
    }
    d.delete(staffPendingSignIns).where(eq(staffPendingSignIns.id, row.id)).run();
    d.update(staff)
      .set({ failedSignIns: 0, lockedUntil: null, lastSignInAt: now, ...(step !== null && { totpLastStep: step }) })
      .where(eq(staff.id, row.staffId))
      .run();
    const session = createSession(d, row.staffId, now, ttlMs);
    return { kind: 'signed-in', staff: { id: row.staffId, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword }, ...session } as const;
  }, { behavior: 'immediate' });
}

export type SmsCodeResult = { kind: 'sent'; phone: string } | { kind: 'expired' } | { kind: 'no-phone' } | { kind: 'too-soon'; seconds: number };

/**
 * Sends a 6-digit sign-in code by SMS for a pending sign-in. The code is kept only as a hash;
 * `send` queues the message in the same transaction (the caller owns messaging), so a code
 * exists exactly when its SMS does. A new code replaces the last and gets fresh tries.
 */
export function sendSmsCode(db: Db, token: string | undefined, now: number, send: (d: Db, message: { to: string; code: string; minutes: number; key: string }) => void): SmsCodeResult {
  return db.transaction((tx) => {
    const d = tx as Db;
    const row = pendingRow(d, token, now);
    if (!row) return { kind: 'expired' } as const;
    if (!row.smsSignIn || row.phone === null) return { kind: 'no-phone' } as const;
    const sentAt = row.smsExpiresAt === null ? null : row.smsExpiresAt - SMS_CODE_TTL_MS;
    if (sentAt !== null && now - sentAt < SMS_RESEND_MS) return { kind: 'too-soon', seconds: Math.ceil((SMS_RESEND_MS - (now - sentAt)) / 1000) } as const;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const smsExpiresAt = now + SMS_CODE_TTL_MS;
    d.update(staffPendingSignIns)
      .set({ smsCodeHash: smsHash(row.id, code), smsExpiresAt, smsTries: 0, expiresAt: Math.max(row.expiresAt, smsExpiresAt) })
      .where(eq(staffPendingSignIns.id, row.id))
      .run();
    send(d, { to: row.phone, code, minutes: SMS_CODE_TTL_MS / 60_000, key: `${SECRET_KEY_PREFIX}staff-sign-in:${row.id}:${now}` });
    return { kind: 'sent', phone: row.phone } as const;
  }, { behavior: 'immediate' });
}

export interface SecondFactorState {
  totp: boolean;
  phone: string | null;
  smsSignIn: boolean;
}

export function secondFactorOf(db: Db, staffId: number): SecondFactorState | undefined {
  const row = db.select({ totpSecret: staff.totpSecret, phone: staff.phone, smsSignIn: staff.smsSignIn }).from(staff).where(eq(staff.id, staffId)).get();
  return row && { totp: row.totpSecret !== null, phone: row.phone, smsSignIn: row.smsSignIn };
}

/**
 * Turns on authenticator codes once the person proves their app has the secret: the code
 * it shows now must be right. The secret is kept sealed; its step counts as used.
 */
export function turnOnTotp(db: Db, box: SecretBox, input: { actor: string; staffId: number; secret: string; code: string; now: number }): { kind: 'on' } | { kind: 'wrong' } | { kind: 'already-on' } {
  // Replacing the app is turning it off (with the password) and on again: a borrowed, signed-in
  // browser must not swap in someone else's authenticator and lock the owner out.
  const current = db.select({ totpSecret: staff.totpSecret }).from(staff).where(eq(staff.id, input.staffId)).get();
  if (current?.totpSecret) return { kind: 'already-on' };
  if (!isTotpSecret(input.secret)) return { kind: 'wrong' };
  const checked = checkTotp(input.secret, input.code, input.now, null);
  if (!checked.ok) return { kind: 'wrong' };
  db.transaction((tx) => {
    const d = tx as Db;
    d.update(staff).set({ totpSecret: box.seal(input.secret), totpLastStep: checked.step }).where(eq(staff.id, input.staffId)).run();
    recordAudit(d, input.actor, 'staff.2fa.on', `staff:${input.staffId}`, { method: 'totp' }, input.now);
  }, { behavior: 'immediate' });
  return { kind: 'on' };
}

async function passwordRight(db: Db, staffId: number, password: string): Promise<boolean> {
  const row = db.select({ passwordHash: staff.passwordHash }).from(staff).where(eq(staff.id, staffId)).get();
  return row !== undefined && password.length <= 128 && (await argon2.verify(row.passwordHash, password));
}

/** Turns authenticator codes off for oneself: the password must be right (a borrowed, signed-in browser is not enough). */
export async function turnOffTotp(db: Db, input: { actor: string; staffId: number; password: string; now: number }): Promise<{ kind: 'off' } | { kind: 'wrong-password' }> {
  if (!(await passwordRight(db, input.staffId, input.password))) return { kind: 'wrong-password' };
  db.transaction((tx) => {
    const d = tx as Db;
    d.update(staff).set({ totpSecret: null, totpLastStep: null }).where(eq(staff.id, input.staffId)).run();
    recordAudit(d, input.actor, 'staff.2fa.off', `staff:${input.staffId}`, { method: 'totp' }, input.now);
  }, { behavior: 'immediate' });
  return { kind: 'off' };
}

/**
 * SMS sign-in codes for oneself: a phone number (E.164) and on/off. Needs the password, as
 * turning a second factor off or pointing it at another phone would otherwise take only a
 * moment at an unlocked screen.
 */
export async function setSmsSignIn(db: Db, input: { actor: string; staffId: number; password: string; phone: string | null; on: boolean; now: number }): Promise<{ kind: 'saved' } | { kind: 'wrong-password' } | { kind: 'bad-phone' }> {
  if (input.phone !== null && !isStaffPhone(input.phone)) return { kind: 'bad-phone' };
  if (input.on && input.phone === null) return { kind: 'bad-phone' };
  if (!(await passwordRight(db, input.staffId, input.password))) return { kind: 'wrong-password' };
  db.transaction((tx) => {
    const d = tx as Db;
    const before = secondFactorOf(d, input.staffId);
    d.update(staff).set({ phone: input.phone, smsSignIn: input.on }).where(eq(staff.id, input.staffId)).run();
    recordAudit(d, input.actor, input.on ? 'staff.2fa.sms.on' : 'staff.2fa.sms.off', `staff:${input.staffId}`, { before: { phone: before?.phone ?? null, sms: before?.smsSignIn ?? false }, after: { phone: input.phone, sms: input.on } }, input.now);
  }, { behavior: 'immediate' });
  return { kind: 'saved' };
}

/** An administrator turns off a member of staff's second factors (a lost phone): password alone again. */
export function resetSecondFactor(db: Db, input: { actor: string; staffId: number; now: number }): boolean {
  return db.transaction((tx) => {
    const d = tx as Db;
    const before = secondFactorOf(d, input.staffId);
    if (!before) return false;
    d.update(staff).set({ totpSecret: null, totpLastStep: null, smsSignIn: false }).where(eq(staff.id, input.staffId)).run();
    recordAudit(d, input.actor, 'staff.2fa.reset', `staff:${input.staffId}`, { before: { totp: before.totp, sms: before.smsSignIn }, after: { totp: false, sms: false } }, input.now);
    return true;
  }, { behavior: 'immediate' });
}
