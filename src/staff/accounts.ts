import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { asc, count, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { staff, type StaffRole } from '../db/schema/staff.js';
import { LangoError } from '../errors.js';
import { recordAudit } from './audit.js';
import { isRole, roles } from './permissions.js';
import { countWrongTry } from './lockout.js';
import { createPendingSignIn } from './second-factor.js';
import { createSession, endSessions, type StaffMember } from './sessions.js';

export { LOCK_AFTER, LOCK_MS } from './lockout.js';

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/;
const PASSWORD_MIN = 10;
const PASSWORD_MAX = 128;

export const hash = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** 15 random bytes -> 20 base64url characters: strong, and easy to copy from a terminal. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/**
 * On the very first start there is nobody to log in as, so Lango makes `admin` with a random
 * password and hands it back once, to be printed; it must be changed at first login.
 * Returns null when any staff account exists already.
 */
export async function ensureFirstAdmin(db: Db): Promise<string | null> {
  if ((db.select({ n: count() }).from(staff).get()?.n ?? 0) > 0) return null;
  const password = generatePassword();
  const passwordHash = await hash(password);
  const created = db
    .insert(staff)
    .values({ username: 'admin', passwordHash, role: 'admin', mustChangePassword: true, createdAt: Date.now() })
    .onConflictDoNothing()
    .run();
  return created.changes === 1 ? password : null;
}

export interface StaffSummary extends StaffMember {
  createdAt: number;
  lockedUntil: number | null;
}

const summary = {
  id: staff.id,
  username: staff.username,
  role: staff.role,
  mustChangePassword: staff.mustChangePassword,
  createdAt: staff.createdAt,
  lockedUntil: staff.lockedUntil,
};

export function normaliseStaffUsername(text: string): string {
  return text.trim().toLowerCase();
}

function checkPassword(password: string, username: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX || password.toLowerCase() === username) throw new LangoError('STAFF_WEAK_PASSWORD', { min: PASSWORD_MIN, max: PASSWORD_MAX });
}

/**
 * A new member of staff. Without a password one is generated and returned, once, to hand
 * over; it must then be changed at first sign-in (it passed through a terminal and a person).
 */
export async function addStaff(db: Db, input: { username: string; password?: string; role: string; actor?: string; now?: number }): Promise<{ staff: StaffSummary; password: string | null }> {
  const username = normaliseStaffUsername(input.username);
  if (!USERNAME.test(username)) throw new LangoError('STAFF_BAD_USERNAME', { value: input.username });
  if (!isRole(input.role)) throw new LangoError('STAFF_BAD_ROLE', { value: input.role, allowed: roles.join(', ') });
  const role: StaffRole = input.role;
  const generated = input.password === undefined ? generatePassword() : null;
  const password = input.password ?? generated!;
  checkPassword(password, username);
  if (findStaff(db, username)) throw new LangoError('STAFF_DUPLICATE_USERNAME', { username });
  const passwordHash = await hash(password);
  const now = input.now ?? Date.now();
  const created = db.transaction((tx) => {
    const d = tx as Db;
    const row = d.insert(staff).values({ username, passwordHash, role, mustChangePassword: generated !== null, createdAt: now }).onConflictDoNothing().returning(summary).get();
    if (!row) throw new LangoError('STAFF_DUPLICATE_USERNAME', { username });
    recordAudit(d, input.actor ?? 'system', 'staff.add', `staff:${row.id}`, { username, role }, now);
    return row;
  }, { behavior: 'immediate' });
  return { staff: created, password: generated };
}

export function findStaff(db: Db, username: string): StaffSummary | undefined {
  return db.select(summary).from(staff).where(eq(staff.username, normaliseStaffUsername(username))).get();
}

export function listStaff(db: Db): StaffSummary[] {
  return db.select(summary).from(staff).orderBy(asc(staff.username)).all();
}

export type SignInResult =
  | { kind: 'signed-in'; staff: StaffMember; token: string; csrfToken: string; expiresAt: number }
  /** Unknown username or wrong password: the same answer for both. */
  | { kind: 'wrong' }
  /** Too many wrong passwords: refused until `until`, whatever the password. */
  | { kind: 'locked'; until: number }
  /** The right password, and a second factor is awaited: `token` names the pending sign-in (not a session). */
  | { kind: 'second-factor'; staff: StaffMember; token: string; expiresAt: number; totp: boolean; sms: boolean }
  /** The right password for an account an administrator has disabled. */
  | { kind: 'disabled' };

