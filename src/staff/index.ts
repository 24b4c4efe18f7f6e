// The staff domain's front door: accounts, sign-in with lockout, sessions, the role × action
// table, the audit log, and the record of tokens agents issued.
export { ensureFirstAdmin, addStaff, findStaff, listStaff, signIn, changePassword, unlockStaff, isLocked, normaliseStaffUsername, LOCK_AFTER, LOCK_MS, type StaffSummary, type SignInResult } from './accounts.js';
export { createSession, sessionFor, signOut, endSessions, csrfMatches, randomToken, SESSION_TTL_MS, type StaffMember, type StaffSession } from './sessions.js';
export { permissions, actions, roles, can, isRole, type Action, type StaffRole } from './permissions.js';
export { recordAgentSale, findAgentSale, findAgentSaleByKey, listAgentSales, type AgentSale, type AgentSaleInput } from './agent-sales.js';
export { recordAudit, auditTrail, searchAudit, type AuditEntry, type AuditSearch } from './audit.js';
export { listStaffAccounts, findStaffAccount, setStaffRole, setStaffDisabled, resetStaffPassword, setStaffEmail, type StaffAccount, type ManageResult } from './manage.js';
export { setStaffLanguage, type StaffLanguage } from './language.js';
export {
  pendingSignIn,
  cancelPendingSignIn,
  completeSignIn,
  sendSmsCode,
  secondFactorOf,
  turnOnTotp,
  turnOffTotp,
  setSmsSignIn,
  resetSecondFactor,
  isStaffPhone,
  PENDING_TTL_MS,
  SMS_CODE_TRIES,
  type PendingSignIn,
  type SecondFactorResult,
  type SmsCodeResult,
  type SecondFactorState,
} from './second-factor.js';
export { newTotpSecret, totpUri, checkTotp, totpCode, cleanCode } from './totp.js';
