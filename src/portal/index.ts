// The customer self-service portal's domain: portal passwords, sign-in codes by SMS, sessions,
// and what the home page shows. The web edge is src/web/portal/.
export { findPortalAccount, hashPassword, PASSWORD_MAX, PASSWORD_MIN, setPortalPassword, signInWithPassword, type PortalAccount, type SignInResult } from './accounts.js';
export { checkCode, CODE_TRIES, CODE_TTL_MS, requestCode, RESEND_MS, type CodeRequest, type CodeResult } from './codes.js';
export { portalHome, SESSIONS_SHOWN, type PortalHome } from './home.js';
export { setPortalLanguage } from './language.js';
export { customerDailyUsage, USAGE_DAYS_SHOWN, type UsageDay } from './usage.js';
export { LOCK_AFTER, LOCK_MS, lockedUntil as portalLockedUntil, unlockPortal } from './lockout.js';
export { endSessions, randomToken, sameToken, SESSION_TTL_MS, sessionFor, signOut, type PortalSession } from './sessions.js';
export { HISTORY_PAGE, invoiceHistory, ownDocument, ownOpenInvoice, parseTopUp, payChoices, receiptHistory, receiptOfAttempt, roundUpToStep, TOP_UP_MAX_MAJOR, type HistoryPage, type PayChoices, type TopUpAmount } from './payments.js';
export { cancelPortalChange, confirmPortalChange, customerActor, isWhen, pausePortalLine, portalPlan, PREVIEW_VALID_MS, previewPortalChange, resumePortalLine, setPortalDevice, type ConfirmOutcome, type PlanChoice, type PortalPlanView, type PortalPreview, type When } from './plan.js';
