import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { findPortalAccount, setPortalPassword, signInWithPassword } from './accounts.js';
import { LOCK_AFTER, LOCK_MS } from './lockout.js';
import { sessionFor, SESSION_TTL_MS, signOut } from './sessions.js';
import { portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let alice: number;
let bob: number;

beforeEach(() => {
  ({ conn, alice, bob } = portalDb());
});
afterEach(() => conn.close());

describe('portal accounts', () => {
  it('finds a customer by phone in any usual spelling, or by username', () => {
    expect(findPortalAccount(conn.db, '0712 345 678')?.id).toBe(alice);
    expect(findPortalAccount(conn.db, '+254712345678')?.id).toBe(alice);
    expect(findPortalAccount(conn.db, 'bob')?.id).toBe(bob);
    expect(findPortalAccount(conn.db, '0799999999')).toBeUndefined();
  });

  it('keeps the portal password as an argon2 hash apart from the network password, and signs in with it', async () => {
    expect((await signInWithPassword(conn.db, 'alice', 'anything-at-all', T0)).kind).toBe('wrong');
    expect(await setPortalPassword(conn.db, { customerId: alice, password: 'short', now: T0 })).toBe('weak');
    expect(await setPortalPassword(conn.db, { customerId: alice, password: 'sunny-day-42', now: T0 })).toBe('set');
    const stored = conn.sqlite.prepare('SELECT portal_password_hash AS h, password_sealed AS s FROM customers WHERE id = ?').get(alice) as { h: string; s: string };
    expect(stored.h).toMatch(/^\$argon2id\$/);
    expect(stored.s).not.toBe(stored.h);
    // The network password does not open the portal.
    expect((await signInWithPassword(conn.db, 'alice', 'net-pass-1', T0)).kind).toBe('wrong');
    const result = await signInWithPassword(conn.db, '0712345678', 'sunny-day-42', T0);
    expect(result.kind).toBe('signed-in');
    if (result.kind !== 'signed-in') return;
    expect(result.customerId).toBe(alice);
    const session = sessionFor(conn.db, result.token, T0 + 1000);
    expect(session).toMatchObject({ customerId: alice, username: 'alice', language: 'ar', hasPassword: true });
    // Only the token's hash is stored.
    expect(conn.sqlite.prepare('SELECT count(*) AS n FROM portal_sessions WHERE token_hash = ?').get(result.token)).toEqual({ n: 0 });
  });

  it('answers an unknown account exactly like a wrong password', async () => {
    expect(await signInWithPassword(conn.db, 'nobody', 'sunny-day-42', T0)).toEqual({ kind: 'wrong' });
    expect(await signInWithPassword(conn.db, '0700000000', 'sunny-day-42', T0)).toEqual({ kind: 'wrong' });
  });

  it('locks after five wrong passwords for fifteen minutes, even the right one, then lets in again', async () => {
    await setPortalPassword(conn.db, { customerId: alice, password: 'sunny-day-42', now: T0 });
    for (let i = 1; i < LOCK_AFTER; i++) expect((await signInWithPassword(conn.db, 'alice', 'wrong-guess', T0 + i)).kind).toBe('wrong');
    expect(await signInWithPassword(conn.db, 'alice', 'wrong-guess', T0 + 10)).toEqual({ kind: 'locked', until: T0 + 10 + LOCK_MS });
    expect((await signInWithPassword(conn.db, 'alice', 'sunny-day-42', T0 + 60_000)).kind).toBe('locked');
    // Bob is not affected.
    await setPortalPassword(conn.db, { customerId: bob, password: 'bob-portal-9', now: T0 });
    expect((await signInWithPassword(conn.db, 'bob', 'bob-portal-9', T0 + 60_000)).kind).toBe('signed-in');
    expect((await signInWithPassword(conn.db, 'alice', 'sunny-day-42', T0 + 10 + LOCK_MS)).kind).toBe('signed-in');
  });

  it('ends sessions at their expiry, at sign-out, and (but the current one) when the password changes', async () => {
    await setPortalPassword(conn.db, { customerId: alice, password: 'sunny-day-42', now: T0 });
    const first = await signInWithPassword(conn.db, 'alice', 'sunny-day-42', T0);
    const second = await signInWithPassword(conn.db, 'alice', 'sunny-day-42', T0);
    if (first.kind !== 'signed-in' || second.kind !== 'signed-in') throw new Error('not signed in');
    expect(sessionFor(conn.db, first.token, T0 + SESSION_TTL_MS - 1)).toBeDefined();
    expect(sessionFor(conn.db, first.token, T0 + SESSION_TTL_MS)).toBeUndefined();
    const keep = sessionFor(conn.db, second.token, T0)!;
    await setPortalPassword(conn.db, { customerId: alice, password: 'rainy-day-43', now: T0, keepSessionId: keep.id });
    expect(sessionFor(conn.db, first.token, T0)).toBeUndefined();
    expect(sessionFor(conn.db, second.token, T0)).toBeDefined();
    signOut(conn.db, second.token);
    expect(sessionFor(conn.db, second.token, T0)).toBeUndefined();
    expect(sessionFor(conn.db, 'x'.repeat(200), T0)).toBeUndefined();
  });
});
