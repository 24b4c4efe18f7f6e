import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { csvLine } from '../../operations/index.js';
import { defaultPeriod, MAX_MONTHS, type Months } from '../../reports/money.js';
import { networkReport, topUsers, usageByPlan, usageByRouter, type Step } from '../../reports/usage.js';
import { getSetting } from '../../settings/index.js';
import { renderFrame } from './pages.js';
import { periodOfQuery } from './reports.js';
import type { StaffScreens } from './screens.js';
import { escapeHtml, flash, formatBytes, formatTime, ltr, numberLocale, one, table, text } from './ui.js';

// Usage reports under /reports/: top data users, usage per router and plan, network load per
// router, each with its CSV at the same path plus .csv and the same query (bytes as plain
// integers there). Top users and usage take ?from=YYYY-MM&to=YYYY-MM (default: the last 12
// months), like the money reports; network takes ?days=N&step=hour|day.

type ReportName = 'top-users' | 'usage' | 'network';
type Cell = string | number | null;

interface Built {
  body: string;
  csv: Cell[][];
}

/** How many customers the top-users report lists (page and CSV alike). */
const TOP = 100;
/** Network periods offered: 5-minute samples over longer than a quarter are the usage report's job (per month). */
const NETWORK_DAYS = [1, 2, 7, 14, 31, 90] as const;

