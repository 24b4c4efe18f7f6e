import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../crypto/secret-box.js';
import { openDatabase, type Connection } from '../../db/connection.js';
import { addCustomer } from '../customers.js';
import { recordPayment } from '../payments.js';
import { receiptDocument } from './load.js';

const zone = 'Africa/Nairobi';
let conn: Connection;

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-documents-')), 'lango.db'));
});
afterEach(() => conn.close());

describe('a receipt loaded from the books', () => {
  it('names a cash payment in the customer’s language, and mobile money by its brand', () => {
    const box = createSecretBox(Buffer.alloc(32, 3));
    const amina = addCustomer(conn.db, box, { username: 'amina', password: 'net-pass-1', language: 'ar' }).id;
    const cash = recordPayment(conn.db, { customerId: amina, method: 'cash', reference: 'RB-7', amountMinor: 50_000, currency: 'KES', receivedAt: Date.now(), actor: 'system', zone }).payment;
    const arabic = receiptDocument(conn.db, cash.receiptNumber, zone);
    expect(arabic.paymentMethod).toBe('نقدًا');
    expect(arabic.lines[0]!.description).toBe('نقدًا RB-7');

    const mpesa = recordPayment(conn.db, { customerId: amina, method: 'mpesa', reference: 'SGH7KQ2L9X', amountMinor: 10_000, currency: 'KES', receivedAt: Date.now(), actor: 'system', zone }).payment;
    expect(receiptDocument(conn.db, mpesa.receiptNumber, zone).paymentMethod).toBe('M-Pesa');
  });
});
