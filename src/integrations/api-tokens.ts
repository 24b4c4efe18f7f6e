import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { apiTokens } from '../db/schema/integrations.js';
import { hashToken } from '../crypto/tokens.js';
import { LangoError } from '../errors.js';
import { recordAudit } from '../staff/audit.js';
import { isRole, roles, type StaffRole } from '../staff/permissions.js';

// Keys other systems use for /api/v1. A token is shown once, at creation; the table keeps only
// its SHA-256, so a copied database opens nothing.

export type ApiTokenRow = typeof apiTokens.$inferSelect;
/** What lists show: never the hash. */
export type ApiTokenSummary = Omit<ApiTokenRow, 'tokenHash'>;
export type ApiTokenState = 'active' | 'expired' | 'revoked';

export const TOKEN_PREFIX = 'lango_';
/** last_used_at is written at most this often per token, so a busy integration costs no write per call. */
export const LAST_USED_EVERY_MS = 60_000;
export const MAX_EXPIRY_DAYS = 3650;

export function tokenState(token: Pick<ApiTokenRow, 'revokedAt' | 'expiresAt'>, now: number): ApiTokenState {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  return 'active';
}

const summary = ({ tokenHash: _hash, ...rest }: ApiTokenRow): ApiTokenSummary => rest;

export interface NewApiToken {
  name: string;
  role: string;
  /** Days until the token is refused; undefined = never. */
  expiresDays?: number;
  actor: string;
  now: number;
}

/** Creates a token and answers it in the clear, this once; audited in the same transaction. */
export function createApiToken(db: Db, input: NewApiToken): { token: string; summary: ApiTokenSummary } {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 64) throw new LangoError('INPUT_BAD_NAME');
  if (!isRole(input.role)) throw new LangoError('STAFF_BAD_ROLE', { value: input.role, allowed: roles.join(', ') });
  const days = input.expiresDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)) {
    throw new LangoError('INPUT_BAD_COUNT', { value: String(days), option: 'expires-days', min: 1, max: MAX_EXPIRY_DAYS });
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const role: StaffRole = input.role;
  return db.transaction((tx) => {
    const d = tx as Db;
    const row = d
      .insert(apiTokens)
      .values({ name, role, tokenHash: hashToken(token), hint: token.slice(-4), createdAt: input.now, createdBy: input.actor, expiresAt: days === undefined ? null : input.now + days * 86_400_000 })
      .returning()
      .get();
    recordAudit(d, input.actor, 'api-token.create', `api-token:${row.id}`, { name, role, expiresAt: row.expiresAt }, input.now);
    return { token, summary: summary(row) };
  });
}

export function listApiTokens(db: Db): ApiTokenSummary[] {
  return db.select().from(apiTokens).orderBy(desc(apiTokens.id)).all().map(summary);
}

export function findApiToken(db: Db, id: number): ApiTokenSummary | undefined {
  const row = db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
  return row && summary(row);
}

/**
 * The active token a caller presented, or undefined. The lookup is by the SHA-256 of what was
 * sent, through the unique index: the database compares digests, never the secret itself, so
 * timing tells an attacker nothing about the token (a near-miss digest says nothing about a
 * near-miss token).
 */
export function authenticateApiToken(db: Db, presented: string, now: number): ApiTokenSummary | undefined {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 200) return undefined;
  const row = db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hashToken(presented))).get();
  if (!row || tokenState(row, now) !== 'active') return undefined;
  touchApiToken(db, row, now);
  return summary(row);
}

/** Records use at most once a minute per token; the condition makes concurrent callers write once. */
function touchApiToken(db: Db, row: ApiTokenRow, now: number): void {
  if (row.lastUsedAt !== null && now - row.lastUsedAt < LAST_USED_EVERY_MS) return;
  db.update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.id, row.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, now - LAST_USED_EVERY_MS + 1))))
    .run();
  row.lastUsedAt = now;
}

/** Revokes a token now; revoking a revoked token changes nothing and is not audited again. */
export function revokeApiToken(db: Db, input: { id: number; actor: string; now: number }): ApiTokenSummary {
  return db.transaction((tx) => {
    const d = tx as Db;
    const row = d.select().from(apiTokens).where(eq(apiTokens.id, input.id)).get();
    if (!row) throw new LangoError('INPUT_BAD_CHOICE', { value: String(input.id), option: 'id', allowed: 'an id from lango api-token list' });
    if (row.revokedAt !== null) return summary(row);
    const revoked = d.update(apiTokens).set({ revokedAt: input.now, revokedBy: input.actor }).where(eq(apiTokens.id, input.id)).returning().get();
    recordAudit(d, input.actor, 'api-token.revoke', `api-token:${row.id}`, { name: row.name }, input.now);
    return summary(revoked);
  });
}
