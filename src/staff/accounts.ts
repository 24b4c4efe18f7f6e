import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { count } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { staff } from '../db/schema/staff.js';

/**
 * On the very first start there is nobody to log in as, so Lango makes `admin` with a random
 * password and hands it back once, to be printed; it must be changed at first login.
 * Returns null when any staff account exists already.
 */
export async function ensureFirstAdmin(db: Db): Promise<string | null> {
  if ((db.select({ n: count() }).from(staff).get()?.n ?? 0) > 0) return null;
  // 15 random bytes -> 20 base64url characters: strong, and easy to copy from a terminal.
  const password = randomBytes(15).toString('base64url');
  const passwordHash = await argon2.hash(password, { type: argon2.argon2id });
  const created = db
    .insert(staff)
    .values({ username: 'admin', passwordHash, role: 'admin', mustChangePassword: true, createdAt: Date.now() })
    .onConflictDoNothing()
    .run();
  return created.changes === 1 ? password : null;
}
