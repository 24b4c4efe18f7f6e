// Operations data that belongs to no one domain: idempotency keys of forms (request_keys).
export { once, pruneRequestKeys, REQUEST_KEY_DAYS, type Once, type RequestKey } from './request-keys.js';
