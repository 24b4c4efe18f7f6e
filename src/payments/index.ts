// The payments domain's front door: attempts and their settlement, provider callbacks, the
// reconciliation job, the review queue. Providers live in providers/<name>/ behind provider.ts.
export { type Attempt, findAttempt, findAttemptOfCustomer, listAttempts, countWaitingAttempts, type AttemptFilter } from './attempts.js';
export { queryAttemptNow, findAttemptsByReceipt, attemptsFromPhone, OPEN as OPEN_ATTEMPT_STATUSES } from './attempts.js';
export { reviewReasonWords } from './review-reason.js';
export { flaggedCallbacks, findCallback, markCallbackReviewed, type InboxRow } from './inbox.js';
export { receiveCallback, CallbackBodyError, type CallbackAnswer } from './callbacks.js';
export { reconcilePayments, type ReconcileResult } from './reconcile.js';
export { requestPayment, requestPurchase, purchaseStatus, type PaymentRequestInput, type PaymentRequestResult, type PurchaseStatus } from './request.js';
export { settleAttempt, approveFlagged, dismissFlagged, type Settlement } from './settle.js';
export { ProviderRegistry, configureProvider, describeProvider, providerModule } from './registry.js';
export { callbackToken, callbackUrl, rotateCallbackToken, validTokens, tokenMatches } from './tokens.js';
export { ReconcileWorker } from './worker.js';
export { providerModules } from './providers/index.js';
export { mobileProviders, pickProvider, providersFor } from './pick-provider.js';
export type { PaymentProvider, CallbackRoute, ProviderOutcome } from './provider.js';
export { findByReceipt, findByPhone, followLookup, normaliseReceipt, pruneReceiptLookups, readPhone, type ReceiptFinding } from './receipt-lookup.js';
