import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { addStaff, signIn } from './accounts.js';
import { auditTrail } from './audit.js';
import { findStaffAccount, listStaffAccounts, resetStaffPassword, setStaffDisabled, setStaffRole } from './manage.js';
import { createSession, sessionFor } from './sessions.js';

let conn: Connection;
const T0 = Date.UTC(2026, 2, 1, 8, 0);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-manage-')), 'lango.db'));
});
afterEach(() => conn.close());

const add = async (username: string, role: string) => (await addStaff(conn.db, { username, role, password: `${username}-password-1`, now: T0 })).staff.id;

describe('managing staff accounts', () => {
  it('lists by username, filtered by role, a page at a time', async () => {
    for (const name of ['carol', 'alice', 'bob']) await add(name, 'support');
    await add('dan', 'agent');
    expect(listStaffAccounts(conn.db).map((a) => a.username)).toEqual(['alice', 'bob', 'carol', 'dan']);
    expect(listStaffAccounts(conn.db, { role: 'support', limit: 2, offset: 1 }).map((a) => a.username)).toEqual(['bob', 'carol']);
    expect(listStaffAccounts(conn.db, { role: 'agent' })[0]).toMatchObject({ username: 'dan', totp: false, disabledAt: null, lastSignInAt: null });
  });

  it('never demotes or disables the last active administrator, and says so', async () => {
    const admin = await add('admin', 'admin');
    expect(setStaffRole(conn.db, { actor: 'staff:admin', id: admin, role: 'support', now: T0 })).toEqual({ kind: 'last-admin' });
    expect(setStaffDisabled(conn.db, { actor: 'staff:admin', id: admin, disabled: true, now: T0 })).toEqual({ kind: 'last-admin' });
    const second = await add('second', 'admin');
    // A disabled administrator does not count as the other one.
    expect(setStaffDisabled(conn.db, { actor: 'staff:admin', id: second, disabled: true, now: T0 }).kind).toBe('done');
    expect(setStaffRole(conn.db, { actor: 'staff:admin', id: admin, role: 'support', now: T0 })).toEqual({ kind: 'last-admin' });
    expect(setStaffDisabled(conn.db, { actor: 'staff:admin', id: second, disabled: false, now: T0 }).kind).toBe('done');
    expect(setStaffRole(conn.db, { actor: 'staff:second', id: admin, role: 'support', now: T0 }).kind).toBe('done');
    expect(findStaffAccount(conn.db, admin)?.role).toBe('support');
    expect(auditTrail(conn.db, `staff:${admin}`)[0]).toMatchObject({ actor: 'staff:second', action: 'staff.role', detail: { before: { role: 'admin' }, after: { role: 'support' } } });
  });

  it('disabling ends the sessions and refuses sign-in with a word of its own; enabling lets them in again', async () => {
    await add('admin', 'admin');
    const id = await add('otieno', 'support');
    const { token } = createSession(conn.db, id, T0);
    expect(setStaffDisabled(conn.db, { actor: 'staff:admin', id, disabled: true, now: T0 }).kind).toBe('done');
    expect(sessionFor(conn.db, token, T0)).toBeUndefined();
    expect((await signIn(conn.db, 'otieno', 'otieno-password-1', T0)).kind).toBe('disabled');
    expect((await signIn(conn.db, 'otieno', 'wrong-password-1', T0)).kind).toBe('wrong');
    expect(setStaffDisabled(conn.db, { actor: 'staff:admin', id, disabled: false, now: T0 }).kind).toBe('done');
    expect((await signIn(conn.db, 'otieno', 'otieno-password-1', T0)).kind).toBe('signed-in');
  });

  it('resets a password to a one-time one: the old stops working, the new must be changed, sessions end, nothing secret is audited', async () => {
    await add('admin', 'admin');
    const id = await add('wanjiru', 'billing_manager');
    const { token } = createSession(conn.db, id, T0);
    const result = await resetStaffPassword(conn.db, { actor: 'staff:admin', id, now: T0 });
    expect(result.kind).toBe('done');
    const password = (result as { password: string }).password;
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(sessionFor(conn.db, token, T0)).toBeUndefined();
    expect((await signIn(conn.db, 'wanjiru', 'wanjiru-password-1', T0)).kind).toBe('wrong');
    const signedIn = await signIn(conn.db, 'wanjiru', password, T0);
    expect(signedIn).toMatchObject({ kind: 'signed-in', staff: { mustChangePassword: true } });
    expect(auditTrail(conn.db, `staff:${id}`)[0]).toMatchObject({ actor: 'staff:admin', action: 'staff.password.reset', detail: { username: 'wanjiru' } });
    expect(JSON.stringify(auditTrail(conn.db))).not.toContain(password);
    expect(await resetStaffPassword(conn.db, { actor: 'staff:admin', id: 999, now: T0 })).toEqual({ kind: 'unknown' });
  });
});
