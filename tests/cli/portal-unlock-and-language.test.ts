import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { countWrongTry, LOCK_AFTER, lockedUntil } from '../../src/portal/lockout.js';
import { lango, langoJson, langoOk } from '../support/peers.js';

// Support at the terminal: a customer locked out of the self-service portal calls, and a member
// of staff's page language is set for them. Each test on a fresh database.

let env: { env: Record<string, string> };
let dbFile: string;

interface Audit { actor: string; action: string; subject: string; detail: Record<string, unknown> }

beforeEach(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lango-cli-unlock-'));
  dbFile = path.join(dir, 'lango.db');
  env = { env: { ...(process.env as Record<string, string>), LANGO_DB: dbFile, LANGO_KEY_FILE: path.join(dir, 'secret.key') } };
});

/** Five wrong portal passwords in a row, as the portal counts them. */
function lockPortal(username: string): void {
  const conn = openDatabase(dbFile);
  try {
    const { id } = conn.sqlite.prepare('SELECT id FROM customers WHERE username = ?').get(username) as { id: number };
    for (let i = 0; i < LOCK_AFTER; i++) countWrongTry(conn.db, id, Date.now());
  } finally {
    conn.close();
  }
}

function isPortalLocked(username: string): boolean {
  const conn = openDatabase(dbFile);
  try {
    const { id } = conn.sqlite.prepare('SELECT id FROM customers WHERE username = ?').get(username) as { id: number };
    return lockedUntil(conn.db, id, Date.now()) !== undefined;
  } finally {
    conn.close();
  }
}

describe('lango customer unlock-portal', () => {
  it("lifts a customer's portal lock at once, says so, and keeps it in the audit log", () => {
    langoOk(env, 'customer', 'add', '--username', 'alice', '--password', 'net-pass-1');
    lockPortal('alice');
    expect(isPortalLocked('alice')).toBe(true);

    const printed = langoOk(env, 'customer', 'unlock-portal', '--username', 'alice');
    expect(printed).toMatch(/^alice may sign in to the portal again \(the lock would have lasted until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)\.$/m);
    expect(isPortalLocked('alice')).toBe(false);

    const audit = langoJson<Audit[]>(env, 'audit').filter((a) => a.action === 'customer.portal-unlock');
    expect(audit).toEqual([expect.objectContaining({ subject: expect.stringMatching(/^customer:\d+$/), detail: expect.objectContaining({ username: 'alice' }) })]);
    expect(audit[0]!.actor).toMatch(/^cli:/);
  });

  it('answers in JSON whether there was a lock', () => {
    langoOk(env, 'customer', 'add', '--username', 'bob', '--password', 'net-pass-2');
    expect(langoJson(env, 'customer', 'unlock-portal', '--username', 'bob')).toEqual({ username: 'bob', wasLocked: false, wasLockedUntil: null });
    lockPortal('bob');
    expect(langoJson(env, 'customer', 'unlock-portal', '--username', 'bob')).toMatchObject({ username: 'bob', wasLocked: true, wasLockedUntil: expect.any(Number) });
  });

  it('refuses an unknown customer, exit 1, naming the list to look in', () => {
    const run = lango(env, 'customer', 'unlock-portal', '--username', 'nobody');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no customer called "nobody".*lango customer list/);
  });
});

describe('lango staff set-language', () => {
  it("stores a member of staff's page language and shows it in the staff list", () => {
    langoOk(env, 'staff', 'add', '--username', 'amina', '--role', 'support', '--password', 'amina-password-1');
    expect(langoJson<Array<{ username: string; language: string | null }>>(env, 'staff', 'list').find((s) => s.username === 'amina')?.language).toBeNull();
    expect(langoOk(env, 'staff', 'set-language', '--username', 'amina', '--language', 'ar')).toMatch(/amina sees the staff pages in Arabic/);
    expect(langoJson<Array<{ username: string; language: string | null }>>(env, 'staff', 'list').find((s) => s.username === 'amina')?.language).toBe('ar');
    expect(langoJson<Audit[]>(env, 'audit').some((a) => a.action === 'staff.language' && a.detail.username === 'amina')).toBe(true);
  });

  it('refuses a language Lango does not speak', () => {
    langoOk(env, 'staff', 'add', '--username', 'amina', '--role', 'support', '--password', 'amina-password-1');
    const run = lango(env, 'staff', 'set-language', '--username', 'amina', '--language', 'fr');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Use one of: en, ar/);
  });
});
