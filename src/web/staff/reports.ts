import type { FastifyInstance } from 'fastify';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { t } from '../../i18n/index.js';
import { defaultPeriod, monthsOf, parseMonth, type Months } from '../../reports/money.js';
import { one, text } from './ui.js';

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

/** The months a report's ?from=YYYY-MM&to=YYYY-MM ask for, or the last 12; 'bad' for a period that runs backwards or is too long. */
export function periodOfQuery(query: Record<string, unknown>, now: number, zone: string): Months | 'bad' {
  const fallback = defaultPeriod(now, zone);
  const from = one(query.from) || undefined;
  const to = one(query.to) || undefined;
  const period = { from: from === undefined ? fallback.from : parseMonth(from), to: to === undefined ? fallback.to : parseMonth(to) };
  if (period.from === undefined || period.to === undefined) return 'bad';
  return monthsOf({ from: period.from, to: period.to }, zone) ?? 'bad';
}

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
