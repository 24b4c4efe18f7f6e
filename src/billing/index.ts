// The billing domain's front door. AAA reads subscribers through here, read-only.
export { addPlan, editPlan, listPlans, findPlanByName, currentRateLimit, type Plan, type PlanInput } from './plans.js';
export {
  addCustomer,
  listCustomers,
  findCustomer,
  setCustomerPlan,
  setCustomerStatus,
  activateCustomer,
  createSubscriberLookup,
  pruneSubscriberChanges,
  type CustomerInput,
  type CustomerSummary,
  type Subscriber,
  type SubscriberLookup,
} from './customers.js';
export { parseMoney, formatMoney, minorDigits, currencies, isCurrency } from './money.js';
export { paymentMethodName } from './payment-method-name.js';
export { formatBytes, parseDuration, parseDataSize, parseMonths } from './plan-units.js';
export { isRateLimit } from './rate-limit.js';
export { normaliseMac } from './mac.js';
export { periodEnd, usagePeriodStart } from './plan-period.js';
export { subscribe, subscriptionOf, type Subscription } from './subscriptions.js';
export { accounts, customerBalance, trialBalance, post, accountBalance, type CustomerBalance } from './ledger.js';
export { creditNoteForRequest, issueInvoice, issueCreditNote, voidInvoice, findInvoice, listInvoices, settle, type Invoice, type InvoiceLine, type ChargeLine } from './invoices.js';
export { recordPayment, adjustWallet, type Payment, type PaymentInput } from './payments.js';
export { runBilling, renewalQuote, type BillingRunResult, type BillingRunOptions, type RenewalQuote } from './run.js';
export { saveTaxClass, findTaxClass, listTaxClasses } from './tax-classes.js';
export { lastStatusChangeAt, recordEvent, timelineOf, type TimelineEvent } from './timeline.js';
export { normalisePhone } from './phone.js';
export { billingJobFor, manualBillingJob, BILLING_RUN } from './schedule.js';
export { changePlan, previewPlanChange, type PlanChangePreview, type PlanChangeResult } from './plan-change.js';
export { renderInvoiceDocument } from './documents/load.js';
export { arrangeInstalments } from './instalments.js';
export { type Instalment } from './instalment-schedule.js';
export { addPromotion, listPromotions, type PromotionRow } from './promotions.js';
export { findCustomerById, findCustomerByAccountReference } from './customers.js';
export { recordSuspense, findPaymentByReference } from './payments.js';
export { renewOnPayment, chargePlanFromWallet, purchasePrice, type RenewOnPaymentResult } from './renew-on-payment.js';
export { notify } from './invoices.js';
export { factsOfCustomer, factsOfInvoice, factsOfReceipt, listRecipients, mainCurrency, type CustomerFacts, type InvoiceFacts, type ReceiptFacts, type Recipient, type RecipientFilter } from './notification-facts.js';
export { TextSetter, isolateLtr, type Line as LaidOutLine } from './documents/pdf-text.js';
export { addVoucherAccount, closeVoucherAccount } from './customers.js';
export { findPlanById } from './plans.js';
export { listCustomersPage, searchCustomers } from './customer-search.js';
export { editCustomer, type CustomerChanges } from './customer-edit.js';
export { customerHistory, type HistoryItem } from './customer-history.js';
export { listPlansPage, customersOnPlans, type PlanFilter } from './plan-list.js';
export { creditNotesOf, findPaymentByReceipt, invoiceById, invoiceTotals, listInvoicePage, listPaymentPage, moneyApplied, paymentMethods, paymentTotals, type AppliedMoney, type InvoiceFilter, type InvoiceRow, type PaymentFilter, type PaymentRow } from './invoice-list.js';
export { cancelScheduledPlanChange, pauseEndsAt, pausePolicy, pauseRefusal, pauseSubscription, pausesThisYear, resumeSubscription, type PausePolicy, type PauseRefusal } from './pause.js';
