import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCustomerPlan } from '../billing/customers.js';
import { customerBalance } from '../billing/ledger.js';
import { adjustWallet } from '../billing/payments.js';
import { addPlan, editPlan } from '../billing/plans.js';
import { subscriptionOf } from '../billing/subscriptions.js';
import { timelineOf } from '../billing/timeline.js';
import type { Connection } from '../db/connection.js';
import { setSetting } from '../settings/index.js';
import { cancelPortalChange, confirmPortalChange, pausePortalLine, portalPlan, previewPortalChange, setPortalDevice } from './plan.js';
import { portalDb, T0 } from './test-fixtures.js';

let conn: Connection;
let alice: number;
let bob: number;
const ZONE = 'Africa/Nairobi';
const DAY = 86_400_000;

beforeEach(() => {
  ({ conn, alice, bob } = portalDb());
  addPlan(conn.db, { name: 'Home 10M', priceMinor: 150_000, currency: 'KES', durationSeconds: 30 * 86_400, rateLimit: '5M/10M' });
  addPlan(conn.db, { name: 'Home 20M', priceMinor: 300_000, currency: 'KES', durationSeconds: 30 * 86_400, rateLimit: '10M/20M' });
  addPlan(conn.db, { name: 'Home 5M', priceMinor: 90_000, currency: 'KES', durationSeconds: 30 * 86_400, rateLimit: '2M/5M' });
  addPlan(conn.db, { name: 'Office', priceMinor: 500_000, currency: 'KES', billingKind: 'postpaid', cycle: 'monthly' });
  addPlan(conn.db, { name: 'Juba 10M', priceMinor: 2_000_000, currency: 'SSP', durationSeconds: 30 * 86_400 });
  setCustomerPlan(conn.db, 'alice', 'Home 10M', ZONE, T0);
  setCustomerPlan(conn.db, 'bob', 'Home 10M', ZONE, T0);
});
afterEach(() => conn.close());

const id = (name: string) => conn.sqlite.prepare('SELECT id FROM plans WHERE name = ?').pluck().get(name) as number;

