import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { setPortalPassword, signInWithPassword } from './accounts.js';
import { countWrongTry, LOCK_AFTER, LOCK_MS, lockedUntil, unlockPortal } from './lockout.js';
import { portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let alice: number;

beforeEach(() => {
  ({ conn, alice } = portalDb());
});
afterEach(() => conn.close());

describe('unlocking portal sign-in', () => {
  it('lets a locked-out customer sign in again at once with the right password', async () => {
    await setPortalPassword(conn.db, { customerId: alice, password: 'sunny-day-42', now: T0 });
    for (let i = 0; i < LOCK_AFTER; i++) await signInWithPassword(conn.db, 'alice', 'wrong-guess', T0);
    expect((await signInWithPassword(conn.db, 'alice', 'sunny-day-42', T0 + 1000)).kind).toBe('locked');

    expect(unlockPortal(conn.db, alice, T0 + 2000)).toEqual({ wasLockedUntil: T0 + LOCK_MS });
    expect(lockedUntil(conn.db, alice, T0 + 2000)).toBeUndefined();
    expect((await signInWithPassword(conn.db, 'alice', 'sunny-day-42', T0 + 3000)).kind).toBe('signed-in');
  });

  it('forgets wrong tries so far, so the next wrong one does not lock', () => {
    for (let i = 0; i < LOCK_AFTER - 1; i++) countWrongTry(conn.db, alice, T0);
    expect(unlockPortal(conn.db, alice, T0)).toEqual({ wasLockedUntil: null });
    expect(countWrongTry(conn.db, alice, T0)).toEqual({ kind: 'wrong' });
  });

  it('says there was no lock once a lock has run out by itself', () => {
    for (let i = 0; i < LOCK_AFTER; i++) countWrongTry(conn.db, alice, T0);
    expect(unlockPortal(conn.db, alice, T0 + LOCK_MS + 1)).toEqual({ wasLockedUntil: null });
  });
});
