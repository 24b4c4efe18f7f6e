// Moved to src/web/cookies.ts, shared with the customer portal.
export { cookieHeader, readCookies, type CookieOptions } from '../cookies.js';
