import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomer } from '../billing/customers.js';
import { customerBalance, recordPayment } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { once, pruneRequestKeys } from './index.js';

// A cash payment queued offline at a counter may reach the server twice (the first answer lost
// on a flaky link): the idempotency key makes the second arrival change nothing.

const T0 = Date.UTC(2026, 10, 24, 7, 0);
const KEY = '0b6f3f0e-2d1c-4f7e-9a55-3c1f8f0d2a11';
let conn: Connection;
let customerId: number;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-keys-')), 'lango.db'));
  customerId = addCustomer(conn.db, createSecretBox(Buffer.alloc(32, 7)), { username: 'wanjiru', password: 'net-pass-1' }).id;
});
afterEach(() => conn.close());

const payments = () => (conn.sqlite.prepare('SELECT count(*) AS n FROM payments').get() as { n: number }).n;

/** What the staff page does: the payment inside the key's transaction, its receipt as the answer. */
function recordCash(sender: string, reference: string, key = KEY) {
  return once(conn.db, { key, sender, action: 'payments.record', now: T0 }, (tx) => {
    const { payment } = recordPayment(tx, { customerId, method: 'cash', reference, amountMinor: 150_000, currency: 'KES', receivedAt: T0, actor: sender, zone: 'Africa/Nairobi' });
    return payment.receiptNumber;
  });
}

describe('a form carried out once per idempotency key', () => {
  it('records one payment when the same form arrives twice, and answers the retry with the first receipt', () => {
    const first = recordCash('staff:mercy', 'RB-0042');
    expect(first.kind).toBe('done');
    // Even with another receipt-book number typed (the key is what identifies the form).
    const again = recordCash('staff:mercy', 'RB-0099');
    expect(again).toEqual({ kind: 'repeat', result: first.kind === 'done' ? first.result : '' });
    expect(payments()).toBe(1);
    expect(customerBalance(conn.db, customerId, 'KES').walletMinor).toBe(150_000);
  });

  it('refuses a key another sender presents, running nothing and showing nothing of theirs', () => {
    recordCash('staff:mercy', 'RB-0042');
    expect(recordCash('staff:otieno', 'RB-0043')).toEqual({ kind: 'not-yours' });
    expect(payments()).toBe(1);
  });

  it('keeps no key when the change fails, so a retry meets the same refusal and may then succeed', () => {
    const failing = () => once(conn.db, { key: KEY, sender: 'staff:mercy', action: 'payments.record', now: T0 }, () => {
      throw new Error('no such customer');
    });
    expect(failing).toThrow('no such customer');
    expect(recordCash('staff:mercy', 'RB-0042').kind).toBe('done');
  });

  it('forgets keys after thirty days', () => {
    recordCash('staff:mercy', 'RB-0042');
    expect(pruneRequestKeys(conn.db, T0 + 29 * 86_400_000)).toBe(0);
    expect(pruneRequestKeys(conn.db, T0 + 31 * 86_400_000)).toBe(1);
    expect(recordCash('staff:mercy', 'RB-0042').kind).toBe('done');
    // The payment itself is still once per receipt-book number.
    expect(payments()).toBe(1);
  });
});
