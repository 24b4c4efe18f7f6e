import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../db/connection.js';
import { apiTokens } from '../db/schema/integrations.js';
import { auditTrail } from '../staff/audit.js';
import { authenticateApiToken, createApiToken, listApiTokens, revokeApiToken, tokenState } from './api-tokens.js';

let conn: Connection;
const T0 = Date.UTC(2026, 2, 1, 8, 0);

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-api-tokens-')), 'lango.db'));
});
afterEach(() => conn.close());

const create = (role = 'billing_manager', expiresDays?: number) => createApiToken(conn.db, { name: 'Accounts', role, expiresDays, actor: 'cli:root', now: T0 });

describe('API tokens', () => {
  it('shows the token once and keeps only its SHA-256 and last four characters', () => {
    const { token, summary } = create();
    expect(token).toMatch(/^lango_[A-Za-z0-9_-]{43}$/);
    const row = conn.db.select().from(apiTokens).get()!;
    expect(row.tokenHash).not.toContain(token.slice(6));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(summary).toMatchObject({ name: 'Accounts', role: 'billing_manager', hint: token.slice(-4), createdBy: 'cli:root' });
    expect(JSON.stringify(listApiTokens(conn.db))).not.toContain(row.tokenHash);
    expect(auditTrail(conn.db, `api-token:${summary.id}`)[0]).toMatchObject({ action: 'api-token.create', actor: 'cli:root' });
  });

  it('lets the right token in and nothing else: a wrong, truncated or foreign token is refused', () => {
    const { token } = create();
    expect(authenticateApiToken(conn.db, token, T0)?.role).toBe('billing_manager');
    expect(authenticateApiToken(conn.db, token.slice(0, -1), T0)).toBeUndefined();
    expect(authenticateApiToken(conn.db, `${token}x`, T0)).toBeUndefined();
    expect(authenticateApiToken(conn.db, token.slice(6), T0)).toBeUndefined();
    expect(authenticateApiToken(conn.db, '', T0)).toBeUndefined();
  });

  it('refuses a token after its expiry and after it is revoked', () => {
    const expiring = create('support', 2);
    expect(authenticateApiToken(conn.db, expiring.token, T0 + 86_400_000)).toBeDefined();
    expect(authenticateApiToken(conn.db, expiring.token, T0 + 2 * 86_400_000)).toBeUndefined();
    expect(tokenState(expiring.summary, T0 + 2 * 86_400_000)).toBe('expired');
    const { token, summary } = create();
    const revoked = revokeApiToken(conn.db, { id: summary.id, actor: 'staff:amina', now: T0 + 5 });
    expect(revoked).toMatchObject({ revokedAt: T0 + 5, revokedBy: 'staff:amina' });
    expect(authenticateApiToken(conn.db, token, T0 + 10)).toBeUndefined();
    revokeApiToken(conn.db, { id: summary.id, actor: 'staff:amina', now: T0 + 50 });
    expect(auditTrail(conn.db, `api-token:${summary.id}`).filter((e) => e.action === 'api-token.revoke')).toHaveLength(1);
  });

  it('records when a token was last used at most once a minute, not on every call', () => {
    const { token, summary } = create();
    const lastUsed = () => listApiTokens(conn.db).find((t) => t.id === summary.id)!.lastUsedAt;
    authenticateApiToken(conn.db, token, T0);
    expect(lastUsed()).toBe(T0);
    authenticateApiToken(conn.db, token, T0 + 30_000);
    authenticateApiToken(conn.db, token, T0 + 59_999);
    expect(lastUsed()).toBe(T0);
    authenticateApiToken(conn.db, token, T0 + 60_000);
    expect(lastUsed()).toBe(T0 + 60_000);
  });

  it('refuses an unknown role, an empty name and a nonsense expiry', () => {
    expect(() => create('owner')).toThrow(/not a staff role/);
    expect(() => createApiToken(conn.db, { name: ' ', role: 'admin', actor: 'cli:root', now: T0 })).toThrow();
    expect(() => create('admin', 0)).toThrow();
    expect(() => revokeApiToken(conn.db, { id: 999, actor: 'cli:root', now: T0 })).toThrow();
    expect(listApiTokens(conn.db)).toHaveLength(0);
  });
});
