import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { nas, sessions } from '../db/schema/aaa.js';
import { customers } from '../db/schema/billing.js';
import { routerUserBuckets } from '../db/schema/network.js';

// A customer's traffic as the routers counted it (router_user_buckets), for a personal-data
// export and for erasure. The buckets are keyed by the names the routers know the customer by:
// the account's username and any other name its sessions carried.

function usernamesOf(db: Db, customerId: number): string[] {
  const account = db.select({ username: customers.username }).from(customers).where(eq(customers.id, customerId)).get();
  const seen = db.selectDistinct({ username: sessions.username }).from(sessions).where(eq(sessions.customerId, customerId)).all();
  return [...new Set([...(account ? [account.username] : []), ...seen.map((s) => s.username)])];
}

export function routerTrafficRecordsOf(db: Db, customerId: number) {
  const names = usernamesOf(db, customerId);
  if (names.length === 0) return [];
  const u = routerUserBuckets;
  return db
    .select({ bucket: u.bucket, router: nas.name, username: u.username, upBytes: u.upBytes, downBytes: u.downBytes, upMaxBps: u.upMaxBps, downMaxBps: u.downMaxBps })
    .from(u)
    .leftJoin(nas, eq(nas.id, u.nasId))
    .where(inArray(u.username, names))
    .orderBy(asc(u.bucket), asc(u.username))
    .all();
}

/**
 * Deletes the customer's 5-minute traffic buckets: unlike daily totals, they show when the
 * person was online and how much, minute by minute. Run inside the caller's transaction.
 */
export function eraseRouterTrafficPersonalData(db: Db, customerId: number): number {
  const names = usernamesOf(db, customerId);
  if (names.length === 0) return 0;
  return db.delete(routerUserBuckets).where(inArray(routerUserBuckets.username, names)).run().changes;
}
