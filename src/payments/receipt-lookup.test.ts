import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listNotifications } from '../aaa/enforcement.js';
import { addCustomer, addPlan, customerBalance, trialBalance } from '../billing/index.js';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase, type Connection } from '../db/connection.js';
import { receiptLookups } from '../db/schema/payments.js';
import { listVouchers } from '../hotspot/index.js';
import { setSetting } from '../settings/index.js';
import { createAttempt, findAttempt, recordProviderRef } from './attempts.js';
import { receiveCallback } from './callbacks.js';
import type { PaymentProvider, ProviderOutcome, ReceiptLookupAck } from './provider.js';
import { mpesa } from './providers/mpesa/index.js';
import { formatEatTimestamp } from './providers/mpesa/eat-time.js';
import { findByPhone, findByReceipt, followLookup, type ReceiptFinding, type ReceiptLookupDeps } from './receipt-lookup.js';
import { settleAttempt, settleUnsolicited } from './settle.js';

// Finding a payment by the receipt code or the phone a customer types, and settling the request
// a provider's receipt answer belongs to exactly once, whatever else reports it.

const box = createSecretBox(Buffer.alloc(32, 7));
const zone = 'Africa/Nairobi';
const PHONE = '+254708374149';
const RECEIPT = 'TAH5J2K991';
let conn: Connection;
let planId: number;
let asked: string[];

const config = mpesa.configSchema.parse({ shortcode: '174379', consumerKey: 'k', consumerSecret: 's', passkey: 'p', initiatorName: 'testapi', securityCredential: 'cred' });

/** The real M-Pesa routes, with the provider's questions answered here. */
function provider(options: { ack?: ReceiptLookupAck; whileAsking?: () => void; query?: ProviderOutcome; lookups?: boolean } = {}): PaymentProvider {
  const real = mpesa.create(config);
  const { lookupReceipt: _lookup, ...rest } = real;
  return {
    ...rest,
    ...(options.lookups !== false && {
      async lookupReceipt(receipt: string) {
        asked.push(receipt);
        options.whileAsking?.();
        return options.ack ?? { kind: 'accepted', conversationId: `AG_${asked.length}`, originatorConversationId: `o-${asked.length}` };
      },
    }),
    query: async () => options.query ?? { status: 'pending' },
  };
}

const deps = (p: PaymentProvider): ReceiptLookupDeps => ({ db: conn.db, box, zone, providers: () => [p] });

function purchase(phone = PHONE, amountMinor = 2000, ref = `ws_CO_${randomUUID()}`) {
  const attempt = createAttempt(conn.db, { key: randomUUID(), provider: 'mpesa', purpose: 'hotspot', customerId: null, planId, amountMinor, currency: 'KES', phone, accountReference: 'WIFI', actor: 'portal', now: Date.now() });
  recordProviderRef(conn.db, attempt.id, ref, Date.now() + 600_000, Date.now());
  return findAttempt(conn.db, attempt.id)!;
}

const route = (p: PaymentProvider, name: string) => p.callbacks.find((r) => r.route === name)!;

function deliver(p: PaymentProvider, name: string, body: unknown) {
  return receiveCallback(conn.db, p, route(p, name), { body, rawBody: JSON.stringify(body), sourceIp: '196.201.214.200', now: Date.now(), zone, box });
}

function statusResult(conversationId: string, receipt = RECEIPT, payer = '254708374149', amount = 20) {
  return {
    Result: {
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      ConversationID: conversationId,
      OriginatorConversationID: `x-${conversationId}`,
      TransactionID: 'TAH0000000',
      ResultParameters: {
        ResultParameter: [
          { Key: 'DebitPartyName', Value: `${payer} - JOHN DOE` },
          { Key: 'TransactionStatus', Value: 'Completed' },
          { Key: 'Amount', Value: amount },
          { Key: 'ReceiptNo', Value: receipt },
        ],
      },
    },
  };
}

function stkCallback(ref: string, receipt = RECEIPT) {
  return { Body: { stkCallback: { MerchantRequestID: '1-2-3', CheckoutRequestID: ref, ResultCode: 0, ResultDesc: 'ok', CallbackMetadata: { Item: [{ Name: 'Amount', Value: 20 }, { Name: 'MpesaReceiptNumber', Value: receipt }, { Name: 'PhoneNumber', Value: 254708374149 }] } } } };
}

