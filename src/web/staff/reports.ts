import type { FastifyInstance } from 'fastify';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { t } from '../../i18n/index.js';
import { text } from './ui.js';

// The reports index: every report's page, grouped; each report module (reports-money.ts,
// reports-usage.ts) registers its own pages and their CSV downloads under /reports/.

/** The report pages, in the order they are listed. */
export const reportPages = {
  money: [
    { path: '/reports/revenue', label: 'staff.reports.revenue' },
    { path: '/reports/collection', label: 'staff.reports.collection' },
    { path: '/reports/aging', label: 'staff.reports.aging' },
    { path: '/reports/customers', label: 'staff.reports.customers' },
    { path: '/reports/arpu', label: 'staff.reports.arpu' },
    { path: '/reports/vouchers', label: 'staff.reports.vouchers' },
  ],
  usage: [
    { path: '/reports/top-users', label: 'staff.reports.topUsers' },
    { path: '/reports/usage', label: 'staff.reports.usagePerRouter' },
    { path: '/reports/network', label: 'staff.reports.network' },
  ],
} as const;

export function registerReportIndexRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { prefix } = screens;
  app.get('/reports', { config: { staffAction: 'reports.view' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const list = (items: ReadonlyArray<{ path: string; label: Parameters<typeof text>[0] }>) =>
      `<ul class="links">${items.map((i) => `<li><a href="${prefix}${i.path}">${text(i.label, l)}</a></li>`).join('')}</ul>`;
    const body = `<p>${text('staff.reports.intro', l)}</p>
<h2>${text('staff.reports.money', l)}</h2>${list(reportPages.money)}
<h2>${text('staff.reports.usage', l)}</h2>${list(reportPages.usage)}`;
    return screens.html(reply, 200, renderFrame({ title: t('staff.reports.heading', {}, l), signedIn: screens.signedIn(screens.sessionOf(request)), language: l, prefix, current: '/reports', body }));
  });
}
