import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { operatorZone, setSetting } from './index.js';

let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-settings-')), 'lango.db'));
});
afterEach(() => conn.close());

describe('the operator’s time zone', () => {
  it('is the configured one until staff choose another, which then wins', () => {
    expect(operatorZone(conn.db, 'Africa/Nairobi')).toBe('Africa/Nairobi');
    setSetting(conn.db, 'operator.timezone', 'Africa/Juba', 'staff:amina');
    expect(operatorZone(conn.db, 'Africa/Nairobi')).toBe('Africa/Juba');
    setSetting(conn.db, 'operator.timezone', null, 'staff:amina');
    expect(operatorZone(conn.db, 'Africa/Nairobi')).toBe('Africa/Nairobi');
  });

  it('refuses a name that is not a time zone, and keeps the one in use', () => {
    setSetting(conn.db, 'operator.timezone', 'Africa/Kampala', 'staff:amina');
    expect(() => setSetting(conn.db, 'operator.timezone', 'East Africa', 'staff:amina')).toThrow(/IANA time zone/);
    expect(operatorZone(conn.db, 'Africa/Nairobi')).toBe('Africa/Kampala');
  });
});
