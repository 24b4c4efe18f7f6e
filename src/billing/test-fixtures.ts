import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { addCustomer, type CustomerSummary } from './customers.js';

/**
 * For tests: a customer who joined on a plan at `when`. addCustomer takes the time from the
 * clock, as an operator's action should; billing tests need customers who joined in the past.
 */
export function addCustomerAt(db: Db, box: SecretBox, username: string, planName: string, when: number, zone: string): CustomerSummary {
  const realNow = Date.now;
  Date.now = () => when;
  try {
    return addCustomer(db, box, { username, password: 'pw', planName }, zone);
  } finally {
    Date.now = realNow;
  }
}
