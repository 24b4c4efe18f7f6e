import type { MessageKey } from '../../i18n/index.js';
import { can, type Action, type StaffRole } from '../../staff/index.js';

/**
 * The staff menu, in the order it shows: each entry names the action its page needs, so a
 * member of staff sees only the screens their role may open (the routes check again).
 */
export const menu: ReadonlyArray<{ path: string; label: MessageKey; action: Action }> = [
  { path: '/dashboard', label: 'staff.nav.dashboard', action: 'dashboard.view' },
  { path: '/customers', label: 'staff.nav.customers', action: 'customers.view' },
  { path: '/why', label: 'staff.why.menu', action: 'customers.why' },
  { path: '/sessions', label: 'staff.nav.sessions', action: 'sessions.view' },
  { path: '/plans', label: 'staff.nav.plans', action: 'plans.view' },
  { path: '/routers', label: 'staff.nav.routers', action: 'routers.view' },
  { path: '/invoices', label: 'staff.nav.invoices', action: 'invoices.view' },
  { path: '/payments', label: 'staff.nav.payments', action: 'payments.view' },
  { path: '/vouchers', label: 'staff.nav.vouchers', action: 'vouchers.view' },
  { path: '/reports', label: 'staff.nav.reports', action: 'reports.view' },
  { path: '/tokens', label: 'staff.nav.tokens', action: 'tokens.issue' },
  { path: '/tickets', label: 'staff.nav.tickets', action: 'tickets.view' },
  { path: '/help-articles', label: 'staff.nav.helpArticles', action: 'tickets.view' },
  { path: '/jobs', label: 'staff.nav.jobs', action: 'jobs.view' },
  { path: '/equipment', label: 'staff.nav.equipment', action: 'equipment.view' },
  { path: '/messages', label: 'staff.nav.messages', action: 'messages.view' },
  { path: '/settings', label: 'staff.nav.settings', action: 'settings.manage' },
  { path: '/integrations', label: 'staff.nav.integrations', action: 'integrations.manage' },
  { path: '/users', label: 'staff.nav.users', action: 'staff.manage' },
  { path: '/audit', label: 'staff.nav.audit', action: 'audit.view' },
];

export function menuFor(role: StaffRole): Array<{ path: string; label: MessageKey }> {
  return menu.filter((entry) => can(role, entry.action));
}
