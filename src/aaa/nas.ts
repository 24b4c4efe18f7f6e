import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { and, asc, eq, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { nas, type MessageAuthenticatorPolicy } from '../db/schema/aaa.js';
import { changeCounters } from '../db/schema/change-counters.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';
import type { RadiusClient } from '../radius/server.js';

export const messageAuthenticatorPolicies: readonly MessageAuthenticatorPolicy[] = ['yes', 'no', 'auto'];

export interface NasInput {
  name: string;
  ip: string;
  secret: string;
  requireMessageAuthenticator?: MessageAuthenticatorPolicy | undefined;
}

export interface NasSummary {
  id: number;
  name: string;
  ip: string;
  requireMessageAuthenticator: MessageAuthenticatorPolicy;
  /** What `auto` has learned: null until the router first sends a Message-Authenticator. */
  messageAuthenticatorSeenAt: number | null;
  createdAt: number;
}

/** Only sealing is needed to store a secret: whoever adds a router need not be able to read any. */
export type SecretSealer = Pick<SecretBox, 'seal'>;

export function addNas(db: Db, box: SecretSealer, input: NasInput): NasSummary {
  const name = checkName(input.name);
  const ip = normaliseAddress(input.ip.trim());
  if (isIP(ip) === 0) throw new LangoError('INPUT_BAD_IP', { value: input.ip });
  checkSecret(input.secret);
  const policy = checkPolicy(input.requireMessageAuthenticator ?? 'auto');
  const secretSealed = box.seal(input.secret);
  return db.transaction((tx) => {
    if (tx.select({ id: nas.id }).from(nas).where(eq(nas.name, name)).get()) throw new LangoError('INPUT_DUPLICATE_NAS_NAME', { name });
    const sameIp = tx.select({ name: nas.name }).from(nas).where(eq(nas.ip, ip)).get();
    if (sameIp) throw new LangoError('INPUT_DUPLICATE_NAS_IP', { ip, name: sameIp.name });
    const row = tx
      .insert(nas)
      .values({ name, ip, secretSealed, requireMessageAuthenticator: policy, createdAt: Date.now() })
      .returning()
      .get();
    return summarise(row);
  }, { behavior: 'immediate' });
}

export function listNas(db: Db): NasSummary[] {
  return db.select().from(nas).orderBy(asc(nas.name)).all().map(summarise);
}

/** One page of routers by name, optionally those whose name or IP contains `query`. */
export function listNasPage(db: Db, options: { query?: string | undefined; offset: number; limit: number }): NasSummary[] {
  const q = options.query?.trim().toLowerCase();
  return db
    .select()
    .from(nas)
    .where(q ? or(sql`instr(lower(${nas.name}), ${q}) > 0`, sql`instr(${nas.ip}, ${q}) > 0`) : undefined)
    .orderBy(asc(nas.name))
    .limit(options.limit)
    .offset(options.offset)
    .all()
    .map(summarise);
}

export function findNas(db: Db, id: number): NasSummary | undefined {
  const row = db.select().from(nas).where(eq(nas.id, id)).get();
  return row && summarise(row);
}

/** A router by the name `lango nas add` gave it (names are unique). */
export function findNasByName(db: Db, name: string): NasSummary | undefined {
  const row = db.select().from(nas).where(eq(nas.name, name)).get();
  return row && summarise(row);
}

/**
 * Renames a router or changes its Message-Authenticator rule. The routers' change counter
 * moves (a trigger), so the running daemon's directory picks the change up by itself.
 */
export function editNas(db: Db, id: number, changes: { name?: string | undefined; requireMessageAuthenticator?: MessageAuthenticatorPolicy | undefined }): { before: NasSummary; after: NasSummary } | undefined {
  const name = changes.name === undefined ? undefined : checkName(changes.name);
  const policy = changes.requireMessageAuthenticator === undefined ? undefined : checkPolicy(changes.requireMessageAuthenticator);
  return db.transaction((tx) => {
    const before = findNas(tx as Db, id);
    if (!before) return undefined;
    if (name !== undefined && tx.select({ id: nas.id }).from(nas).where(and(eq(nas.name, name), ne(nas.id, id))).get()) {
      throw new LangoError('INPUT_DUPLICATE_NAS_NAME', { name });
    }
    const row = tx
      .update(nas)
      .set({ ...(name !== undefined && { name }), ...(policy !== undefined && { requireMessageAuthenticator: policy }) })
      .where(eq(nas.id, id))
      .returning()
      .get();
    return { before, after: summarise(row) };
  }, { behavior: 'immediate' });
}

/** A new shared secret for a router (undefined: no such router); the daemon uses it from its directory's next refresh, seconds later. */
export function rotateNasSecret(db: Db, box: SecretSealer, id: number, secret: string): NasSummary | undefined {
  checkSecret(secret);
  const row = db.update(nas).set({ secretSealed: box.seal(secret) }).where(eq(nas.id, id)).returning().get();
  return row && summarise(row);
}

// No look-alike characters (0/O, 1/l/I): the secret is typed into the router by hand.
const SECRET_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A strong random shared secret: 24 characters from 56, about 139 bits. */
export function generateNasSecret(length = 24): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
  return out;
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 64) throw new LangoError('INPUT_BAD_NAME');
  return name;
}

function checkSecret(secret: string): void {
  if (secret.length < 6 || secret.length > 128) throw new LangoError('INPUT_BAD_SECRET');
}

function checkPolicy(policy: string): MessageAuthenticatorPolicy {
  if (!(messageAuthenticatorPolicies as readonly string[]).includes(policy)) {
    throw new LangoError('INPUT_BAD_CHOICE', { value: policy, option: 'require-message-authenticator', allowed: messageAuthenticatorPolicies.join(', ') });
  }
  return policy as MessageAuthenticatorPolicy;
}

/** Every router with its secret opened, for the RADIUS server's in-memory directory. */
export function loadRadiusClients(db: Db, box: SecretBox): RadiusClient[] {
  return db
    .select()
    .from(nas)
    .all()
    .map((row) => ({
      id: row.id,
      name: row.name,
      ip: row.ip,
      secret: Buffer.from(box.open(row.secretSealed), 'utf8'),
      requireMessageAuthenticator: row.requireMessageAuthenticator,
      messageAuthenticatorSeen: row.messageAuthenticatorSeenAt !== null,
    }));
}

/** A number that changes whenever any router row changes, from any process (a trigger bumps it). */
export function createRoutersVersion(db: Db): () => number {
  const query = db.select({ version: changeCounters.version }).from(changeCounters).where(eq(changeCounters.name, 'routers')).prepare();
  return () => query.get()?.version ?? -1;
}

export function markMessageAuthenticatorSeen(db: Db, nasId: number, at = Date.now()): void {
  db.update(nas).set({ messageAuthenticatorSeenAt: at }).where(eq(nas.id, nasId)).run();
}

/** Sockets report IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d; the table stores a.b.c.d. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function summarise(row: typeof nas.$inferSelect): NasSummary {
  return {
    id: row.id,
    name: row.name,
    ip: row.ip,
    requireMessageAuthenticator: row.requireMessageAuthenticator,
    messageAuthenticatorSeenAt: row.messageAuthenticatorSeenAt,
    createdAt: row.createdAt,
  };
}
