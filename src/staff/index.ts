export { ensureFirstAdmin } from './accounts.js';
