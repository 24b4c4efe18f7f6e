import { and, asc, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { getSetting } from '../settings/index.js';
import { findCustomerById, type CustomerSummary } from './customers.js';
import { normaliseMac } from './mac.js';
import { normalisePhone } from './phone.js';

/** LIKE's own characters, taken literally (with ESCAPE '\'). */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * What staff type in the customer search box: part of a username (which is also the account
 * number a payer types) or of a full name, any case; a phone number in any local form (0712…,
 * 254712…, +254 712…), or its last digits; a device MAC in any notation. Customers only, not
 * voucher accounts; at most `limit`, by username.
 */
export function searchCustomers(db: Db, query: string, limit = 50): CustomerSummary[] {
  const q = query.trim().slice(0, 100);
  if (q === '') return [];
  const matches: SQL[] = [
    sql`lower(${customers.username}) LIKE lower(${likeText(q)}) ESCAPE '\\'`,
    sql`lower(coalesce(${customers.fullName}, '')) LIKE lower(${likeText(q)}) ESCAPE '\\'`,
  ];
  const phone = normalisePhone(q, getSetting(db, 'operator.country'));
  if (phone) matches.push(eq(customers.phone, phone));
  const digits = q.replace(/[\s\-().+]/g, '');
  // A number's tail (the last 4 or more digits), as a customer reads it out over the phone.
  if (/^\d{4,15}$/.test(digits)) matches.push(sql`${customers.phone} LIKE ${`%${digits.replace(/^0/, '')}`}`);
  const mac = normaliseMac(q);
  if (mac) matches.push(eq(customers.mac, mac));
  const ids = db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.kind, 'customer'), or(...matches)))
    .orderBy(asc(customers.username))
    .limit(Math.max(1, Math.min(limit, 200)))
    .all();
  return ids.map((row) => findCustomerById(db, row.id)).filter((c): c is CustomerSummary => c !== undefined);
}
