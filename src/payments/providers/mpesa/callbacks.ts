import { z } from 'zod';
import { normalisePhone } from '../../../billing/index.js';
import type { CallbackMeaning, CallbackRoute, ProviderOutcome } from '../../provider.js';
import { parseEatTimestamp } from './eat-time.js';
import { outcomeOfFailure, resultCodeText } from './result-codes.js';

// Daraja's callbacks, read tolerantly (payments.md §1.4, §1.7): codes and amounts may be numbers or
// strings, metadata items are found by Name, Balance may lack a Value. Anything that is not the
// expected envelope throws, so the web edge stores it raw and answers without acting.

/** Whole or decimal shillings (1, 1.00, "5.00", "1,000") → integer minor units. */
export function shillingsToMinor(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`amount ${value} is not a shilling amount`);
    return Math.round(value * 100);
  }
  // Exact from the text, without floating point.
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim().replace(/,/g, ''));
  if (!m) throw new Error(`amount "${value.slice(0, 20)}" is not a shilling amount`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** What a customer typed as the account (BillRefNumber), as Lango matches it: trimmed, uppercase, no spaces. */
export function normaliseAccountReference(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

const codeOrAmount = z.union([z.number(), z.string().trim().min(1)]);

const metadataItem = z.object({ Name: z.string(), Value: z.union([z.number(), z.string()]).nullish() });

const stkCallbackBody = z.object({
  Body: z.object({
    stkCallback: z.object({
      MerchantRequestID: z.string().optional(),
      CheckoutRequestID: z.string().trim().min(1),
      ResultCode: codeOrAmount,
      ResultDesc: z.string().optional(),
      CallbackMetadata: z
        .object({ Item: z.union([z.array(metadataItem), metadataItem.transform((item) => [item])]) })
        .optional(),
    }),
  }),
});

/** An STK callback → news about the attempt with that CheckoutRequestID. */
export function parseStkCallback(body: unknown): Extract<CallbackMeaning, { kind: 'attempt' }> {
  const callback = stkCallbackBody.parse(body).Body.stkCallback;
  const code = resultCodeText(callback.ResultCode);
  let outcome: ProviderOutcome;
  if (code === '0') {
    const items = callback.CallbackMetadata?.Item ?? [];
    const value = (name: string) => items.find((item) => item.Name === name)?.Value ?? undefined;
    const receipt = value('MpesaReceiptNumber');
    const amount = value('Amount');
    if (typeof receipt !== 'string' || receipt.trim() === '') throw new Error('successful STK callback without MpesaReceiptNumber');
    if (amount === undefined) throw new Error('successful STK callback without Amount');
    const phone = value('PhoneNumber');
    outcome = {
      status: 'succeeded',
      receipt: receipt.trim().toUpperCase(),
      amountMinor: shillingsToMinor(amount),
      currency: 'KES',
      // A phone that does not read as a number is reported as null: the core then flags a mismatch.
      phone: phone === undefined ? null : (normalisePhone(String(phone), 'KE') ?? null),
      code,
      description: callback.ResultDesc ?? 'Paid',
    };
  } else {
    outcome = outcomeOfFailure(code, callback.ResultDesc);
  }
  // The path token authenticates the sender; the core still compares amount and phone with the attempt.
  return { kind: 'attempt', providerRef: callback.CheckoutRequestID, outcome, trusted: true };
}

const c2bBody = z.object({
  TransactionType: z.string().optional(),
  TransID: z.string().trim().regex(/^[A-Za-z0-9]{6,20}$/, 'TransID is 6 to 20 letters and digits'),
  TransTime: z.union([z.string(), z.number()]).optional(),
  TransAmount: codeOrAmount,
  BillRefNumber: z.string().nullish(),
  FirstName: z.string().nullish(),
  MiddleName: z.string().nullish(),
  LastName: z.string().nullish(),
});

function parseC2b(body: unknown) {
  const c2b = c2bBody.parse(body);
  const amountMinor = shillingsToMinor(c2b.TransAmount);
  if (amountMinor <= 0) throw new Error('C2B payment of no amount');
  return {
    receipt: c2b.TransID.toUpperCase(),
    accountReference: normaliseAccountReference(c2b.BillRefNumber ?? ''),
    amountMinor,
    currency: 'KES' as const,
    c2b,
  };
}

/** A C2B validation request → the question "may this payment to this account go ahead?". */
export function parseC2bValidation(body: unknown): Extract<CallbackMeaning, { kind: 'validation' }> {
  const { receipt, accountReference, amountMinor, currency } = parseC2b(body);
  return { kind: 'validation', receipt, accountReference, amountMinor, currency };
}

/** A C2B confirmation → money that has already moved. */
export function parseC2bConfirmation(body: unknown): Extract<CallbackMeaning, { kind: 'unsolicited' }> {
  const { receipt, accountReference, amountMinor, currency, c2b } = parseC2b(body);
  const paidAt = c2b.TransTime === undefined ? undefined : parseEatTimestamp(String(c2b.TransTime).trim());
  if (paidAt === undefined) throw new Error('C2B confirmation without a TransTime of the form YYYYMMDDHHmmss');
  const payerName = [c2b.FirstName, c2b.MiddleName, c2b.LastName]
    .map((part) => (part ?? '').trim())
    .filter(Boolean)
    .join(' ');
  return { kind: 'unsolicited', receipt, accountReference, amountMinor, currency, payerName, paidAt };
}

function dedupeKeyOf(meaning: CallbackMeaning): string {
  if (meaning.kind === 'receipt') throw new Error('a receipt lookup answer does not come to this route');
  return meaning.kind === 'attempt' ? meaning.providerRef : meaning.receipt;
}

export const stkCallbackRoute: CallbackRoute = {
  path: 'stk',
  methods: ['POST'],
  route: 'stk',
  parse: parseStkCallback,
  dedupeKey: dedupeKeyOf,
  reply: () => ({ status: 200, body: { ResultCode: 0, ResultDesc: 'Accepted' } }),
};

export const c2bValidationRoute: CallbackRoute = {
  path: 'c2b/validate',
  methods: ['POST'],
  route: 'c2b-validation',
  parse: parseC2bValidation,
  dedupeKey: dedupeKeyOf,
  // C2B00012 shows the customer "invalid account number": Lango's unknown-account refusal.
  reply: ({ accepted, reference }) => ({
    status: 200,
    body: accepted
      ? { ResultCode: '0', ResultDesc: 'Accepted', ...(reference !== undefined && { ThirdPartyTransID: reference }) }
      : { ResultCode: 'C2B00012', ResultDesc: 'Rejected' },
  }),
};

export const c2bConfirmationRoute: CallbackRoute = {
  path: 'c2b/confirm',
  methods: ['POST'],
  route: 'c2b-confirmation',
  parse: parseC2bConfirmation,
  dedupeKey: dedupeKeyOf,
  // The money has moved: the answer is always success; unknown accounts go to suspense, not back.
  reply: () => ({ status: 200, body: { ResultCode: 0, ResultDesc: 'Success' } }),
};

export const mpesaCallbackRoutes: readonly CallbackRoute[] = [stkCallbackRoute, c2bValidationRoute, c2bConfirmationRoute];
