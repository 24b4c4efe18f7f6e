import { and, asc, count, eq, isNull, ne } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { staff, staffPendingSignIns, type StaffRole } from '../db/schema/staff.js';
import { generatePassword, hash } from './accounts.js';
import { recordAudit } from './audit.js';
import { isRole } from './permissions.js';
import { endSessions } from './sessions.js';

// An administrator's work on staff accounts from the staff users screen (and the CLI): the
// list, role changes, disabling, and a new one-time password. Every change is audited; no
// password, hash or secret ever goes into an audit detail.

export interface StaffAccount {
  id: number;
  username: string;
  role: StaffRole;
  mustChangePassword: boolean;
  createdAt: number;
  lockedUntil: number | null;
  disabledAt: number | null;
  lastSignInAt: number | null;
  totp: boolean;
  phone: string | null;
  smsSignIn: boolean;
  /** The staff pages' language they chose; null = their browser's. */
  language: 'en' | 'ar' | null;
  /** Where health alerts go by email; null = none. */
  email: string | null;
}

const columns = {
  id: staff.id,
  username: staff.username,
  role: staff.role,
  mustChangePassword: staff.mustChangePassword,
  createdAt: staff.createdAt,
  lockedUntil: staff.lockedUntil,
  disabledAt: staff.disabledAt,
  lastSignInAt: staff.lastSignInAt,
  totpSecret: staff.totpSecret,
  phone: staff.phone,
  smsSignIn: staff.smsSignIn,
  language: staff.language,
  email: staff.email,
};

function toAccount(row: { totpSecret: string | null } & Omit<StaffAccount, 'totp'>): StaffAccount {
  const { totpSecret, ...rest } = row;
  return { ...rest, totp: totpSecret !== null };
}

/** A page of staff accounts by username, optionally of one role. */
export function listStaffAccounts(db: Db, filter: { role?: StaffRole; limit?: number; offset?: number } = {}): StaffAccount[] {
  return db
    .select(columns)
    .from(staff)
    .where(filter.role === undefined ? undefined : eq(staff.role, filter.role))
    .orderBy(asc(staff.username))
    .limit(filter.limit ?? 50)
    .offset(filter.offset ?? 0)
    .all()
    .map(toAccount);
}

export function findStaffAccount(db: Db, id: number): StaffAccount | undefined {
  const row = db.select(columns).from(staff).where(eq(staff.id, id)).get();
  return row && toAccount(row);
}

/** Administrators who can still sign in, other than `exceptId`. */
function otherActiveAdmins(d: Db, exceptId: number): number {
  return d.select({ n: count() }).from(staff).where(and(eq(staff.role, 'admin'), isNull(staff.disabledAt), ne(staff.id, exceptId))).get()?.n ?? 0;
}

export type ManageResult = { kind: 'done'; account: StaffAccount } | { kind: 'unknown' } | { kind: 'last-admin' } | { kind: 'unchanged' };

/**
 * A new role. Refused when it would leave no active administrator (nobody could then manage
 * staff or settings). The account's sessions end, so the new role applies at once.
 */
export function setStaffRole(db: Db, input: { actor: string; id: number; role: string; now: number }): ManageResult | { kind: 'bad-role' } {
  if (!isRole(input.role)) return { kind: 'bad-role' };
  const role = input.role;
  return db.transaction((tx) => {
    const d = tx as Db;
    const before = findStaffAccount(d, input.id);
    if (!before) return { kind: 'unknown' } as const;
    if (before.role === role) return { kind: 'unchanged' } as const;
    if (before.role === 'admin' && before.disabledAt === null && otherActiveAdmins(d, before.id) === 0) return { kind: 'last-admin' } as const;
    d.update(staff).set({ role }).where(eq(staff.id, before.id)).run();
    endSessions(d, before.id);
    recordAudit(d, input.actor, 'staff.role', `staff:${before.id}`, { username: before.username, before: { role: before.role }, after: { role } }, input.now);
    return { kind: 'done', account: { ...before, role } } as const;
  }, { behavior: 'immediate' });
}

/**
 * Disables an account (no sign-in, its sessions end) or enables it again. The last active
 * administrator cannot be disabled.
 */
export function setStaffDisabled(db: Db, input: { actor: string; id: number; disabled: boolean; now: number }): ManageResult {
  return db.transaction((tx) => {
    const d = tx as Db;
    const before = findStaffAccount(d, input.id);
    if (!before) return { kind: 'unknown' } as const;
    if ((before.disabledAt !== null) === input.disabled) return { kind: 'unchanged' } as const;
    if (input.disabled && before.role === 'admin' && otherActiveAdmins(d, before.id) === 0) return { kind: 'last-admin' } as const;
    const disabledAt = input.disabled ? input.now : null;
    d.update(staff).set({ disabledAt }).where(eq(staff.id, before.id)).run();
    if (input.disabled) {
      endSessions(d, before.id);
      d.delete(staffPendingSignIns).where(eq(staffPendingSignIns.staffId, before.id)).run();
    }
    recordAudit(d, input.actor, input.disabled ? 'staff.disable' : 'staff.enable', `staff:${before.id}`, { username: before.username }, input.now);
    return { kind: 'done', account: { ...before, disabledAt } } as const;
  }, { behavior: 'immediate' });
}

/**
 * A new one-time password from an administrator (a forgotten password): returned once, to
 * hand over; it must be changed at the next sign-in. The account's sessions end and a lock
 * is lifted (the person is known to be who they say).
 */
export async function resetStaffPassword(db: Db, input: { actor: string; id: number; now: number }): Promise<{ kind: 'done'; account: StaffAccount; password: string } | { kind: 'unknown' }> {
  const before = findStaffAccount(db, input.id);
  if (!before) return { kind: 'unknown' };
  const password = generatePassword();
  const passwordHash = await hash(password);
  db.transaction((tx) => {
    const d = tx as Db;
    d.update(staff).set({ passwordHash, mustChangePassword: true, passwordChangedAt: input.now, failedSignIns: 0, lockedUntil: null }).where(eq(staff.id, before.id)).run();
    endSessions(d, before.id);
    d.delete(staffPendingSignIns).where(eq(staffPendingSignIns.staffId, before.id)).run();
    recordAudit(d, input.actor, 'staff.password.reset', `staff:${before.id}`, { username: before.username }, input.now);
  }, { behavior: 'immediate' });
  return { kind: 'done', account: { ...before, mustChangePassword: true, lockedUntil: null }, password };
}

const EMAIL = /^[^\s@<>]{1,64}@[^\s@<>]{1,255}\.[^\s@<>]{2,}$/;

/**
 * The address a member of staff gets health alerts at (admins) by email; null removes it.
 * Refuses what is not an address ('bad-email'), so an alert is never queued to nowhere.
 */
export function setStaffEmail(db: Db, input: { actor: string; id: number; email: string | null; now: number }): ManageResult | { kind: 'bad-email' } {
  const email = input.email === null || input.email.trim() === '' ? null : input.email.trim();
  if (email !== null && !EMAIL.test(email)) return { kind: 'bad-email' };
  return db.transaction((tx) => {
    const d = tx as Db;
    const before = findStaffAccount(d, input.id);
    if (!before) return { kind: 'unknown' } as const;
    if (before.email === email) return { kind: 'unchanged' } as const;
    d.update(staff).set({ email }).where(eq(staff.id, before.id)).run();
    recordAudit(d, input.actor, 'staff.email', `staff:${before.id}`, { username: before.username, before: { email: before.email }, after: { email } }, input.now);
    return { kind: 'done', account: { ...before, email } } as const;
  }, { behavior: 'immediate' });
}
