import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { LangoError } from '../errors.js';
import { addStaff, changePassword, ensureFirstAdmin, findStaff, LOCK_AFTER, LOCK_MS, signIn, unlockStaff } from './accounts.js';
import { auditTrail } from './audit.js';
import { createSession, csrfMatches, hashToken, SESSION_TTL_MS, sessionFor, signOut } from './sessions.js';

let conn: Connection;
const T0 = Date.UTC(2026, 2, 1, 8, 0);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-staff-')), 'lango.db'));
});
afterEach(() => conn.close());

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LangoError) return err.code;
    throw err;
  }
  return 'no error';
};

describe('staff accounts', () => {
  it('stores an argon2id hash, never the password, and lowercases the username', async () => {
    const { staff, password } = await addStaff(conn.db, { username: ' Amina ', role: 'agent', password: 'kibera-shop-7' });
    expect(password).toBeNull();
    expect(staff).toMatchObject({ username: 'amina', role: 'agent', mustChangePassword: false });
    const stored = conn.sqlite.prepare('SELECT password_hash FROM staff WHERE username = ?').get('amina') as { password_hash: string };
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.password_hash).not.toContain('kibera-shop-7');
  });

  it('generates a password when none is given, and asks for it to be changed at first sign-in', async () => {
    const { staff, password } = await addStaff(conn.db, { username: 'otieno', role: 'support' });
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(staff.mustChangePassword).toBe(true);
  });

  it('refuses a bad username, an unknown role, a short password, the username as password, and a taken name', async () => {
    expect(await codeOf(addStaff(conn.db, { username: 'a b', role: 'agent', password: 'long-enough-1' }))).toBe('STAFF_BAD_USERNAME');
    expect(await codeOf(addStaff(conn.db, { username: 'amina', role: 'cashier', password: 'long-enough-1' }))).toBe('STAFF_BAD_ROLE');
    expect(await codeOf(addStaff(conn.db, { username: 'amina', role: 'agent', password: 'short' }))).toBe('STAFF_WEAK_PASSWORD');
    expect(await codeOf(addStaff(conn.db, { username: 'amina12345', role: 'agent', password: 'AMINA12345' }))).toBe('STAFF_WEAK_PASSWORD');
    await addStaff(conn.db, { username: 'amina', role: 'agent', password: 'long-enough-1' });
    expect(await codeOf(addStaff(conn.db, { username: 'AMINA', role: 'admin', password: 'long-enough-2' }))).toBe('STAFF_DUPLICATE_USERNAME');
  });

  it('makes the first admin once, who must change the password', async () => {
    const password = await ensureFirstAdmin(conn.db);
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await ensureFirstAdmin(conn.db)).toBeNull();
    const result = await signIn(conn.db, 'admin', password!, T0);
    expect(result).toMatchObject({ kind: 'signed-in', staff: { username: 'admin', role: 'admin', mustChangePassword: true } });
  });
});

describe('sign-in and lockout', () => {
  beforeEach(async () => {
    await addStaff(conn.db, { username: 'amina', role: 'agent', password: 'kibera-shop-7' });
  });

  it('answers an unknown username and a wrong password alike', async () => {
    expect(await signIn(conn.db, 'nobody', 'kibera-shop-7', T0)).toEqual({ kind: 'wrong' });
    expect(await signIn(conn.db, 'amina', 'kibera-shop-8', T0)).toEqual({ kind: 'wrong' });
  });

  it(`locks the account for 15 minutes at the ${LOCK_AFTER}th wrong password in a row, refusing even the right one, then lets it in`, async () => {
    for (let i = 1; i < LOCK_AFTER; i++) expect(await signIn(conn.db, 'amina', `wrong-${i}-password`, T0 + i)).toEqual({ kind: 'wrong' });
    const locked = await signIn(conn.db, 'amina', 'wrong-5-password', T0 + LOCK_AFTER);
    expect(locked).toEqual({ kind: 'locked', until: T0 + LOCK_AFTER + LOCK_MS });
    expect(await signIn(conn.db, 'amina', 'kibera-shop-7', T0 + 60_000)).toEqual({ kind: 'locked', until: T0 + LOCK_AFTER + LOCK_MS });
    expect(auditTrail(conn.db).map((e) => e.action)).toContain('staff.lock');
    expect((await signIn(conn.db, 'amina', 'kibera-shop-7', T0 + LOCK_AFTER + LOCK_MS)).kind).toBe('signed-in');
  });

  it('counts wrong passwords in a row: a sign-in starts the count again', async () => {
    for (let i = 1; i < LOCK_AFTER; i++) await signIn(conn.db, 'amina', `wrong-${i}-password`, T0 + i);
    expect((await signIn(conn.db, 'amina', 'kibera-shop-7', T0 + 10)).kind).toBe('signed-in');
    for (let i = 1; i < LOCK_AFTER; i++) expect(await signIn(conn.db, 'amina', `wrong-${i}-password`, T0 + 10 + i)).toEqual({ kind: 'wrong' });
  });

  it('after a lock runs out, gives a fresh count of five', async () => {
    for (let i = 1; i <= LOCK_AFTER; i++) await signIn(conn.db, 'amina', `wrong-${i}-password`, T0);
    const later = T0 + LOCK_MS + 1;
    expect(await signIn(conn.db, 'amina', 'wrong-again-pw', later)).toEqual({ kind: 'wrong' });
    expect(findStaff(conn.db, 'amina')?.lockedUntil).toBeNull();
  });

  it('lets an administrator lift a lock early', async () => {
    for (let i = 1; i <= LOCK_AFTER; i++) await signIn(conn.db, 'amina', `wrong-${i}-password`, T0);
    unlockStaff(conn.db, 'amina', 'cli:root', T0 + 1);
    expect((await signIn(conn.db, 'amina', 'kibera-shop-7', T0 + 2)).kind).toBe('signed-in');
  });

  it('ends the account’s sessions when it locks', async () => {
    const first = await signIn(conn.db, 'amina', 'kibera-shop-7', T0);
    if (first.kind !== 'signed-in') throw new Error('not signed in');
    for (let i = 1; i <= LOCK_AFTER; i++) await signIn(conn.db, 'amina', `wrong-${i}-password`, T0 + i);
    expect(sessionFor(conn.db, first.token, T0 + 10)).toBeUndefined();
  });
});