// Verified against for unknown usernames, so a wrong name takes as long as a wrong password.
let dummyHash: Promise<string> | undefined;

/**
 * Checks a username and password and opens a session. Five wrong passwords in a row lock the
 * account for fifteen minutes; while locked even the right password is refused, so guessing
 * gains nothing. A sign-in resets the count.
 */
export async function signIn(db: Db, username: string, password: string, now: number, ttlMs?: number): Promise<SignInResult> {
  const name = normaliseStaffUsername(username);
  const row = name.length > 64 ? undefined : db.select().from(staff).where(eq(staff.username, name)).get();
  if (!row) {
    dummyHash ??= hash(randomBytes(16).toString('hex'));
    await argon2.verify(await dummyHash, password.slice(0, PASSWORD_MAX));
    return { kind: 'wrong' };
  }
  if (row.lockedUntil !== null && row.lockedUntil > now) return { kind: 'locked', until: row.lockedUntil };
  const right = password.length <= PASSWORD_MAX && (await argon2.verify(row.passwordHash, password));
  return db.transaction((tx) => {
    const d = tx as Db;
    // Read again after the slow hash: a lock set meanwhile (guesses in parallel) still holds.
    const current = d.select({ lockedUntil: staff.lockedUntil }).from(staff).where(eq(staff.id, row.id)).get()!;
    if (current.lockedUntil !== null && current.lockedUntil > now) return { kind: 'locked', until: current.lockedUntil } as const;
    const member: StaffMember = { id: row.id, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword };
    if (right && row.disabledAt !== null) return { kind: 'disabled' } as const;
    const totp = row.totpSecret !== null;
    const sms = row.smsSignIn && row.phone !== null;
    if (right && (totp || sms)) {
      // The count of wrong tries is not reset yet: wrong codes add to it, so knowing the
      // password does not buy unlimited guesses at the code.
      return { kind: 'second-factor', staff: member, totp, sms, ...createPendingSignIn(d, row.id, now) } as const;
    }
    if (right) {
      d.update(staff).set({ failedSignIns: 0, lockedUntil: null, lastSignInAt: now }).where(eq(staff.id, row.id)).run();
      const session = createSession(d, row.id, now, ttlMs);
      return { kind: 'signed-in', staff: member, ...session } as const;
    }
    return countWrongTry(d, row.id, now);
  }, { behavior: 'immediate' });
}

/**
 * Changes one's own password: the current one must be right, the new one long enough and
 * different. Other sessions of the account end; `keepSessionId` (the one making the change) stays.
 */
export async function changePassword(db: Db, input: { staffId: number; current: string; next: string; now: number; keepSessionId?: number }): Promise<void> {
  const row = db.select().from(staff).where(eq(staff.id, input.staffId)).get();
  if (!row) throw new LangoError('STAFF_UNKNOWN', { username: String(input.staffId) });
  if (input.current.length > PASSWORD_MAX || !(await argon2.verify(row.passwordHash, input.current))) throw new LangoError('STAFF_WRONG_PASSWORD');
  checkPassword(input.next, row.username);
  if (input.next === input.current) throw new LangoError('STAFF_SAME_PASSWORD');
  const passwordHash = await hash(input.next);
  db.transaction((tx) => {
    const d = tx as Db;
    d.update(staff).set({ passwordHash, mustChangePassword: false, passwordChangedAt: input.now }).where(eq(staff.id, row.id)).run();
    endSessions(d, row.id, input.keepSessionId);
    recordAudit(d, `staff:${row.username}`, 'staff.password.change', `staff:${row.id}`, {}, input.now);
  }, { behavior: 'immediate' });
}

/** Lifts a lock before its time (an administrator, having checked who is asking). */
export function unlockStaff(db: Db, username: string, actor: string, now: number): StaffSummary {
  const found = findStaff(db, username);
  if (!found) throw new LangoError('STAFF_UNKNOWN', { username });
  db.transaction((tx) => {
    const d = tx as Db;
    d.update(staff).set({ failedSignIns: 0, lockedUntil: null }).where(eq(staff.id, found.id)).run();
    recordAudit(d, actor, 'staff.unlock', `staff:${found.id}`, { username: found.username }, now);
  }, { behavior: 'immediate' });
  return { ...found, lockedUntil: null };
}

/** For tests and the CLI: whether a username is locked right now. */
export function isLocked(account: Pick<StaffSummary, 'lockedUntil'>, now: number): boolean {
  return account.lockedUntil !== null && account.lockedUntil > now;
}

