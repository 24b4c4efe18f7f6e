import type { z } from 'zod';
import type { Currency } from '../db/schema/billing.js';

// The one interface every payment provider module implements (src/payments/providers/<name>/).
// Providers speak HTTP and translate; they never touch the database or the ledger. Adding a
// provider is one new module implementing this, plus its line in providers/index.ts.

/** Where an attempt stands according to the provider. */
export type ProviderOutcome =
  | { status: 'succeeded'; receipt: string | null; amountMinor?: number; currency?: Currency; phone?: string | null; code: string; description: string }
  | { status: 'failed' | 'cancelled' | 'expired'; code: string; description: string; /** the customer may simply try again (wrong PIN, busy) */ retryable: boolean }
  /** Still with the customer or the provider: ask again later. */
  | { status: 'pending'; code?: string; description?: string }
  /** The provider could not answer (transport error, rate limit, 5xx): nothing is known; ask again later. */
  | { status: 'unknown'; description: string };

export interface InitiateRequest {
  /** The attempt's idempotency key (UUID v4). Providers that let the caller choose the id use it. */
  key: string;
  amountMinor: number;
  currency: Currency;
  /** E.164 with '+'. */
  phone: string;
  /** Short account text shown to the payer (M-Pesa: ≤ 12 alphanumerics). */
  accountReference: string;
  /** Short description shown to the payer (M-Pesa: ≤ 13 characters). */
  description: string;
  /** Full public URL the provider calls back, including the secret path token. */
  callbackUrl: string;
}

export type InitiateResult =
  /** The provider took the request; `providerRef` ties callbacks and queries to the attempt. */
  | { kind: 'accepted'; providerRef: string }
  /** The provider refused it: the attempt fails at once (bad number, amount, configuration). */
  | { kind: 'rejected'; code: string; description: string; retryable: boolean }
  /** No clear answer (timeout, connection reset): the provider may have it. Never re-pushed blindly. */
  | { kind: 'unknown'; description: string; providerRef?: string };

/** What a callback means for Lango, once schema-checked. */
export type CallbackMeaning =
  /** News about an attempt Lango started (STK result, MoMo status): a hint to be trusted per provider rules. */
  | { kind: 'attempt'; providerRef: string; outcome: ProviderOutcome; /** true = act on it as is; false = confirm with query() first */ trusted: boolean }
  /** Money that arrived on the provider's own initiative (M-Pesa C2B confirmation): already moved, never refused. */
  | { kind: 'unsolicited'; receipt: string; accountReference: string; amountMinor: number; currency: Currency; payerName: string; paidAt: number }
  /** A question to answer now (M-Pesa C2B validation): may this payment to this account go ahead? */
  | { kind: 'validation'; receipt: string; accountReference: string; amountMinor: number; currency: Currency }
  /** The provider's answer to a receipt lookup Lango asked (Daraja Transaction Status), naming the question by its ids. */
  | { kind: 'receipt'; conversationId: string | null; originatorConversationId: string | null; result: ReceiptResult };

/** What a provider says about one receipt code. */
export type ReceiptResult =
  /** A payment to this merchant: who paid (E.164, or null when masked or unreadable) and how much. */
  | { outcome: 'completed'; receipt: string; amountMinor: number; currency: Currency; phone: string | null; paidAt: number | null }
  /** The transaction exists but did not complete (cancelled, declined, expired). */
  | { outcome: 'not-completed'; receipt: string; state: string }
  /** The provider does not know the code (or not as a payment to this merchant). */
  | { outcome: 'not-found'; code: string; description: string }
  /** The provider would not answer: Lango's credentials for the lookup were refused, or it timed out. */
  | { outcome: 'failed'; code: string; description: string };

/** The provider's immediate answer to a receipt lookup; the result itself comes later, at a callback route. */
export type ReceiptLookupAck =
  | { kind: 'accepted'; conversationId: string | null; originatorConversationId: string | null }
  | { kind: 'refused' | 'unknown'; description: string };

/** Callback URLs a receipt lookup's answer goes to: the result, and the provider's "gave up waiting". */
export interface ReceiptLookupUrls {
  result: string;
  timeout: string;
}

/** One callback endpoint of a provider, served at /cb/<token>/<path>. */
export interface CallbackRoute {
  /** Path after the token, e.g. 'stk' or 'c2b/confirm'. Never contains a provider's name (Daraja refuses URLs with "mpesa"). */
  path: string;
  methods: ReadonlyArray<'POST' | 'PUT'>;
  /** Short stable name stored with the raw body: 'stk', 'c2b-validation'… */
  route: string;
  /** Tolerant parse of the body; throws (any Error) when it is not what this route expects. */
  parse(body: unknown): CallbackMeaning;
  /** The provider's id for this delivery, used to store it once (CheckoutRequestID, TransID…). */
  dedupeKey(meaning: CallbackMeaning): string;
  /** The HTTP answer the provider expects; for validation, `accepted` says whether Lango takes the payment. */
  reply(result: { accepted: boolean; reference?: string }): { status: number; body: unknown };
}

export interface PaymentProvider {
  /** Method name in the ledger and attempts table: 'mpesa', 'momo'. */
  readonly name: string;
  /** Currencies this configuration can take (M-Pesa: KES; MoMo: its environment's currency). */
  readonly currencies: readonly Currency[];
  /** Smallest amount step in minor units the provider accepts (M-Pesa: 100 = whole shillings). */
  readonly amountStepMinor: number;
  /** After how long without a callback the reconciliation job first asks, and gives up (ms). */
  readonly queryAfterMs: number;
  readonly giveUpAfterMs: number;
  initiate(request: InitiateRequest, signal?: AbortSignal): Promise<InitiateResult>;
  /** Ask where an attempt stands; `key` is the attempt's idempotency key (for providers where it is the id). */
  query(providerRef: string, key: string, signal?: AbortSignal): Promise<ProviderOutcome>;
  /**
   * Whether a callback from this address may be acted on: 'ok'; 'unlisted' (not on the
   * provider's published list, logged but accepted: lists are incomplete); 'refuse'. Absent =
   * the path token alone guards the callbacks.
   */
  checkSource?(ip: string): 'ok' | 'unlisted' | 'refuse';
  /** The first route is where callbacks about attempts Lango started go (its URL is sent with initiate). */
  readonly callbacks: readonly CallbackRoute[];
  /**
   * Asks the provider about a receipt code Lango does not know (Daraja's Transaction Status).
   * Absent when the provider cannot, or is not configured to (no initiator credentials).
   */
  lookupReceipt?(receipt: string, urls: ReceiptLookupUrls, signal?: AbortSignal): Promise<ReceiptLookupAck>;
  /** Paths of the callback routes a lookup's answers go to (each also in `callbacks`). */
  readonly receiptLookupPaths?: { result: string; timeout: string };
}

/** Thrown by a provider when its configuration cannot work (missing secret, bad URL). */
export class ProviderConfigError extends Error {}

/**
 * A provider module's front: how it is configured and built. Settings are one JSON object per
 * provider; the fields named in `secretFields` are kept sealed in the secrets table and merged
 * in before `configSchema` parses the whole.
 */
export interface ProviderModule<C = any> {
  readonly name: string;
  readonly configSchema: z.ZodType<C>;
  readonly secretFields: readonly string[];
  /** `now` is injectable for tests (token expiry, timestamps). */
  create(config: C, options?: { now?: () => number }): PaymentProvider;
}
