import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { addStaff } from './accounts.js';
import { auditTrail } from './audit.js';
import { setStaffLanguage } from './language.js';
import { findStaffAccount } from './manage.js';
import { createSession, sessionFor } from './sessions.js';

let conn: Connection;
const T0 = Date.UTC(2026, 2, 1, 8, 0);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-staff-language-')), 'lango.db'));
});
afterEach(() => conn.close());

describe("a member of staff's language", () => {
  it('is not chosen until they choose it, then every session of theirs carries it', async () => {
    const { staff } = await addStaff(conn.db, { username: 'amina', role: 'support', password: 'amina-password-1', now: T0 });
    const before = createSession(conn.db, staff.id, T0);
    expect(sessionFor(conn.db, before.token, T0)?.language).toBeNull();
    expect(setStaffLanguage(conn.db, { staffId: staff.id, language: 'ar', now: T0 })).toBe(true);
    // A session opened earlier (another browser) sees it too: it is read from the account.
    expect(sessionFor(conn.db, before.token, T0)?.language).toBe('ar');
    const later = createSession(conn.db, staff.id, T0 + 1000);
    expect(sessionFor(conn.db, later.token, T0 + 1000)?.language).toBe('ar');
    expect(findStaffAccount(conn.db, staff.id)?.language).toBe('ar');
  });

  it('audits a change made for someone else, not a person switching their own pages', async () => {
    const { staff } = await addStaff(conn.db, { username: 'amina', role: 'support', password: 'amina-password-1', now: T0 });
    setStaffLanguage(conn.db, { staffId: staff.id, language: 'ar', now: T0 });
    setStaffLanguage(conn.db, { staffId: staff.id, language: 'en', now: T0, actor: 'cli:root' });
    // The same language again changes nothing and records nothing.
    setStaffLanguage(conn.db, { staffId: staff.id, language: 'en', now: T0, actor: 'cli:root' });
    const entries = auditTrail(conn.db, `staff:${staff.id}`).filter((a) => a.action === 'staff.language');
    expect(entries).toEqual([expect.objectContaining({ actor: 'cli:root', detail: { username: 'amina', before: { language: 'ar' }, after: { language: 'en' } } })]);
  });

  it('answers false for an account that does not exist', () => {
    expect(setStaffLanguage(conn.db, { staffId: 999, language: 'ar', now: T0 })).toBe(false);
  });
});
