import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activateCustomer, addPlan } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { usage } from '../db/schema/billing.js';
import { batchReport, batchReportPage, batchReports, createBatch, createBatchOnce, listVouchers, revokeVouchers, voucherPage, type VoucherState } from './vouchers.js';

const box = createSecretBox(Buffer.alloc(32, 7));
const NOW = Date.UTC(2026, 2, 1, 9, 0, 0);
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-vouchers-')), 'lango.db'));
  addPlan(conn.db, { name: '1 Hour', priceMinor: 2000, currency: 'KES', durationSeconds: 3600 });
});

afterEach(() => conn.close());

const batch = (count: number) => createBatch(conn.db, box, { planName: '1 Hour', count, actor: 'staff:mercy', now: NOW });

describe('voucher batches a page at a time', () => {
  it('lists batches newest first with their counts, and pages a batch’s codes by serial or by state', () => {
    const first = batch(5);
    const second = batch(2);
    activateCustomer(conn.db, first.codes[1]!.customerId, NOW, NOW + 3_600_000);
    expect(batchReportPage(conn.db, { limit: 1, offset: 0 }, NOW).map((r) => r.batch.name)).toEqual([second.batch.name]);
    expect(batchReportPage(conn.db, { limit: 5, offset: 1 }, NOW).map((r) => r.batch.name)).toEqual([first.batch.name]);
    expect(batchReport(conn.db, first.batch.id, NOW)).toMatchObject({ used: 1, counts: { unused: 4, active: 1, exhausted: 0, expired: 0, revoked: 0 } });

    expect(voucherPage(conn.db, first.batch.id, undefined, { limit: 2, offset: 2 }, NOW).map((v) => v.serial)).toEqual([3, 4]);
    expect(voucherPage(conn.db, first.batch.id, undefined, { limit: 2, offset: 5 }, NOW)).toEqual([]);
    expect(voucherPage(conn.db, first.batch.id, 'unused', { limit: 2, offset: 1 }, NOW).map((v) => v.serial)).toEqual([3, 4]);
    expect(voucherPage(conn.db, first.batch.id, 'active', { limit: 10, offset: 0 }, NOW).map((v) => v.code)).toEqual([first.codes[1]!.code]);
  });

  it('revokes only the unused codes of a batch when asked, leaving a code in use working', () => {
    const { batch: b, codes } = batch(3);
    activateCustomer(conn.db, codes[0]!.customerId, NOW, NOW + 3_600_000);
    const result = revokeVouchers(conn.db, { batchId: b.id, unusedOnly: true, reason: 'cards stolen', actor: 'staff:mercy', now: NOW });
    expect(result.revoked).toBe(2);
    expect(listVouchers(conn.db, { batchId: b.id }, NOW).map((v) => v.state)).toEqual(['active', 'revoked', 'revoked']);
  });
});