function keyOf(finding: ReceiptFinding): string {
  if (finding.kind !== 'asking') throw new Error(`expected a lookup in flight, got ${finding.kind}`);
  return finding.key;
}

const sold = () => listVouchers(conn.db);

function books() {
  for (const row of trialBalance(conn.db)) expect(row.total, `${row.currency} books`).toBe(0);
}

beforeEach(() => {
  conn = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'lango-receipt-')), 'lango.db'));
  planId = addPlan(conn.db, { name: '1 Hour', priceMinor: 2000, currency: 'KES', durationSeconds: 3600 }).id;
  setSetting(conn.db, 'payments.publicUrl', 'https://pay.example.net', 'test');
  asked = [];
});
afterEach(() => conn.close());

describe('a receipt the provider is asked about', () => {
  it('settles the purchase whose callback was dropped, once, and the late STK callback changes nothing', async () => {
    const p = provider({ whileAsking: () => expect(conn.db.select().from(receiptLookups).all()).toHaveLength(1) });
    const open = purchase();
    const key = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: 'AA:BB:CC:11:22:33', now: Date.now() }));
    expect(asked).toEqual([RECEIPT]);
    expect(followLookup(conn.db, key, Date.now())).toEqual({ finding: { kind: 'asking', key }, mac: 'AA:BB:CC:11:22:33' });

    expect(deliver(p, 'transaction-status', statusResult('AG_1')).settlement?.kind).toBe('credited');
    const [voucher] = sold();
    expect(followLookup(conn.db, key, Date.now())?.finding).toEqual({ kind: 'voucher', customerId: voucher!.customerId, code: voucher!.code });
    expect(findAttempt(conn.db, open.id)).toMatchObject({ status: 'succeeded', receipt: RECEIPT, settledVia: 'query', reviewReason: null });

    expect(deliver(p, 'transaction-status', statusResult('AG_1'))).toMatchObject({ duplicate: true });
    expect(deliver(p, 'stk', stkCallback(open.providerRef!)).settlement?.kind).toBe('duplicate');
    expect(sold()).toHaveLength(1);
    books();
  });

  it('sells one voucher when the STK callback settles first and the answer comes after', async () => {
    const p = provider();
    const open = purchase();
    const key = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    expect(deliver(p, 'stk', stkCallback(open.providerRef!)).settlement?.kind).toBe('credited');
    expect(deliver(p, 'transaction-status', statusResult('AG_1')).settlement?.kind).toBe('duplicate');
    expect(sold()).toHaveLength(1);
    expect(followLookup(conn.db, key, Date.now())?.finding.kind).toBe('voucher');
    // Known now: answered from the attempt, without asking again.
    expect((await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() })).kind).toBe('voucher');
    expect(asked).toHaveLength(1);
    books();
  });

  it('fills in the receipt of a purchase the reconciler credited by query without one', async () => {
    const p = provider();
    const open = purchase();
    expect(settleAttempt(conn.db, open.id, { status: 'succeeded', receipt: null, code: '0', description: 'query' }, 'query', Date.now(), zone, box).kind).toBe('credited');
    keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    deliver(p, 'transaction-status', statusResult('AG_1'));
    expect(findAttempt(conn.db, open.id)).toMatchObject({ receipt: RECEIPT, reviewReason: null });
    expect(sold()).toHaveLength(1);
  });

  it('matches only the payer\'s open request for that amount, and says so when none fits', async () => {
    const p = provider();
    const other = purchase('+254708374150');
    const key = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    deliver(p, 'transaction-status', statusResult('AG_1'));
    expect(followLookup(conn.db, key, Date.now())?.finding).toEqual({ kind: 'unmatched' });
    expect(findAttempt(conn.db, other.id)?.status).toBe('pending');
    expect(sold()).toEqual([]);
  });

  it('takes no earlier payment from the same phone for this request, nor an answer about another receipt', async () => {
    const p = provider();
    const open = purchase();
    const key = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    // The same phone and amount, but paid three hours before the request was made.
    const early = statusResult('AG_1');
    early.Result.ResultParameters.ResultParameter.push({ Key: 'FinalisedTime', Value: formatEatTimestamp(Date.now() - 3 * 3_600_000) });
    deliver(p, 'transaction-status', early);
    expect(followLookup(conn.db, key, Date.now())?.finding).toEqual({ kind: 'unmatched' });
    const other = keyOf(await findByReceipt(deps(p), { receipt: 'TAH9999999', mac: null, now: Date.now() }));
    deliver(p, 'transaction-status', statusResult('AG_2', RECEIPT));
    expect(followLookup(conn.db, other, Date.now())?.finding).toEqual({ kind: 'unmatched' });
    expect(findAttempt(conn.db, open.id)?.status).toBe('pending');
    expect(sold()).toEqual([]);
  });

  it('asks the provider again about a receipt whose earlier question was never answered', async () => {
    const p = provider();
    keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() + 120_000 }));
    expect(asked).toHaveLength(2);
  });

  it('tells a receipt M-Pesa does not know from one it could not answer about', async () => {
    const p = provider();
    const unknown = keyOf(await findByReceipt(deps(p), { receipt: 'TZZ0000000', mac: null, now: Date.now() }));
    deliver(p, 'transaction-status', { Result: { ResultCode: 1, ResultDesc: 'The transaction could not be found.', ConversationID: 'AG_1' } });
    expect(followLookup(conn.db, unknown, Date.now())?.finding).toEqual({ kind: 'unknown' });
    const busy = keyOf(await findByReceipt(deps(p), { receipt: 'TZZ0000001', mac: null, now: Date.now() }));
    deliver(p, 'transaction-status-timeout', { Result: { ConversationID: 'AG_2' } });
    expect(followLookup(conn.db, busy, Date.now())?.finding).toEqual({ kind: 'unavailable' });
  });

  it('says "still waiting" once the answer is long overdue', async () => {
    const p = provider();
    const key = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    expect(followLookup(conn.db, key, Date.now() + 120_000)?.finding).toEqual({ kind: 'waiting' });
  });

  it('acts on an answer that came before its acknowledgement was recorded', async () => {
    const open = purchase();
    // The result is posted while the question's HTTP answer is still on its way.
    const p: PaymentProvider = provider({ whileAsking: () => void deliver(p, 'transaction-status', statusResult('AG_1')) });
    const key = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: null, now: Date.now() }));
    expect(followLookup(conn.db, key, Date.now())?.finding.kind).toBe('voucher');
    expect(findAttempt(conn.db, open.id)?.receipt).toBe(RECEIPT);
  });

  it('asks once for two devices typing the same receipt, and reuses the answer for a while', async () => {
    const p = provider();
    purchase();
    const first = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: 'AA:AA:AA:AA:AA:01', now: Date.now() }));
    const second = keyOf(await findByReceipt(deps(p), { receipt: RECEIPT, mac: 'AA:AA:AA:AA:AA:02', now: Date.now() }));
    expect(second).not.toBe(first);
    expect(asked).toHaveLength(1);
    deliver(p, 'transaction-status', statusResult('AG_1'));
    expect(followLookup(conn.db, first, Date.now())?.finding.kind).toBe('voucher');
    expect(followLookup(conn.db, second, Date.now())).toMatchObject({ finding: { kind: 'voucher' }, mac: 'AA:AA:AA:AA:AA:02' });
  });
});

