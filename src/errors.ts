import { t, type Language, type MessageKey } from './i18n/index.js';

/**
 * The error catalogue: one code per thing that can go wrong for a person, with what they see.
 * RADIUS sends the text as Reply-Message, the CLI prints it and exits non-zero, the web renders
 * it with the HTTP status. Texts live in the i18n catalogue.
 */
export const errorCatalogue = {
  AAA_BAD_CREDENTIALS: { radius: 'reject', message: 'radius.badCredentials' },
  AAA_NO_CREDENTIALS: { radius: 'reject', message: 'radius.noCredentials' },
  AAA_ACCOUNT_SUSPENDED: { radius: 'reject', message: 'radius.accountSuspended' },
  AAA_ACCOUNT_TERMINATED: { radius: 'reject', message: 'radius.accountTerminated' },
  AAA_NO_PLAN: { radius: 'reject', message: 'radius.noPlan' },
  AAA_PLAN_EXPIRED: { radius: 'reject', message: 'radius.planExpired' },
  AAA_DATA_USED_UP: { radius: 'reject', message: 'radius.dataUsedUp' },
  AAA_TIME_USED_UP: { radius: 'reject', message: 'radius.timeUsedUp' },
  AAA_TOO_MANY_SESSIONS: { radius: 'reject', message: 'radius.tooManySessions' },
  AAA_WRONG_DEVICE: { radius: 'reject', message: 'radius.wrongDevice' },
  AAA_OUTSIDE_WINDOW: { radius: 'reject', message: 'radius.outsideWindow' },
  AAA_PLAN_PAUSED: { radius: 'reject', message: 'radius.planPaused' },
  AAA_OVERDUE: { radius: 'reject', message: 'radius.overdue' },
  AAA_VOUCHER_REVOKED: { radius: 'reject', message: 'radius.voucherRevoked' },
  AAA_VOUCHER_UNUSED_EXPIRED: { radius: 'reject', message: 'radius.voucherUnusedExpired' },
  AAA_VOUCHER_WRONG_PLACE: { radius: 'reject', message: 'radius.voucherWrongPlace' },
  AAA_TOO_MANY_ATTEMPTS: { radius: 'reject', message: 'radius.tooManyAttempts' },
  INPUT_UNKNOWN_PLAN: { status: 404, message: 'cli.unknownPlan' },
  INPUT_DUPLICATE_USERNAME: { status: 409, message: 'cli.duplicateUsername' },
  INPUT_DUPLICATE_NAS_NAME: { status: 409, message: 'cli.duplicateNasName' },
  INPUT_DUPLICATE_NAS_IP: { status: 409, message: 'cli.duplicateNasIp' },
  INPUT_DUPLICATE_PLAN_NAME: { status: 409, message: 'cli.duplicatePlanName' },
  INPUT_BAD_IP: { status: 400, message: 'cli.badIp' },
  INPUT_BAD_SECRET: { status: 400, message: 'cli.badSecret' },
  INPUT_BAD_PASSWORD: { status: 400, message: 'cli.badPassword' },
  INPUT_BAD_USERNAME: { status: 400, message: 'cli.badUsername' },
  INPUT_BAD_NAME: { status: 400, message: 'cli.badName' },
  INPUT_BAD_MONEY: { status: 400, message: 'cli.badMoney' },
  INPUT_BAD_CURRENCY: { status: 400, message: 'cli.badCurrency' },
  INPUT_BAD_DURATION: { status: 400, message: 'cli.badDuration' },
  INPUT_BAD_DATA_SIZE: { status: 400, message: 'cli.badDataSize' },
  INPUT_BAD_RATE: { status: 400, message: 'cli.badRate' },
  INPUT_BAD_CHOICE: { status: 400, message: 'cli.badChoice' },
  INPUT_BAD_VALIDITY: { status: 400, message: 'cli.badValidity' },
  INPUT_BAD_TIERS: { status: 400, message: 'cli.badTiers' },
  INPUT_BAD_WINDOW: { status: 400, message: 'cli.badWindow' },
  INPUT_BAD_COUNT: { status: 400, message: 'cli.badCount' },
  INPUT_BAD_ROUTER_NAME: { status: 400, message: 'cli.badRouterName' },
  INPUT_BAD_MAC: { status: 400, message: 'cli.badMac' },
  INPUT_DUPLICATE_MAC: { status: 409, message: 'cli.duplicateMac' },
  INPUT_UNKNOWN_CUSTOMER: { status: 404, message: 'cli.unknownCustomer' },
  INPUT_UNKNOWN_SESSION: { status: 404, message: 'cli.unknownSession' },
  INPUT_BAD_PHONE: { status: 400, message: 'billing.badPhone' },
  INPUT_BAD_EMAIL: { status: 400, message: 'billing.badEmail' },
  INPUT_NO_SUBSCRIPTION: { status: 409, message: 'billing.noSubscription' },
  INPUT_REASON_REQUIRED: { status: 400, message: 'billing.reasonRequired' },
  INPUT_CURRENCY_MISMATCH: { status: 400, message: 'billing.currencyMismatch' },
  INPUT_DUPLICATE_PAYMENT: { status: 409, message: 'billing.duplicatePayment' },
  INPUT_UNKNOWN_INVOICE: { status: 404, message: 'billing.unknownInvoice' },
  INPUT_CREDIT_TOO_LARGE: { status: 400, message: 'billing.creditTooLarge' },
  INPUT_UNKNOWN_TAX_CLASS: { status: 404, message: 'billing.unknownTaxClass' },
  INPUT_BAD_TAX: { status: 400, message: 'billing.badTax' },
  INPUT_BAD_SETTING: { status: 400, message: 'billing.badSetting' },
  INPUT_SAME_PLAN: { status: 409, message: 'billing.samePlan' },
  INPUT_WALLET_TOO_SMALL: { status: 409, message: 'billing.walletTooSmall' },
  INPUT_BAD_DISCOUNT: { status: 400, message: 'billing.badDiscount' },
  INPUT_CANNOT_VOID: { status: 409, message: 'billing.cannotVoid' },
  INPUT_UNKNOWN_TEMPLATE: { status: 404, message: 'sms.errors.unknownTemplate' },
  INPUT_BAD_PLACEHOLDER: { status: 400, message: 'sms.errors.unknownPlaceholder' },
  INPUT_BAD_MESSAGE: { status: 400, message: 'sms.errors.badBody' },
  INPUT_UNKNOWN_MESSAGE: { status: 404, message: 'sms.errors.unknownMessage' },
  INPUT_MESSAGE_NOT_QUEUED: { status: 409, message: 'sms.errors.notQueued' },
  INPUT_NO_RECIPIENTS: { status: 409, message: 'sms.errors.noRecipients' },
  HOTSPOT_BAD_PREFIX: { status: 400, message: 'hotspot.badPrefix' },
  HOTSPOT_CODES_TOO_SHORT: { status: 400, message: 'hotspot.codesTooShort' },
  HOTSPOT_POSTPAID_PLAN: { status: 400, message: 'hotspot.postpaidPlan' },
  HOTSPOT_UNKNOWN_VOUCHER: { status: 404, message: 'hotspot.unknownVoucher' },
  HOTSPOT_UNKNOWN_BATCH: { status: 404, message: 'hotspot.unknownBatch' },
  PAY_UNKNOWN_PROVIDER: { status: 404, message: 'payments.unknownProvider' },
  PAY_NOT_CONFIGURED: { status: 409, message: 'payments.notConfigured' },
  PAY_BAD_CONFIG: { status: 400, message: 'payments.badConfig' },
  PAY_NO_PUBLIC_URL: { status: 409, message: 'payments.noPublicUrl' },
  PAY_CURRENCY_NOT_TAKEN: { status: 400, message: 'payments.currencyNotTaken' },
  PAY_AMOUNT_STEP: { status: 400, message: 'payments.amountStep' },
  PAY_NO_PHONE: { status: 400, message: 'payments.noPhone' },
  PAY_NOTHING_DUE: { status: 409, message: 'payments.nothingDue' },
  PAY_UNKNOWN_ATTEMPT: { status: 404, message: 'payments.unknownAttempt' },
  PAY_NOT_FOR_REVIEW: { status: 409, message: 'payments.notForReview' },
  PAY_ALREADY_WAITING: { status: 409, message: 'payments.alreadyWaiting' },
  STAFF_BAD_USERNAME: { status: 400, message: 'staff.errors.badUsername' },
  STAFF_DUPLICATE_USERNAME: { status: 409, message: 'staff.errors.duplicateUsername' },
  STAFF_BAD_ROLE: { status: 400, message: 'staff.errors.badRole' },
  STAFF_WEAK_PASSWORD: { status: 400, message: 'staff.errors.weakPassword' },
  STAFF_WRONG_PASSWORD: { status: 403, message: 'staff.errors.wrongPassword' },
  STAFF_SAME_PASSWORD: { status: 400, message: 'staff.errors.samePassword' },
  STAFF_UNKNOWN: { status: 404, message: 'staff.errors.unknownStaff' },
  STAFF_NO_MOBILE_MONEY: { status: 409, message: 'staff.errors.noMobileMoney' },
  STAFF_PAYMENT_WAITING: { status: 409, message: 'staff.errors.paymentWaiting' },
  STAFF_LAST_ADMIN: { status: 409, message: 'staff.errors.lastAdmin' },
} as const satisfies Record<string, { radius: 'reject'; message: MessageKey } | { status: number; message: MessageKey }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** A failure a person caused and can fix; carries the values its message needs. */
export class LangoError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly values: Record<string, string | number> = {},
  ) {
    super(t(errorCatalogue[code].message, values));
  }
}

export function errorMessage(code: ErrorCode, language: Language = 'en', values: Record<string, string | number> = {}): string {
  return t(errorCatalogue[code].message, values, language);
}
