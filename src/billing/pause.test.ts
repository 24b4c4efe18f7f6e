import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { setSetting } from '../settings/index.js';
import { listInvoices } from './invoices.js';
import { adjustWallet } from './payments.js';
import { pauseRefusal, pauseSubscription, resumeSubscription } from './pause.js';
import { addPlan } from './plans.js';
import { runBilling } from './run.js';
import { subscriptionOf } from './subscriptions.js';
import { addCustomerAt } from './test-fixtures.js';
import { timelineOf } from './timeline.js';

const box = createSecretBox(Buffer.alloc(32, 3));
const zone = 'Africa/Nairobi';
const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
const DAY = 86_400_000;
const noPause = () => Promise.resolve();
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-pause-')), 'lango.db'));
  addPlan(conn.db, { name: 'Monthly prepaid', priceMinor: 150000, currency: 'KES', validityMonths: 1, rateLimit: '5M/5M' });
  addPlan(conn.db, { name: 'Home postpaid', priceMinor: 250000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly', rateLimit: '10M/10M' });
});

afterEach(() => conn.close());

const allowPauses = (maxDays = 30, perYear = 2) => {
  setSetting(conn.db, 'portal.pauseMaxDays', maxDays, 'cli:test');
  setSetting(conn.db, 'portal.pausesPerYear', perYear, 'cli:test');
};

describe('pausing a line', () => {
  it('is refused while the operator allows no pauses, which is the default', () => {
    const c = addCustomerAt(conn.db, box, 'maina', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    const result = pauseSubscription(conn.db, { customerId: c.id, at: at('2026-03-10T08:00'), zone, actor: 'customer:maina' });
    expect(result).toEqual({ kind: 'refused', reason: 'not-allowed' });
    expect(subscriptionOf(conn.db, c.id)!.status).toBe('active');
  });

  it('pauses, and resuming moves the period end on by exactly the time paused', () => {
    allowPauses();
    const c = addCustomerAt(conn.db, box, 'akinyi', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    const endBefore = subscriptionOf(conn.db, c.id)!.periodEnd!;
    const paused = pauseSubscription(conn.db, { customerId: c.id, at: at('2026-03-10T08:00'), zone, actor: 'customer:akinyi' });
    expect(paused.kind).toBe('paused');
    expect(subscriptionOf(conn.db, c.id)).toMatchObject({ status: 'paused', pausedAt: at('2026-03-10T08:00'), periodEnd: endBefore });
    const resumed = resumeSubscription(conn.db, { customerId: c.id, at: at('2026-03-16T20:00'), actor: 'customer:akinyi' });
    expect(resumed).toMatchObject({ kind: 'resumed', pausedMs: 6.5 * DAY });
    expect(subscriptionOf(conn.db, c.id)).toMatchObject({ status: 'active', pausedAt: null, periodEnd: endBefore + 6.5 * DAY });
    const events = timelineOf(conn.db, c.id).filter((e) => e.kind === 'status_changed');
    expect(events.map((e) => [e.detail.from, e.detail.to, e.actor])).toEqual([
      ['active', 'paused', 'customer:akinyi'],
      ['paused', 'active', 'customer:akinyi'],
    ]);
  });

  it('allows only as many pauses a year as the operator set', () => {
    allowPauses(30, 1);
    const c = addCustomerAt(conn.db, box, 'chebet', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    pauseSubscription(conn.db, { customerId: c.id, at: at('2026-03-05T08:00'), zone, actor: 'customer:chebet' });
    resumeSubscription(conn.db, { customerId: c.id, at: at('2026-03-06T08:00'), actor: 'customer:chebet' });
    expect(pauseRefusal(conn.db, c.id, at('2026-03-07T08:00'), zone)).toBe('used-up');
    allowPauses(30, 2);
    expect(pauseRefusal(conn.db, c.id, at('2026-03-07T08:00'), zone)).toBeNull();
  });

  it('does not pause a postpaid line, a suspended account or a line already paused', () => {
    allowPauses();
    const post = addCustomerAt(conn.db, box, 'otieno', 'Home postpaid', at('2026-03-01T08:00'), zone);
    expect(pauseRefusal(conn.db, post.id, at('2026-03-05T08:00'), zone)).toBe('postpaid');
    const pre = addCustomerAt(conn.db, box, 'wanjiru', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    pauseSubscription(conn.db, { customerId: pre.id, at: at('2026-03-05T08:00'), zone, actor: 'customer:wanjiru' });
    expect(pauseRefusal(conn.db, pre.id, at('2026-03-06T08:00'), zone)).toBe('already-paused');
    expect(resumeSubscription(conn.db, { customerId: post.id, at: at('2026-03-06T08:00'), actor: 'x' })).toEqual({ kind: 'not-paused' });
  });
});

describe('the billing run and paused lines', () => {
  it('neither renews, invoices nor expires a paused line whose period end has passed', async () => {
    allowPauses(60);
    const c = addCustomerAt(conn.db, box, 'njeri', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    adjustWallet(conn.db, { customerId: c.id, amountMinor: 500000, currency: 'KES', reason: 'opening balance', actor: 'cli:test', at: at('2026-03-01T08:00') });
    pauseSubscription(conn.db, { customerId: c.id, at: at('2026-03-20T08:00'), zone, actor: 'customer:njeri' });
    const result = await runBilling(conn.db, { now: at('2026-04-05T08:00'), zone, pause: noPause });
    expect(result).toMatchObject({ renewed: 0, invoiced: 0, expired: 0, resumed: 0 });
    expect(listInvoices(conn.db, { customerId: c.id })).toEqual([]);
    expect(subscriptionOf(conn.db, c.id)).toMatchObject({ status: 'paused', periodEnd: at('2026-04-01T08:00') });
  });

  it('resumes a pause that ran past the longest allowed, with the paid days kept', async () => {
    allowPauses(7);
    const c = addCustomerAt(conn.db, box, 'kamau', 'Monthly prepaid', at('2026-03-01T08:00'), zone);
    pauseSubscription(conn.db, { customerId: c.id, at: at('2026-03-10T08:00'), zone, actor: 'customer:kamau' });
    // Six days in: still paused.
    expect((await runBilling(conn.db, { now: at('2026-03-16T08:00'), zone, pause: noPause })).resumed).toBe(0);
    const result = await runBilling(conn.db, { now: at('2026-03-18T00:05'), zone, pause: noPause });
    expect(result.resumed).toBe(1);
    const sub = subscriptionOf(conn.db, c.id)!;
    expect(sub).toMatchObject({ status: 'active', pausedAt: null });
    // Everything from the pause to the run is given back: the line was refused all that time.
    expect(sub.periodEnd).toBe(at('2026-04-01T08:00') + (at('2026-03-18T00:05') - at('2026-03-10T08:00')));
    expect(timelineOf(conn.db, c.id).at(-1)).toMatchObject({ kind: 'status_changed', actor: 'system', detail: { from: 'paused', to: 'active' } });
  });
});
