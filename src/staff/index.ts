export { ensureFirstAdmin, verifyStaffPassword } from './accounts.js';
