import { eq, like } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { secrets } from '../db/schema/payments.js';

// Provider credentials and callback tokens: sealed with the key file (kept outside the
// database), opened only by the code that sends them to the provider, never logged or shown.

export function setSecret(db: Db, box: SecretBox, name: string, value: string, actor: string, now = Date.now()): void {
  const sealed = box.seal(value);
  db.insert(secrets).values({ name, sealed, updatedAt: now, actor }).onConflictDoUpdate({ target: secrets.name, set: { sealed, updatedAt: now, actor } }).run();
}

export function getSecret(db: Db, box: SecretBox, name: string): string | undefined {
  const row = db.select({ sealed: secrets.sealed }).from(secrets).where(eq(secrets.name, name)).get();
  return row ? box.open(row.sealed) : undefined;
}

export function deleteSecret(db: Db, name: string): boolean {
  return db.delete(secrets).where(eq(secrets.name, name)).run().changes > 0;
}

/** Names (never values) under a prefix, with when and by whom each was set: for "is it configured?" screens. */
export function listSecrets(db: Db, prefix: string): Array<{ name: string; updatedAt: number; actor: string }> {
  return db.select({ name: secrets.name, updatedAt: secrets.updatedAt, actor: secrets.actor }).from(secrets).where(like(secrets.name, `${prefix}%`)).all();
}