describe('batch counts from the database', () => {
  const HOUR = 3_600_000;
  const STATES: VoucherState[] = ['unused', 'active', 'exhausted', 'expired', 'revoked'];

  // The old report: every code of the batch loaded and counted one by one.
  const countedOneByOne = (batchId: number, now: number) => {
    const counts: Record<VoucherState, number> = { unused: 0, active: 0, exhausted: 0, expired: 0, revoked: 0 };
    let used = 0;
    for (const v of listVouchers(conn.db, { batchId }, now, 1_000_000)) {
      counts[v.state]++;
      if (v.firstUsedAt !== null) used++;
    }
    return { counts, used };
  };
  const use = (customerId: number, from: number, until: number | null, input = 0, output = 0, seconds = 0) => {
    activateCustomer(conn.db, customerId, from, until);
    conn.db.insert(usage).values({ customerId, periodStart: from, inputOctets: input, outputOctets: output, onlineSeconds: seconds, updatedAt: from }).run();
  };

  it('counts used, unused, active, used-up, expired and revoked codes exactly as reading each code did', () => {
    addPlan(conn.db, { name: '1 GB', priceMinor: 5000, currency: 'KES', durationSeconds: 86_400, dataBytes: 1_000_000_000, dataCounts: 'download' });
    addPlan(conn.db, { name: '2 Hours online', priceMinor: 3000, currency: 'KES', durationSeconds: 86_400, timeAllowanceSeconds: 7200 });
    const data = createBatch(conn.db, box, { planName: '1 GB', count: 8, actor: 'staff:mercy', now: NOW });
    const c = data.codes.map((code) => code.customerId);
    use(c[0]!, NOW - HOUR, NOW + HOUR); // active
    use(c[1]!, NOW - 3 * HOUR, NOW - HOUR); // expired after use
    use(c[2]!, NOW - HOUR, NOW + HOUR, 0, 2_000_000_000); // downloads used up
    use(c[3]!, NOW - HOUR, NOW + HOUR, 2_000_000_000, 10); // uploads do not count on this plan: active
    use(c[4]!, NOW - HOUR, NOW + HOUR); // used, then revoked
    revokeVouchers(conn.db, { codes: [data.codes[4]!.code, data.codes[5]!.code], reason: 'lost cards', actor: 'staff:mercy', now: NOW });
    // c[6], c[7]: unused
    const timed = createBatch(conn.db, box, { planName: '2 Hours online', count: 4, useBefore: NOW - 1, actor: 'staff:mercy', now: NOW - 2 * HOUR });
    use(timed.codes[0]!.customerId, NOW - HOUR, NOW + HOUR, 0, 0, 7200); // time used up
    use(timed.codes[1]!.customerId, NOW - HOUR, null, 0, 0, 60); // active, never ends
    // timed.codes[2], [3]: never used before the use-before date: expired
    const plain = batch(3);
    const empty = createBatch(conn.db, box, { planName: '1 Hour', count: 1, actor: 'staff:mercy', now: NOW });
    revokeVouchers(conn.db, { batchId: empty.batch.id, reason: 'misprint', actor: 'staff:mercy', now: NOW });

    const batches = [data.batch, timed.batch, plain.batch, empty.batch];
    expect(batchReport(conn.db, data.batch.id, NOW)).toMatchObject({ used: 5, counts: { unused: 2, active: 2, exhausted: 1, expired: 1, revoked: 2 }, soldMinor: 5 * 5000 });
    expect(batchReport(conn.db, timed.batch.id, NOW)).toMatchObject({ used: 2, counts: { unused: 0, active: 1, exhausted: 1, expired: 2, revoked: 0 } });
    for (const now of [NOW - 2 * HOUR, NOW, NOW + 2 * HOUR]) {
      const page = batchReportPage(conn.db, { limit: 10, offset: 0 }, now);
      const all = batchReports(conn.db, now);
      for (const b of batches) {
        const expected = countedOneByOne(b.id, now);
        expect(batchReport(conn.db, b.id, now)).toMatchObject(expected);
        expect(page.find((r) => r.batch.id === b.id)).toMatchObject(expected);
        expect(all.find((r) => r.batch.id === b.id)).toMatchObject(expected);
        // A state's page from SQL is the old page: the batch filtered by state, then sliced.
        for (const state of STATES) {
          const matching = listVouchers(conn.db, { batchId: b.id }, now, 1_000_000).filter((v) => v.state === state);
          expect(voucherPage(conn.db, b.id, state, { limit: 2, offset: 1 }, now)).toEqual(matching.slice(1, 3));
        }
      }
    }
  });
});

describe('creating a batch from a form once', () => {
  it('makes one batch when the same form is sent twice, and another for a new form', () => {
    const form = { planName: '1 Hour', count: 3, actor: 'staff:mercy', now: NOW, key: '0b8f9c1e-3f7a-4c2d-9e1b-2a6d5c4b3a21' };
    const first = createBatchOnce(conn.db, box, form);
    const again = createBatchOnce(conn.db, box, { ...form, now: NOW + 5_000 });
    expect(first.created).toBe(true);
    expect(again).toEqual({ batch: first.batch, created: false });
    expect(batchReports(conn.db, NOW)).toHaveLength(1);
    expect(listVouchers(conn.db, {}, NOW)).toHaveLength(3);

    const other = createBatchOnce(conn.db, box, { ...form, key: '7d1e2f3a-4b5c-4d6e-8f70-819a2b3c4d5e' });
    expect(other.created).toBe(true);
    expect(batchReports(conn.db, NOW)).toHaveLength(2);
  });
});
