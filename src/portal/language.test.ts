import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { requestCode } from './codes.js';
import { setPortalLanguage } from './language.js';
import { lastSms, portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let bob: number;

beforeEach(() => {
  ({ conn, bob } = portalDb());
});
afterEach(() => conn.close());

const languageOf = (id: number) => conn.sqlite.prepare('SELECT language FROM customers WHERE id = ?').pluck().get(id);

describe('a customer’s language', () => {
  it('is kept on the account when chosen in the portal, and the next SMS is in it', () => {
    expect(languageOf(bob)).toBe('en');
    expect(setPortalLanguage(conn.db, { customerId: bob, language: 'ar', now: T0 })).toBe(true);
    expect(languageOf(bob)).toBe('ar');
    requestCode(conn.db, '0722000111', T0 + 1);
    const sms = lastSms(conn)!;
    expect(sms.language).toBe('ar');
    expect(sms.body).toMatch(/[\u0600-\u06FF]/);
  });

  it('writes nothing when the language is already the account’s', () => {
    const changes = () => conn.sqlite.prepare('SELECT COUNT(*) FROM subscriber_changes').pluck().get();
    const before = changes();
    expect(setPortalLanguage(conn.db, { customerId: bob, language: 'en', now: T0 })).toBe(false);
    expect(changes()).toBe(before);
  });
});
