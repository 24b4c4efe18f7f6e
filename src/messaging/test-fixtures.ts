import { LangoError } from '../errors.js';
import { addCustomer, addPlan, type CustomerInput, type CustomerSummary } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { setSetting } from '../settings/index.js';

// For messaging tests: a migrated in-memory database with an operator name and two plans.

export const zone = 'Africa/Nairobi';
const box = createSecretBox(Buffer.alloc(32, 5));

export function openTestDatabase(): Connection {
  const conn = openDatabase(':memory:');
  setSetting(conn.db, 'operator.name', 'Skyline Net', 'test');
  addPlan(conn.db, { name: 'Home 5M', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  addPlan(conn.db, { name: 'Office', priceMinor: 300000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '20M/20M' });
  return conn;
}

export function addTestCustomer(conn: Connection, input: Partial<CustomerInput> & { username: string }): CustomerSummary {
  return addCustomer(conn.db, box, { password: 'pw', planName: 'Home 5M', ...input }, zone);
}

/** The LangoError `fn` throws (any other error, or none, fails the test). */
export function refusal(fn: () => unknown): LangoError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LangoError) return err;
    throw err;
  }
  throw new Error('expected a LangoError');
}
