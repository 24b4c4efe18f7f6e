import { and, asc, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { customers, subscriptions, type CustomerStatus } from '../db/schema/billing.js';
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
export function searchCustomers(db: Db, query: string, limit = 50, filter: Omit<CustomerListFilter, 'limit'> = {}): CustomerSummary[] {
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
    .where(and(...filtersOf(filter), or(...matches)))
    .orderBy(asc(customers.username))
    .limit(Math.max(1, Math.min(limit, 200)))
    .offset(Math.max(0, filter.offset ?? 0))
    .all();
  return ids.map((row) => findCustomerById(db, row.id)).filter((c): c is CustomerSummary => c !== undefined);
}

export interface CustomerListFilter {
  status?: CustomerStatus | undefined;
  planId?: number | undefined;
  offset?: number;
  limit?: number;
}

/** Customers (not vouchers), newest first, optionally of one status or plan: the list staff see before they search. */
export function listCustomersPage(db: Db, filter: CustomerListFilter = {}): CustomerSummary[] {
  const ids = db
    .select({ id: customers.id })
    .from(customers)
    .where(and(...filtersOf(filter)))
    .orderBy(desc(customers.createdAt), desc(customers.id))
    .limit(Math.max(1, Math.min(filter.limit ?? 50, 500)))
    .offset(Math.max(0, filter.offset ?? 0))
    .all();
  return ids.map((row) => findCustomerById(db, row.id)).filter((c): c is CustomerSummary => c !== undefined);
}

/** Customers only (not voucher accounts), of the status and plan asked for. */
function filtersOf(filter: Omit<CustomerListFilter, 'limit'>): SQL[] {
  const where: SQL[] = [eq(customers.kind, 'customer')];
  if (filter.status) where.push(eq(customers.status, filter.status));
  if (filter.planId !== undefined) where.push(sql`${customers.id} IN (SELECT ${subscriptions.customerId} FROM ${subscriptions} WHERE ${subscriptions.planId} = ${filter.planId})`);
  return where;
}
