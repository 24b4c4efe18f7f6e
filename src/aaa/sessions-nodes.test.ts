import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomer, addPlan } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import { addNas } from './nas.js';
import { createSessionWriter, type AccountingRecord } from './sessions.js';
import { accountingRecord } from './test-fixtures.js';

// Accounting and logins spread over two daemons on one database: a router retransmits to the
// other node, a customer's second device reaches the other node.

const box = createSecretBox(Buffer.alloc(32, 6));
const MB = 1_000_000;
let nodes: TwoNodes;
let nasId: number;
let owner: { customerId: number; periodStart: number };

beforeEach(() => {
  nodes = openTwoNodes();
  nasId = addNas(nodes.a.db, box, { name: 'R1', ip: '10.0.0.1', secret: 'testing123' }).id;
  addPlan(nodes.a.db, { name: 'Home', priceMinor: 1, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  const customer = addCustomer(nodes.a.db, box, { username: 'twice', password: 'pw', planName: 'Home' });
  owner = { customerId: customer.id, periodStart: customer.activatedAt! };
});
afterEach(() => nodes.close());

const packet = (overrides: Partial<AccountingRecord>): AccountingRecord =>
  accountingRecord({ nasId, acctSessionId: 's1', username: 'twice', eventTime: owner.periodStart + 60_000, ...overrides });

describe('session writers on two nodes', () => {
  it('counts an Interim-Update retransmitted to the other node once', () => {
    const onA = createSessionWriter(nodes.a, { shared: true });
    const onB = createSessionWriter(nodes.b, { shared: true });
    onB.record(packet({}), owner);
    onA.record(packet({}), owner);
    const interim = packet({ eventTime: owner.periodStart + 360_000, sessionTime: 300, inputOctets: 5 * MB, outputOctets: 70 * MB });
    onA.record(interim, owner);

    expect(onB.record(interim, owner)).toBeNull();
    expect(onB.usageNow(owner.customerId, owner.periodStart, 0)).toMatchObject({ input: 5 * MB, output: 70 * MB, seconds: 300 });

    // The next Interim reaches node B: what it adds, and the period's totals quota and FUP go by.
    const next = onB.record(packet({ eventTime: owner.periodStart + 660_000, sessionTime: 600, inputOctets: 8 * MB, outputOctets: 90 * MB }), owner);
    expect(next).toMatchObject({ added: { input: 3 * MB, output: 20 * MB, seconds: 300 }, totals: { input: 8 * MB, output: 90 * MB, seconds: 600 } });
  });

  it('counts on node B a session the customer opened through node A', () => {
    const onA = createSessionWriter(nodes.a, { shared: true });
    const onB = createSessionWriter(nodes.b, { shared: true });
    expect(onB.usageNow(owner.customerId, owner.periodStart, 0).openSessions).toBe(0);

    onA.record(packet({ acctSessionId: 'phone' }), owner);

    expect(onB.usageNow(owner.customerId, owner.periodStart, 0, 2).openSessions).toBe(1);
  });
});
