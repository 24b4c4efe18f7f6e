import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addCustomer } from '../billing/customers.js';
import { minorDigits } from '../billing/money.js';
import { recordPayment } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase } from '../db/connection.js';
import { csvField, decimalMoney, exportCsv, isoTime, parseDay } from './exports.js';

const ZONE = 'Africa/Nairobi';

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Kibera, Nairobi')).toBe('"Kibera, Nairobi"');
    expect(csvField('the "big" one')).toBe('"the ""big"" one"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });

  it('turns a cell that a spreadsheet would run as a formula into text', () => {
    expect(csvField('=HYPERLINK("http://x","pay")')).toBe('"\'=HYPERLINK(""http://x"",""pay"")"');
    expect(csvField('+254700000001')).toBe("'+254700000001");
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-5)).toBe('-5');
  });

  it('writes money as exact decimals in the currency\'s own digits', () => {
    expect(decimalMoney(150_050, 2)).toBe('1500.50');
    expect(decimalMoney(5, 2)).toBe('0.05');
    expect(decimalMoney(-1_999, 2)).toBe('-19.99');
    expect(decimalMoney(25_000, 0)).toBe('25000');
  });

  it('writes times as ISO with the operator\'s offset and reads --from days in that zone', () => {
    expect(isoTime(Date.UTC(2026, 10, 24, 21, 30), ZONE)).toBe('2026-11-25T00:30:00.000+03:00');
    expect(parseDay('2026-11-25', ZONE)).toBe(Date.UTC(2026, 10, 24, 21, 0));
    expect(parseDay('25/11/2026', ZONE)).toBeUndefined();
  });
});

describe('exportCsv', () => {
  it('streams payments in the date range with their customer, currency and decimal amount', async () => {
    const conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-export-')), 'lango.db'));
    const box = createSecretBox(Buffer.alloc(32, 7));
    const customerId = addCustomer(conn.db, box, { username: 'baraka', password: 'net-pass-1' }).id;
    const at = Date.UTC(2026, 10, 10, 9, 0);
    recordPayment(conn.db, { customerId, method: 'cash', reference: '=cmd|calc', amountMinor: 150_050, currency: 'KES', receivedAt: at, actor: 'test', zone: ZONE });
    recordPayment(conn.db, { customerId, method: 'cash', reference: 'later', amountMinor: 100, currency: 'KES', receivedAt: at + 40 * 86_400_000, actor: 'test', zone: ZONE });
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const rows = await exportCsv(conn.sqlite, 'payments', out, { zone: ZONE, digits: minorDigits, from: parseDay('2026-11-01', ZONE), to: parseDay('2026-12-01', ZONE) });
    conn.close();
    expect(rows).toBe(1);
    const lines = chunks.join('').split('\r\n');
    expect(lines[0]).toBe('id,receipt_number,customer,method,reference,currency,amount,received_at');
    expect(lines[1]).toMatch(/^\d+,RCT-[\d-]+,baraka,cash,'=cmd\|calc,KES,1500\.50,2026-11-10T12:00:00\.000\+03:00$/);
    expect(lines[2]).toBe('');
  });
});
