import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { eraseCustomer } from '../privacy/erase.js';
import { exportCustomerData } from '../privacy/export.js';
import { setCustomerStatus } from '../billing/customers.js';
import { person, privacyDb, T0 } from '../privacy/test-fixtures.js';
import { recordPollBuckets, userTraffic } from './traffic.js';

let conn: Connection;
let nasId: number;

beforeEach(async () => {
  conn = (await privacyDb()).conn;
  nasId = (conn.sqlite.prepare('SELECT id FROM nas LIMIT 1').get() as { id: number }).id;
  const user = (username: string) => ({ username, upBytes: 10, downBytes: 100, upBps: 8, downBps: 80 });
  recordPollBuckets(conn.db, nasId, { at: T0, interfaces: [], users: [user(person.username), user('otieno')] });
});
afterEach(() => conn.close());

describe('the routers’ counts of a customer’s traffic', () => {
  it('are in the customer’s data export', () => {
    expect(exportCustomerData(conn.db, person.username)!.routerTraffic).toEqual([expect.objectContaining({ username: person.username, upBytes: 10, downBytes: 100 })]);
  });

  it('go with the customer’s erasure, and the neighbour’s stay', () => {
    setCustomerStatus(conn.db, person.username, 'terminated');
    expect(eraseCustomer(conn.db, { username: person.username, actor: 'cli:test', force: true })).toMatchObject({ kind: 'erased' });
    expect(userTraffic(conn.db, person.username, { from: 0, to: T0 + 1 })).toEqual([]);
    expect(userTraffic(conn.db, 'otieno', { from: 0, to: T0 + 1 })).toHaveLength(1);
  });
});