describe('changing plan on the portal', () => {
  it('offers only plans of the same billing kind and currency, dearer ones now and cheaper ones at renewal', () => {
    const view = portalPlan(conn.db, alice, T0 + DAY, ZONE)!;
    expect(view.choices.map((c) => [c.name, c.when])).toEqual([
      ['Home 5M', 'renewal'],
      ['Home 20M', 'now'],
    ]);
    expect(previewPortalChange(conn.db, alice, id('Office'), T0 + DAY, ZONE)).toEqual({ kind: 'refused', reason: 'not-offered' });
    expect(previewPortalChange(conn.db, alice, id('Juba 10M'), T0 + DAY, ZONE)).toEqual({ kind: 'refused', reason: 'not-offered' });
  });

  it('refuses an upgrade the wallet cannot pay, saying how much is lacking, and charges nothing', () => {
    adjustWallet(conn.db, { customerId: alice, amountMinor: 100_000, currency: 'KES', reason: 'test', actor: 'cli:test', at: T0 });
    const at = T0 + 10 * DAY;
    const outcome = previewPortalChange(conn.db, alice, id('Home 20M'), at, ZONE);
    if (outcome.kind !== 'preview') throw new Error('no preview');
    // Twenty days of 3,000.00 out of thirty: 2,000.00, and the wallet holds 1,000.00.
    expect(outcome.value.preview.invoice!.grossMinor).toBe(200_000);
    expect(outcome.value.shortMinor).toBe(100_000);
    const confirmed = confirmPortalChange(conn.db, { customerId: alice, planId: id('Home 20M'), when: 'now', previewAt: at, expect: outcome.value.fingerprint, now: at + 1000, zone: ZONE });
    expect(confirmed.kind).toBe('short');
    expect(subscriptionOf(conn.db, alice)!.planId).toBe(id('Home 10M'));
  });

  it('carries out exactly the previewed upgrade from the wallet, as the customer', () => {
    adjustWallet(conn.db, { customerId: alice, amountMinor: 250_000, currency: 'KES', reason: 'test', actor: 'cli:test', at: T0 });
    const at = T0 + 10 * DAY;
    const outcome = previewPortalChange(conn.db, alice, id('Home 20M'), at, ZONE);
    if (outcome.kind !== 'preview') throw new Error('no preview');
    const confirmed = confirmPortalChange(conn.db, { customerId: alice, planId: id('Home 20M'), when: 'now', previewAt: at, expect: outcome.value.fingerprint, now: at + 60_000, zone: ZONE });
    if (confirmed.kind !== 'changed') throw new Error(confirmed.kind);
    expect(confirmed.result.invoice!.grossMinor).toBe(outcome.value.preview.invoice!.grossMinor);
    expect(customerBalance(conn.db, alice, 'KES')).toEqual({ currency: 'KES', dueMinor: 0, walletMinor: 50_000 });
    expect(subscriptionOf(conn.db, alice)!.planId).toBe(id('Home 20M'));
    expect(timelineOf(conn.db, alice).at(-1)).toMatchObject({ kind: 'plan_changed', actor: 'customer:alice', detail: { from: 'Home 10M', to: 'Home 20M', when: 'now' } });
  });

  it('shows the new preview instead of charging when the price changed after the preview', () => {
    adjustWallet(conn.db, { customerId: alice, amountMinor: 900_000, currency: 'KES', reason: 'test', actor: 'cli:test', at: T0 });
    const at = T0 + 10 * DAY;
    const outcome = previewPortalChange(conn.db, alice, id('Home 20M'), at, ZONE);
    if (outcome.kind !== 'preview') throw new Error('no preview');
    editPlan(conn.db, 'Home 20M', { priceMinor: 360_000 });
    const confirmed = confirmPortalChange(conn.db, { customerId: alice, planId: id('Home 20M'), when: 'now', previewAt: at, expect: outcome.value.fingerprint, now: at + 60_000, zone: ZONE });
    if (confirmed.kind !== 'stale') throw new Error(confirmed.kind);
    expect(confirmed.value.preview.invoice!.grossMinor).toBe(240_000);
    expect(subscriptionOf(conn.db, alice)!.planId).toBe(id('Home 10M'));
  });

  it('schedules a downgrade for renewal, and the customer can cancel it', () => {
    const at = T0 + 10 * DAY;
    const outcome = previewPortalChange(conn.db, alice, id('Home 5M'), at, ZONE);
    if (outcome.kind !== 'preview') throw new Error('no preview');
    expect(outcome.value.preview).toMatchObject({ effect: 'renewal', effectiveAt: T0 + 30 * DAY, invoice: null });
    const confirmed = confirmPortalChange(conn.db, { customerId: alice, planId: id('Home 5M'), when: 'renewal', previewAt: at, expect: outcome.value.fingerprint, now: at, zone: ZONE });
    expect(confirmed.kind).toBe('changed');
    expect(portalPlan(conn.db, alice, at, ZONE)!.nextPlan).toMatchObject({ name: 'Home 5M', at: T0 + 30 * DAY });
    expect(cancelPortalChange(conn.db, alice, at + 1000)).toBe('Home 5M');
    expect(portalPlan(conn.db, alice, at, ZONE)!.nextPlan).toBeNull();
  });
});

describe('pausing and the device on the portal', () => {
  it('pauses only where the operator allows it, and then offers no plan change until resumed', () => {
    expect(pausePortalLine(conn.db, alice, T0 + DAY, ZONE)).toEqual({ kind: 'refused', reason: 'not-allowed' });
    setSetting(conn.db, 'portal.pauseMaxDays', 14, 'cli:test');
    expect(pausePortalLine(conn.db, alice, T0 + DAY, ZONE)).toEqual({ kind: 'paused', disconnecting: 0 });
    const view = portalPlan(conn.db, alice, T0 + DAY, ZONE)!;
    expect(view).toMatchObject({ lineStatus: 'paused', changeRefusal: 'paused', choices: [], pause: { pausedAt: T0 + DAY, endsBy: T0 + 15 * DAY } });
  });

  it('registers a device in any common form, and refuses one another account has without naming it', () => {
    expect(setPortalDevice(conn.db, alice, 'aa-bb-cc-00-11-22', T0)).toMatchObject({ kind: 'saved', mac: 'AA:BB:CC:00:11:22', changed: true });
    expect(portalPlan(conn.db, alice, T0, ZONE)!.device).toEqual({ mac: 'AA:BB:CC:00:11:22', bound: false });
    expect(setPortalDevice(conn.db, bob, 'aabb.cc00.1122', T0)).toEqual({ kind: 'taken' });
    expect(setPortalDevice(conn.db, bob, 'not a mac', T0)).toEqual({ kind: 'bad' });
    expect(setPortalDevice(conn.db, alice, null, T0)).toMatchObject({ kind: 'saved', mac: null });
  });
});
