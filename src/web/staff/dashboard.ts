import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { countOpenSessions, dailyActivity, lastAccountingByNas } from '../../aaa/session-stats.js';
import { listNas } from '../../aaa/nas.js';
import { formatMoney, minorDigits } from '../../billing/index.js';
import { overdueSummary, revenueReport, type RevenueReport } from '../../billing/revenue-report.js';
import type { Currency } from '../../db/schema/billing.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { countAwaitingReview } from '../../payments/review-count.js';
import { can } from '../../staff/index.js';
import { staffAsset } from './assets.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { escapeHtml, formatBytes, ltr, numberLocale, table, text } from './ui.js';

// Issue 7's dashboard: what an operator checks first thing — sessions now, money in, payments
// waiting for a person, who is behind on paying, routers that went quiet — and three charts.
// The figures are in the page twice: as JSON for web/staff/dashboard.js to draw with uPlot, and
// as plain tables that work without script and for screen readers. Money only for roles with
// reports.view.

/** A router that sent nothing for this long is shown as down. */
const QUIET_MS = 10 * 60_000;
/** The revenue chart reads 12 months of payments (about 0.1 s for 100 000 customers): kept this long per process. */
const REVENUE_TTL_MS = 5 * 60_000;

interface ChartSeries {
  label: string;
  values: number[];
  /** How the script writes the values on the axis. */
  unit: 'count' | 'bytes' | 'money';
  currency?: Currency;
}

interface ChartData {
  id: string;
  kind: 'bars' | 'lines';
  labels: string[];
  series: ChartSeries[];
}

