export { ensureFirstAdmin } from './accounts.js';
export { recordAudit, auditTrail, type AuditEntry } from './audit.js';