describe('a receipt Lango already holds, or cannot look up', () => {
  it('names only the account a paybill payer typed, and says when it went to nobody', async () => {
    const alice = addCustomer(conn.db, box, { username: 'alice', password: 'pw', planName: '1 Hour', phone: '0712345678' } as never, zone).id;
    settleUnsolicited(conn.db, { provider: 'mpesa', receipt: 'TAB0000001', accountReference: 'ALICE', amountMinor: 5000, currency: 'KES', payerName: 'JOHN', paidAt: Date.now(), now: Date.now(), zone, box });
    settleUnsolicited(conn.db, { provider: 'mpesa', receipt: 'TAB0000002', accountReference: 'NOBODY7', amountMinor: 5000, currency: 'KES', payerName: 'JOHN', paidAt: Date.now(), now: Date.now(), zone, box });
    const p = provider();
    expect(await findByReceipt(deps(p), { receipt: 'TAB0000001', mac: null, now: Date.now() })).toMatchObject({ kind: 'account', customerId: alice, reference: 'ALICE', amountMinor: 5000 });
    expect(await findByReceipt(deps(p), { receipt: 'TAB0000002', mac: null, now: Date.now() })).toEqual({ kind: 'suspense', reference: 'NOBODY7' });
    expect(customerBalance(conn.db, alice, 'KES').walletMinor).toBeGreaterThanOrEqual(0);
    expect(asked).toEqual([]);
  });

  it('asks for the phone number when no provider can look receipts up, or the provider refuses Lango\'s credentials', async () => {
    expect(await findByReceipt(deps(provider({ lookups: false })), { receipt: RECEIPT, mac: null, now: Date.now() })).toEqual({ kind: 'ask-phone' });
    expect(await findByReceipt(deps(provider({ ack: { kind: 'refused', description: 'Invalid Initiator' } })), { receipt: RECEIPT, mac: null, now: Date.now() })).toEqual({ kind: 'ask-phone' });
    expect(await findByReceipt(deps(provider({ ack: { kind: 'unknown', description: 'no answer' } })), { receipt: 'TAH5J2K992', mac: null, now: Date.now() })).toEqual({ kind: 'unavailable' });
  });

  it('asks for the phone number when the provider could not call back (no public address set)', async () => {
    setSetting(conn.db, 'payments.publicUrl', null, 'test');
    expect(await findByReceipt(deps(provider()), { receipt: RECEIPT, mac: null, now: Date.now() })).toEqual({ kind: 'ask-phone' });
    expect(asked).toEqual([]);
  });

  it('does not ask M-Pesa about what cannot be an M-Pesa receipt', async () => {
    expect(await findByReceipt(deps(provider()), { receipt: 'ABC123', mac: null, now: Date.now() })).toEqual({ kind: 'unknown' });
    expect(asked).toEqual([]);
  });
});

