import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { SECRET_KEY_PREFIX } from '../messaging/outbox.js';
import { checkCode, CODE_TRIES, CODE_TTL_MS, requestCode, RESEND_MS } from './codes.js';
import { LOCK_AFTER } from './lockout.js';
import { sessionFor } from './sessions.js';
import { codeIn, lastSms, portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let alice: number;

beforeEach(() => {
  ({ conn, alice } = portalDb());
});
afterEach(() => conn.close());

const countSms = () => (conn.sqlite.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;

describe('portal sign-in codes', () => {
  it('sends a 6-digit code to the phone on file, in the customer language, under a secret key, kept only hashed', () => {
    const asked = requestCode(conn.db, '0712 345 678', T0);
    expect(asked.outcome).toBe('sent');
    const sms = lastSms(conn)!;
    expect(sms.recipient).toBe('+254712345678');
    expect(sms.language).toBe('ar');
    expect(sms.key.startsWith(SECRET_KEY_PREFIX)).toBe(true);
    const code = codeIn(sms.body);
    expect(JSON.stringify(conn.sqlite.prepare('SELECT * FROM portal_sign_in_codes').all())).not.toContain(code);
    const result = checkCode(conn.db, asked.token, code, T0 + 1000);
    expect(result.kind).toBe('signed-in');
    if (result.kind === 'signed-in') expect(sessionFor(conn.db, result.token, T0 + 2000)?.customerId).toBe(alice);
    // Spent: the same code does not work twice.
    expect(checkCode(conn.db, asked.token, code, T0 + 3000).kind).toBe('expired');
  });

  it('gives an unknown number a code page too, that no code opens, and sends nothing', () => {
    const asked = requestCode(conn.db, '0799 999 999', T0);
    expect(asked.outcome).toBe('no-account');
    expect(asked.token).toMatch(/^[\w-]{43}$/);
    expect(countSms()).toBe(0);
    expect(checkCode(conn.db, asked.token, '123456', T0 + 1000).kind).toBe('wrong');
  });

  it('expires a code after five minutes', () => {
    const asked = requestCode(conn.db, 'alice', T0);
    const code = codeIn(lastSms(conn)!.body);
    expect(checkCode(conn.db, asked.token, code, T0 + CODE_TTL_MS).kind).toBe('expired');
  });

  it('allows five tries of a code; wrong codes count toward the lockout', () => {
    const asked = requestCode(conn.db, 'alice', T0);
    const code = codeIn(lastSms(conn)!.body);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < LOCK_AFTER; i++) expect(checkCode(conn.db, asked.token, wrong, T0 + i).kind).toBe('wrong');
    expect(checkCode(conn.db, asked.token, wrong, T0 + 10).kind).toBe('locked');
    expect(CODE_TRIES).toBe(5);
    // Locked: even a fresh code is not sent.
    expect(requestCode(conn.db, 'alice', T0 + 20).outcome).toBe('locked');
    expect(countSms()).toBe(1);
  });

  it('sends no new SMS within a minute; the new page takes the code already sent', () => {
    const first = requestCode(conn.db, 'alice', T0);
    const code = codeIn(lastSms(conn)!.body);
    const again = requestCode(conn.db, 'alice', T0 + RESEND_MS - 1);
    expect(again.outcome).toBe('too-soon');
    expect(countSms()).toBe(1);
    expect(checkCode(conn.db, again.token, code, T0 + RESEND_MS).kind).toBe('signed-in');
    // The code is spent for every page that held it.
    expect(checkCode(conn.db, first.token, code, T0 + RESEND_MS).kind).toBe('expired');
    expect(requestCode(conn.db, 'alice', T0 + RESEND_MS).outcome).toBe('sent');
    expect(countSms()).toBe(2);
  });
});
