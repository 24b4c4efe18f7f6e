import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addCustomer } from '../billing/customers.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';

// For the portal's unit tests: a fresh database with two customers, and the SMS codes queued.

export const box = createSecretBox(Buffer.alloc(32, 7));
export const T0 = Date.UTC(2026, 2, 1, 8, 0, 5);

export function portalDb(): { conn: Connection; alice: number; bob: number } {
  const conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-portal-')), 'lango.db'));
  const alice = addCustomer(conn.db, box, { username: 'alice', password: 'net-pass-1', phone: '+254712345678', fullName: 'Alice', language: 'ar' }).id;
  const bob = addCustomer(conn.db, box, { username: 'bob', password: 'net-pass-2', phone: '0722000111' }).id;
  return { conn, alice, bob };
}

/** The last SMS queued: the code is in its body (outbox readers mask it; the table has it). */
export function lastSms(conn: Connection): { recipient: string; body: string; key: string; language: string } | undefined {
  return conn.sqlite.prepare('SELECT recipient, body, key, language FROM messages ORDER BY id DESC LIMIT 1').get() as never;
}

export const codeIn = (body: string) => /\d{6}/.exec(body)![0];