describe('a phone number', () => {
  it('asks the provider now about the phone\'s open purchase, and the sale\'s own SMS carries the code', async () => {
    const open = purchase();
    const p = provider({ query: { status: 'succeeded', receipt: null, code: '0', description: 'paid' } });
    expect(await findByPhone(deps(p), { phone: PHONE, now: Date.now() })).toEqual({ kind: 'sms-sent', phoneEnd: '149' });
    expect(findAttempt(conn.db, open.id)).toMatchObject({ status: 'succeeded', settledVia: 'query' });
    const [voucher] = sold();
    const credentials = () => listNotifications(conn.db, voucher!.customerId).filter((n) => n.kind === 'credentials');
    expect(credentials()).toHaveLength(1);
    // Typed again later: the SMS goes again, once per ten minutes however often it is typed.
    await findByPhone(deps(p), { phone: PHONE, now: Date.now() });
    await findByPhone(deps(p), { phone: PHONE, now: Date.now() });
    expect(credentials()).toHaveLength(2);
  });

  it('says "still waiting" while the provider is, and puts off the reconciler\'s next question', async () => {
    const open = purchase();
    expect(await findByPhone(deps(provider()), { phone: PHONE, now: Date.now() })).toEqual({ kind: 'waiting' });
    expect(findAttempt(conn.db, open.id)).toMatchObject({ status: 'pending', queries: 1 });
  });

  it('finds nothing for a phone with no request in the last day, and never names an account', async () => {
    expect(await findByPhone(deps(provider()), { phone: '+254700000001', now: Date.now() })).toEqual({ kind: 'no-payment' });
  });

  it('reports a cancelled request as not paid', async () => {
    purchase();
    const p = provider({ query: { status: 'cancelled', code: '1032', description: 'Request cancelled by user', retryable: true } });
    expect(await findByPhone(deps(p), { phone: PHONE, now: Date.now() })).toEqual({ kind: 'not-paid', status: 'cancelled', code: '1032' });
  });
});
