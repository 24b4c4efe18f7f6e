import type { StaffRole } from '../db/schema/staff.js';

export type { StaffRole };

export const roles = ['admin', 'billing_manager', 'support', 'technician', 'agent'] as const satisfies readonly StaffRole[];

/**
 * What a member of staff may do, by role: the one table every route and command asks (web
 * routes name their action; a route without one does not register). Add an action here first,
 * then the route that needs it; the exhaustive test walks every route with every role.
 */
export const permissions = {
  /** Sign out, change one's own password, see one's start page. */
  'account.self': ['admin', 'billing_manager', 'support', 'technician', 'agent'],
  /** Issue a WiFi token from the token page (cash, or the recipient's mobile money). */
  'tokens.issue': ['admin', 'billing_manager', 'agent'],
  /** One's own token sales and the cash one holds for the operator (float). */
  'tokens.view-own': ['admin', 'billing_manager', 'agent'],
  /** Add staff, change roles, unlock accounts. */
  'staff.manage': ['admin'],
  /** Find customers and see their page: details, balance, timeline, live sessions. */
  'customers.view': ['admin', 'billing_manager', 'support', 'technician'],
  /**
   * The "Why?" screen and its search: a customer's, voucher's or device's payments, logins
   * refused and why, sessions, CoA/Disconnect and SMS in one timeline. Apart from
   * customers.view because it also shows mobile-money attempts and devices nobody owns; the
   * fixes it offers each need their own action.
   */
  'customers.why': ['admin', 'billing_manager', 'support', 'technician'],
  /** Re-send a customer's or voucher's login details by SMS to the phone on the account (at most once a minute). */
  'customers.resend-login': ['admin', 'billing_manager', 'support'],
  /** Close an open session the router has gone silent on, so it stops holding a simultaneous-use place. */
  'sessions.close-stale': ['admin', 'support', 'technician'],
  /** Ask the payment provider about a pending payment now rather than at its next scheduled query. */
  'payments.query-now': ['admin', 'billing_manager', 'support'],
  /** Suspend, reactivate or close a customer's account, with a reason. */
  'customers.status': ['admin', 'billing_manager', 'support'],
  /** Disconnect a live session. */
  'sessions.disconnect': ['admin', 'support', 'technician'],
  /** See mobile-money attempts and the review queue (support: read only). */
  'payments.view': ['admin', 'billing_manager', 'support'],
  /** Approve or dismiss a flagged payment; record cash or bank money received. */
  'payments.review': ['admin', 'billing_manager'],
  'payments.record': ['admin', 'billing_manager'],
  /** The dashboard: sessions now, routers up/down, pending reviews (money figures need reports.view). */
  'dashboard.view': ['admin', 'billing_manager', 'support', 'technician'],
  /** Revenue and collection figures and charts. */
  'reports.view': ['admin', 'billing_manager'],
  /** Create a customer and edit their details, password and MAC binding. */
  'customers.edit': ['admin', 'billing_manager', 'support'],
  /** Move a customer to another plan (prorated charges or credits). */
  'customers.plan': ['admin', 'billing_manager'],
  /** Live sessions and session history. */
  'sessions.view': ['admin', 'support', 'technician'],
  /** Change a live session's speed now (CoA). */
  'sessions.speed': ['admin', 'support', 'technician'],
  /** See plans and the reply attributes a router would get. */
  'plans.view': ['admin', 'billing_manager', 'support', 'technician'],
  /** Create and edit plans, prices and FUP tiers. */
  'plans.edit': ['admin', 'billing_manager'],
  /** See routers (NAS), their Message-Authenticator mode and last packet. */
  'routers.view': ['admin', 'support', 'technician'],
  /** Add routers and change their settings or shared secret. */
  'routers.edit': ['admin', 'technician'],
  /** See invoices, credit notes and receipts. */
  'invoices.view': ['admin', 'billing_manager', 'support'],
  /** Issue a credit note or void an invoice. */
  'invoices.edit': ['admin', 'billing_manager'],
  /** See voucher batches and codes. */
  'vouchers.view': ['admin', 'billing_manager', 'support'],
  /** Create, print and revoke voucher batches. */
  'vouchers.manage': ['admin', 'billing_manager'],
  /** See the SMS outbox, templates and campaigns. */
  'messages.view': ['admin', 'billing_manager', 'support'],
  /** Send bulk SMS, edit templates, cancel queued messages. */
  'messages.send': ['admin', 'billing_manager'],
  /** Company, taxes, currency, time zone, payment and SMS providers. */
  'settings.manage': ['admin'],
  /** See support tickets and their conversation, internal notes included. */
  'tickets.view': ['admin', 'billing_manager', 'support', 'technician'],
  /** Open a ticket for a customer, reply, add internal notes, assign, change status or priority. */
  'tickets.reply': ['admin', 'billing_manager', 'support', 'technician'],
  /** Write, publish and order the help articles customers read (viewing them needs tickets.view). */
  'articles.edit': ['admin', 'billing_manager', 'support'],
  /** Search the audit log. */
  'audit.view': ['admin'],
  /** See the equipment inventory and where each item is. */
  'equipment.view': ['admin', 'billing_manager', 'support', 'technician'],
  /** Add equipment, change its status, assign it to a customer or a site. */
  'equipment.manage': ['admin', 'technician'],
  /** See installation and repair jobs, and the schedule. */
  'jobs.view': ['admin', 'billing_manager', 'support', 'technician'],
  /** Create, schedule and assign jobs; tick checklists and complete jobs. */
  'jobs.manage': ['admin', 'support', 'technician'],
  /** API tokens for other systems, and webhook endpoints. */
  'integrations.manage': ['admin'],
  /** Download everything held about one customer (a data-subject request). */
  'customers.export': ['admin', 'billing_manager', 'support'],
  /** Erase a closed customer's personal data, keeping the financial records. */
  'customers.erase': ['admin'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Action = keyof typeof permissions;

export const actions = Object.keys(permissions) as Action[];

export function can(role: StaffRole, action: Action): boolean {
  return (permissions[action] as readonly StaffRole[]).includes(role);
}

export function isRole(text: string): text is StaffRole {
  return (roles as readonly string[]).includes(text);
}