export function registerUsageReportRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix, zone } = screens;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(t(`staff.reportsUsage.${key}` as MessageKey, values, l));
  const count = (n: number, l: Language) => escapeHtml(new Intl.NumberFormat(numberLocale(l)).format(n));
  const bytes = (n: number) => ltr(formatBytes(n));
  const routerName = (name: string | null, id: number, l: Language) => (name === null ? m('removed', l, { id }) : ltr(name));
  const planName = (name: string | null, l: Language) => (name === null ? m('noPlan', l) : escapeHtml(name));
  const nothing = (l: Language) => `<p>${m('nothing', l)}</p>`;
  const h2 = (key: string, l: Language) => `<h2>${m(key, l)}</h2>`;

  const monthly = {
    'top-users': (l: Language, months: Months, now: number): Built => {
      const users = topUsers(db, { months, now, zone, limit: TOP });
      const body = users.length === 0 ? nothing(l) : table('top-users', [m('topUsers.rank', l), m('topUsers.customer', l), m('topUsers.name', l), m('plan', l), m('down', l), m('up', l), m('total', l)], users.map((u, i) => [
        count(i + 1, l), `<a href="${prefix}/customers/${encodeURIComponent(u.username)}">${ltr(u.username)}</a>`, escapeHtml(u.fullName ?? ''), planName(u.plan, l), bytes(u.down), bytes(u.up), bytes(u.down + u.up),
      ]));
      return {
        body,
        csv: [['rank', 'username', 'full_name', 'plan', 'bytes_down', 'bytes_up', 'bytes_total'], ...users.map((u, i) => [i + 1, u.username, u.fullName, u.plan, u.down, u.up, u.down + u.up])],
      };
    },
    usage: (l: Language, months: Months, now: number): Built => {
      const routers = usageByRouter(db, { months });
      const plans = usageByPlan(db, { months, now, zone });
      const totals = new Map<number, { router: string | null; down: number; up: number }>();
      for (const r of routers) {
        const sum = totals.get(r.nasId) ?? { router: r.router, down: 0, up: 0 };
        sum.down += r.down;
        sum.up += r.up;
        totals.set(r.nasId, sum);
      }
      const parts = [h2('usage.routerTotals', l)];
      parts.push(totals.size === 0 ? nothing(l) : table('router-totals', [m('router', l), m('down', l), m('up', l), m('total', l)], [...totals].sort((a, b) => b[1].down + b[1].up - (a[1].down + a[1].up)).map(([id, s]) => [routerName(s.router, id, l), bytes(s.down), bytes(s.up), bytes(s.down + s.up)])));
      parts.push(h2('usage.byRouter', l));
      parts.push(routers.length === 0 ? nothing(l) : table('router-months', [m('month', l), m('router', l), m('down', l), m('up', l), m('total', l)], routers.map((r) => [ltr(r.month), routerName(r.router, r.nasId, l), bytes(r.down), bytes(r.up), bytes(r.down + r.up)])));
      parts.push(h2('usage.byPlan', l));
      parts.push(plans.length === 0 ? nothing(l) : table('plan-months', [m('month', l), m('plan', l), m('usage.peak', l), m('down', l), m('up', l), m('total', l)], plans.map((p) => [ltr(p.month), planName(p.plan, l), count(p.peakCustomers, l), bytes(p.down), bytes(p.up), bytes(p.down + p.up)])));
      return {
        body: parts.join(''),
        csv: [
          ['section', 'month', 'router_or_plan', 'peak_customers', 'bytes_down', 'bytes_up'],
          ...routers.map((r) => ['router', r.month, r.router ?? `#${r.nasId}`, null, r.down, r.up]),
          ...plans.map((p) => ['plan', p.month, p.plan, p.peakCustomers, p.down, p.up]),
        ],
      };
    },
  } as const;

  const periodOf = (query: Record<string, unknown>, now: number) => periodOfQuery(query, now, zone);

  /** ?days= (one of NETWORK_DAYS, default 7) and ?step= (default: hours up to a week, days beyond). */
  const networkOf = (query: Record<string, unknown>, now: number) => {
    const asked = Number(one(query.days));
    const days = (NETWORK_DAYS as readonly number[]).includes(asked) ? asked : 7;
    const stepAsked = one(query.step);
    // Hours over more than two weeks would be thousands of rows: days then.
    const step: Step = days > 14 ? 'day' : stepAsked === 'hour' || stepAsked === 'day' ? stepAsked : days <= 7 ? 'hour' : 'day';
    const from = DateTime.fromMillis(now, { zone }).startOf('day').minus({ days: days - 1 }).toMillis();
    return { days, step, from, to: now + 1 };
  };

  const network = (l: Language, query: Record<string, unknown>, now: number): Built & { picker: string; stamp: string } => {
    const n = networkOf(query, now);
    const report = networkReport(db, { from: n.from, to: n.to, step: n.step, zone });
    const when = (start: number) => ltr(n.step === 'day' ? DateTime.fromMillis(start, { zone }).toISODate()! : formatTime(start, zone));
    const parts = [h2('network.sessions', l)];
    parts.push(report.load.length === 0
      ? `<p>${m('network.noSamples', l, { minutes: getSetting(db, 'reports.sampleMinutes') })}</p>`
      : table('network-load', [m('network.time', l), m('router', l), m('network.peak', l), m('network.average', l)], report.load.map((p) => [when(p.start), routerName(p.router, p.nasId, l), count(p.peak, l), count(p.average, l)])));
    parts.push(h2('network.traffic', l));
    parts.push(report.traffic.length === 0 ? nothing(l) : table('network-traffic', [m('network.day', l), m('router', l), m('down', l), m('up', l), m('total', l)], report.traffic.map((d) => [ltr(d.day), routerName(d.router, d.nasId, l), bytes(d.down), bytes(d.up), bytes(d.down + d.up)])));
    const option = (value: string, label: string, selected: boolean) => `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const picker =
      `<form method="get" action="${prefix}/reports/network" class="filters" aria-label="${m('period', l)}">` +
      `<div><label for="f-days">${m('network.days', l)}</label><select id="f-days" name="days">${NETWORK_DAYS.map((d) => option(String(d), d === 1 ? t('staff.reportsUsage.network.today', {}, l) : t('staff.reportsUsage.network.lastDays', { days: d }, l), d === n.days)).join('')}</select></div>` +
      `<div><label for="f-step">${m('network.step', l)}</label><select id="f-step" name="step">${(['hour', 'day'] as const).map((s) => option(s, t(`staff.reportsUsage.network.${s}`, {}, l), s === n.step)).join('')}</select></div>` +
      `<button type="submit">${m('show', l)}</button></form>`;
    return {
      body: parts.join(''),
      picker,
      stamp: `${n.days}d-${n.step}`,
      csv: [
        ['section', 'time', 'router', 'peak_open_sessions', 'average_open_sessions', 'bytes_down', 'bytes_up'],
        ...report.load.map((p) => ['sessions', DateTime.fromMillis(p.start, { zone }).toISO(), p.router ?? `#${p.nasId}`, p.peak, p.average, null, null]),
        ...report.traffic.map((d) => ['traffic', d.day, d.router ?? `#${d.nasId}`, null, null, d.down, d.up]),
      ],
    };
  };

  const headingKey = { 'top-users': 'topUsers', usage: 'usage', network: 'network' } as const;
  for (const name of ['top-users', 'usage', 'network'] as const satisfies readonly ReportName[]) {
    const path = `/reports/${name}`;
    const key = headingKey[name];
    const page = (request: FastifyRequest, reply: FastifyReply, status: number, l: Language, body: string) =>
      screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(screens.sessionOf(request)), title: t(`staff.reportsUsage.${key}.heading`, {}, l), current: '/reports', body }));
    const help = (l: Language) => `<p><a href="${prefix}/reports">${m('back', l)}</a></p><p class="hint">${m(`${key}.help`, l, { count: TOP })}</p>`;
    const send = (reply: FastifyReply, file: string, rows: Cell[][]) =>
      reply
        .code(200)
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${file}.csv"`)
        .header('cache-control', 'no-store')
        .send(rows.map(csvLine).join(''));

    app.get(path, { config: { staffAction: 'reports.view' } }, async (request, reply) => {
      const l = screens.languageOf(request);
      const query = (request.query ?? {}) as Record<string, unknown>;
      const now = screens.now();
      if (name === 'network') {
        const built = network(l, query, now);
        const csvQuery = new URLSearchParams({ days: String(networkOf(query, now).days), step: networkOf(query, now).step });
        return page(request, reply, 200, l, `${help(l)}${built.picker}${built.body}<p><a href="${prefix}${path}.csv?${escapeHtml(csvQuery.toString())}" download>${m('csv', l)}</a></p>`);
      }
      const months = periodOf(query, now);
      const shown = months === 'bad' ? defaultPeriod(now, zone) : { from: months.names[0]!, to: months.names.at(-1)! };
      const picker =
        `<form method="get" action="${prefix}${path}" class="filters" aria-label="${m('period', l)}">` +
        `<div><label for="f-from">${m('from', l)}</label><input id="f-from" name="from" type="month" class="ltr" value="${escapeHtml(months === 'bad' ? one(query.from) ?? '' : shown.from)}"></div>` +
        `<div><label for="f-to">${m('to', l)}</label><input id="f-to" name="to" type="month" class="ltr" value="${escapeHtml(months === 'bad' ? one(query.to) ?? '' : shown.to)}"></div>` +
        `<button type="submit">${m('show', l)}</button></form>`;
      if (months === 'bad') return page(request, reply, 400, l, help(l) + picker + flash({ error: t('staff.reportsUsage.badPeriod', { max: MAX_MONTHS }, l) }));
      const built = monthly[name](l, months, now);
      const csvQuery = new URLSearchParams({ from: shown.from, to: shown.to });
      return page(request, reply, 200, l, `${help(l)}${picker}${built.body}<p><a href="${prefix}${path}.csv?${escapeHtml(csvQuery.toString())}" download>${m('csv', l)}</a></p>`);
    });

    app.get(`${path}.csv`, { config: { staffAction: 'reports.view' } }, async (request, reply) => {
      const l = screens.languageOf(request);
      const query = (request.query ?? {}) as Record<string, unknown>;
      const now = screens.now();
      if (name === 'network') {
        const built = network(l, query, now);
        return send(reply, `network-${built.stamp}`, built.csv);
      }
      const months = periodOf(query, now);
      if (months === 'bad') return screens.message(request, reply, 400, t('staff.reportsUsage.badPeriod', { max: MAX_MONTHS }, l));
      return send(reply, `${name}-${months.names[0]}_${months.names.at(-1)}`, monthly[name](l, months, now).csv);
    });
  }
}
