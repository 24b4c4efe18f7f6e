import { isIP } from 'node:net';
import { asc, eq } from 'drizzle-orm';
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

export function addNas(db: Db, box: SecretBox, input: NasInput): NasSummary {
  const name = input.name.trim();
  const ip = normaliseAddress(input.ip.trim());
  if (name.length < 1 || name.length > 64) throw new LangoError('INPUT_BAD_NAME');
  if (isIP(ip) === 0) throw new LangoError('INPUT_BAD_IP', { value: input.ip });
  if (input.secret.length < 6 || input.secret.length > 128) throw new LangoError('INPUT_BAD_SECRET');
  const policy = input.requireMessageAuthenticator ?? 'auto';
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
