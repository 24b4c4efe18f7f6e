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
export { parseDuration, parseDataSize, parseMonths } from './plan-units.js';
export { isRateLimit } from './rate-limit.js';
export { normaliseMac } from './mac.js';
export { periodEnd, usagePeriodStart } from './plan-period.js';
export { subscribe, subscriptionOf, type Subscription } from './subscriptions.js';
export { accounts, customerBalance, trialBalance, post, accountBalance, type CustomerBalance } from './ledger.js';
export { issueInvoice, issueCreditNote, voidInvoice, findInvoice, listInvoices, settle, type Invoice, type InvoiceLine, type ChargeLine } from './invoices.js';
export { recordPayment, adjustWallet, type Payment, type PaymentInput } from './payments.js';
export { runBilling, type BillingRunResult, type BillingRunOptions } from './run.js';
export { saveTaxClass, findTaxClass, listTaxClasses } from './tax-classes.js';
export { timelineOf, type TimelineEvent } from './timeline.js';
export { normalisePhone } from './phone.js';
export { billingJobFor, manualBillingJob, BILLING_RUN } from './schedule.js';
export { changePlan, type PlanChangeResult } from './plan-change.js';
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
export { searchCustomers } from './customer-search.js';