export function registerDashboardRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix, zone } = screens;
  let revenueChart: { at: number; day: string; revenue: RevenueReport } | undefined;

  /**
   * The 12-month revenue, at most REVENUE_TTL_MS old and of today (the cards, and the chart's
   * current month, are always fresh). The 30-day activity is read on every visit: about 30 rows
   * of the accounting writer's daily roll-up.
   */
  const chartFigures = (now: number, money: boolean) => {
    const day = DateTime.fromMillis(now, { zone }).toISODate()!;
    if (money && (!revenueChart || revenueChart.day !== day || now - revenueChart.at >= REVENUE_TTL_MS || now < revenueChart.at)) {
      revenueChart = { at: now, day, revenue: revenueReport(db, { now, zone }) };
    }
    return { revenue: money ? revenueChart!.revenue : undefined, activity: dailyActivity(db, { now, zone }) };
  };

  app.get('/dashboard', { config: { staffAction: 'dashboard.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const role = session.staff.role;
    const now = screens.now();
    const money = can(role, 'reports.view');
    const count = (n: number) => new Intl.NumberFormat(numberLocale(l)).format(n);
    const cash = (minor: number, currency: Currency) => formatMoney(minor, currency, numberLocale(l));

    const cards: string[] = [];
    const card = (id: string, label: MessageKey, value: string, extra = '') =>
      cards.push(`<div class="card" id="${id}"><span>${text(label, l)}</span><b>${value}</b>${extra}</div>`);

    card('active-sessions', 'staff.dashboard.activeSessions', escapeHtml(count(countOpenSessions(db))), can(role, 'sessions.view') ? link(`${prefix}/sessions`, text('staff.nav.sessions', l)) : '');

    // This month, today included: one small range of payments, read on every visit.
    const current = money ? revenueReport(db, { now, zone, months: 1 }) : undefined;
    if (current) {
      const amounts = (pick: (c: RevenueReport['currencies'][number]) => number) =>
        current.currencies.length === 0 ? text('staff.dashboard.noRevenue', l) : current.currencies.map((c) => ltr(cash(pick(c), c.currency))).join('<br>');
      card('revenue-today', 'staff.dashboard.revenueToday', amounts((c) => c.today));
      card('revenue-month', 'staff.dashboard.revenueMonth', amounts((c) => c.thisMonth));
    }

    const waiting = countAwaitingReview(db);
    card('pending-review', 'staff.dashboard.pendingReview', escapeHtml(count(waiting)), can(role, 'payments.view') ? link(`${prefix}/payments`, text('staff.dashboard.pendingReviewLink', l)) : '');

    if (money) {
      const overdue = overdueSummary(db);
      const detail = `<p class="hint">${text('staff.dashboard.overdueDetail', l, { invoices: count(overdue.invoices), suspended: count(overdue.suspended) })}</p>`;
      card('overdue', 'staff.dashboard.overdue', escapeHtml(count(overdue.accounts)), detail + (can(role, 'invoices.view') ? link(`${prefix}/invoices?status=overdue`, text('staff.dashboard.overdueLink', l)) : ''));
    }

    const routers = listNas(db);
    const packets = screens.services.lastPacketAt?.();
    // The sessions table is asked only about routers the daemon has not heard from lately (just
    // after a restart, or quiet ones): it reads each open session of those.
    const unheard = routers.filter((r) => (packets?.get(r.id) ?? 0) < now - QUIET_MS).map((r) => r.id);
    const heard = lastAccountingByNas(db, now - QUIET_MS, unheard);
    for (const [id, at] of packets ?? []) heard.set(id, Math.max(at, heard.get(id) ?? 0));
    const down = routers.filter((r) => (heard.get(r.id) ?? 0) < now - QUIET_MS);
    const routersExtra =
      (down.length > 0 ? `<p class="warn" id="routers-down">${text('staff.dashboard.routersDown', l, { names: down.slice(0, 10).map((r) => r.name).join(', ') + (down.length > 10 ? ', …' : '') })}</p>` : '') +
      (packets ? '' : `<p class="hint">${text('staff.dashboard.routersBasis', l)}</p>`) +
      (can(role, 'routers.view') ? link(`${prefix}/routers`, text('staff.dashboard.routersLink', l)) : '');
    card(
      'routers',
      'staff.dashboard.routers',
      routers.length === 0 ? text('staff.dashboard.routersNone', l) : escapeHtml(t('staff.dashboard.routersOf', { up: count(routers.length - down.length), total: count(routers.length) }, l)),
      routers.length === 0 ? '' : routersExtra,
    );

    // The charts.
    const { revenue, activity } = chartFigures(now, money);
    const data: ChartData[] = [];
    const sections: string[] = [];
    const details = (id: string, head: string[], rows: string[][], caption: string) => `<details><summary>${text('staff.dashboard.chartTable', l)}</summary>${table(id, head, rows, caption)}</details>`;
    const section = (id: string, title: string, body: string) => `<section class="dashboard-chart" data-chart="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${escapeHtml(title)}</h2>${body}</section>`;

    if (revenue && current) {
      const monthLabel = (ms: number) => DateTime.fromMillis(ms, { zone }).setLocale(numberLocale(l)).toFormat('MMM yyyy');
      const title = t('staff.dashboard.revenueChart', {}, l);
      if (revenue.currencies.length === 0 && current.currencies.length === 0) {
        sections.push(section('revenue', title, `<p>${text('staff.dashboard.revenueNone', l)}</p>`));
      }
      const currencies = new Set([...revenue.currencies, ...current.currencies].map((c) => c.currency));
      for (const currency of [...currencies].sort()) {
        const perMonth = [...(revenue.currencies.find((c) => c.currency === currency)?.perMonth ?? revenue.months.map(() => 0))];
        // The cards are read now; the cached chart's last month is brought up to them.
        perMonth[perMonth.length - 1] = current.currencies.find((c) => c.currency === currency)?.thisMonth ?? 0;
        const id = `revenue-${currency}`;
        const scale = 10 ** minorDigits(currency);
        data.push({ id, kind: 'bars', labels: revenue.months.map(monthLabel), series: [{ label: currency, values: perMonth.map((m) => m / scale), unit: 'money', currency }] });
        const rows = revenue.months.map((m, i) => [escapeHtml(monthLabel(m)), ltr(cash(perMonth[i]!, currency))]);
        sections.push(section(id, currencies.size > 1 ? `${title} (${currency})` : title, details(`${id}-table`, [text('staff.dashboard.month', l), escapeHtml(currency)], rows, title)));
      }
    }

    const dayLabel = (ms: number) => DateTime.fromMillis(ms, { zone }).setLocale(numberLocale(l)).toFormat('d MMM');
    const dayCell = (ms: number) => ltr(DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd'));
    const usersTitle = t('staff.dashboard.usersChart', {}, l);
    data.push({ id: 'users', kind: 'bars', labels: activity.days.map(dayLabel), series: [{ label: t('staff.dashboard.users', {}, l), values: activity.activeUsers, unit: 'count' }] });
    sections.push(section('users', usersTitle, details('users-table', [text('staff.dashboard.day', l), text('staff.dashboard.users', l)], activity.days.map((d, i) => [dayCell(d), escapeHtml(count(activity.activeUsers[i]!))]), usersTitle)));

    const trafficTitle = t('staff.dashboard.trafficChart', {}, l);
    data.push({
      id: 'traffic',
      kind: 'lines',
      labels: activity.days.map(dayLabel),
      series: [
        { label: t('staff.dashboard.down', {}, l), values: activity.bytesDown, unit: 'bytes' },
        { label: t('staff.dashboard.up', {}, l), values: activity.bytesUp, unit: 'bytes' },
      ],
    });
    sections.push(
      section(
        'traffic',
        trafficTitle,
        details('traffic-table', [text('staff.dashboard.day', l), text('staff.dashboard.down', l), text('staff.dashboard.up', l)], activity.days.map((d, i) => [dayCell(d), ltr(formatBytes(activity.bytesDown[i]!)), ltr(formatBytes(activity.bytesUp[i]!))]), trafficTitle),
      ),
    );

    // Data, not code: the CSP's script-src does not apply to a JSON block the browser never runs.
    const json = JSON.stringify({ lang: l, charts: data }).replace(/</g, '\\u003c');
    const head =
      `<link rel="stylesheet" href="${staffAsset(prefix, 'uPlot.min.css')}">` +
      `<script src="${staffAsset(prefix, 'uPlot.iife.min.js')}" defer></script>` +
      `<script src="${staffAsset(prefix, 'dashboard.js')}" defer></script>`;
    const body =
      `<h2 class="visually-hidden">${text('staff.dashboard.figures', l)}</h2><div class="cards">${cards.join('')}</div>` +
      sections.join('') +
      `<p class="hint">${text('staff.dashboard.fresh', l)}</p>` +
      `<script type="application/json" id="chart-data">${json}</script>`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: t('staff.dashboard.heading', {}, l), current: '/dashboard', head, body }));
  });
}

const link = (href: string, label: string) => `<a href="${escapeHtml(href)}">${label}</a>`;