describe('sessions', () => {
  it('keeps only a SHA-256 of the token, and opens the session until it expires', async () => {
    const { staff } = await addStaff(conn.db, { username: 'amina', role: 'agent', password: 'kibera-shop-7' });
    const { token, csrfToken, expiresAt } = createSession(conn.db, staff.id, T0);
    expect(expiresAt).toBe(T0 + SESSION_TTL_MS);
    const rows = conn.sqlite.prepare('SELECT token_hash FROM staff_sessions').all() as Array<{ token_hash: string }>;
    expect(rows).toEqual([{ token_hash: hashToken(token) }]);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(sessionFor(conn.db, token, expiresAt - 1)).toMatchObject({ csrfToken, staff: { username: 'amina', role: 'agent' } });
    expect(sessionFor(conn.db, token, expiresAt)).toBeUndefined();
    expect(sessionFor(conn.db, `${token}x`, T0)).toBeUndefined();
    expect(sessionFor(conn.db, undefined, T0)).toBeUndefined();
  });

  it('signs out: the token opens nothing any more', async () => {
    const { staff } = await addStaff(conn.db, { username: 'amina', role: 'agent', password: 'kibera-shop-7' });
    const { token } = createSession(conn.db, staff.id, T0);
    signOut(conn.db, token);
    expect(sessionFor(conn.db, token, T0 + 1)).toBeUndefined();
  });

  it('matches the CSRF token exactly', () => {
    const session = { csrfToken: 'abc123' };
    expect(csrfMatches(session, 'abc123')).toBe(true);
    expect(csrfMatches(session, 'abc124')).toBe(false);
    expect(csrfMatches(session, 'abc12')).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, ['abc123'])).toBe(false);
  });
});

describe('changing the password', () => {
  it('needs the current password, clears the forced change, and ends the other sessions', async () => {
    const { staff, password } = await addStaff(conn.db, { username: 'otieno', role: 'support' });
    const here = createSession(conn.db, staff.id, T0);
    const elsewhere = createSession(conn.db, staff.id, T0);
    const keep = sessionFor(conn.db, here.token, T0)!;
    expect(await codeOf(changePassword(conn.db, { staffId: staff.id, current: 'not-the-password', next: 'new-password-1', now: T0 }))).toBe('STAFF_WRONG_PASSWORD');
    expect(await codeOf(changePassword(conn.db, { staffId: staff.id, current: password!, next: 'short', now: T0 }))).toBe('STAFF_WEAK_PASSWORD');
    expect(await codeOf(changePassword(conn.db, { staffId: staff.id, current: password!, next: password!, now: T0 }))).toBe('STAFF_SAME_PASSWORD');
    await changePassword(conn.db, { staffId: staff.id, current: password!, next: 'new-password-1', now: T0, keepSessionId: keep.id });
    expect(findStaff(conn.db, 'otieno')?.mustChangePassword).toBe(false);
    expect(sessionFor(conn.db, here.token, T0 + 1)).toBeDefined();
    expect(sessionFor(conn.db, elsewhere.token, T0 + 1)).toBeUndefined();
    expect((await signIn(conn.db, 'otieno', password!, T0 + 2)).kind).toBe('wrong');
    expect((await signIn(conn.db, 'otieno', 'new-password-1', T0 + 3)).kind).toBe('signed-in');
  });
});
