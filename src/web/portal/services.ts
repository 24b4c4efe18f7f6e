/**
 * What the portal's pages use beyond the database, handed in by main.ts; each may be absent
 * (tests, a bare plugin), and the page that needs it says so plainly instead of failing.
 * Page modules add their own field here (pay: the payment providers).
 */
export interface PortalServices {}
