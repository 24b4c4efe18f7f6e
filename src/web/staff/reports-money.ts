import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { formatMoney, paymentMethodName } from '../../billing/index.js';
import type { Currency } from '../../db/schema/billing.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import {
  agingBuckets, agingCsv, agingReport, arpuCsv, arpuReport, collectionCsv, collectionReport, COHORT_MONTHS, customersCsv, customersReport, defaultPeriod,
  MAX_MONTHS, parseMonth, revenueBreakdown, revenueCsv, toCsv, voucherSalesCsv, voucherSalesReport, type CsvCell, type Months,
} from '../../reports/money.js';
import { renderFrame } from './pages.js';
import { periodOfQuery } from './reports.js';
import type { StaffScreens } from './screens.js';
import { escapeHtml, flash, formatTime, ltr, numberLocale, one, table } from './ui.js';

// Money reports under /reports/: revenue, collection, ageing, customers (cohorts), ARPU, voucher sales, each with CSV.
// Every page takes ?from=YYYY-MM&to=YYYY-MM (default: the last 12 months in the operator's zone);
// its CSV is the same path with .csv and the same query, with the same figures.

type ReportName = 'revenue' | 'collection' | 'aging' | 'customers' | 'arpu' | 'vouchers';

interface Built {
  body: string;
  csv: CsvCell[][];
}

interface Context {
  l: Language;
  months: Months;
  query: Record<string, unknown>;
  now: number;
}

export function registerMoneyReportRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix, zone } = screens;
  const m = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(t(`staff.reportsMoney.${key}` as MessageKey, values, l));
  const cash = (minor: number, currency: Currency, l: Language) => ltr(formatMoney(minor, currency, numberLocale(l)));
  const count = (n: number, l: Language) => escapeHtml(new Intl.NumberFormat(numberLocale(l)).format(n));
  const percent = (rate: number | null, l: Language) => (rate === null ? '—' : escapeHtml(new Intl.NumberFormat(numberLocale(l), { style: 'percent', maximumFractionDigits: 1 }).format(rate)));
  const nothing = (l: Language) => `<p>${m('nothing', l)}</p>`;
  const h2 = (key: string, l: Language, values: Record<string, unknown> = {}) => `<h2>${m(key, l, values)}</h2>`;

  const builders: Record<ReportName, (c: Context) => Built> = {
    revenue: ({ l, months, query }) => {
      const r = revenueBreakdown(db, { months, zone, dayMonth: parseMonth(one(query.day)) });
      const parts = [h2('revenue.byMonth', l)];
      parts.push(
        r.byMonth.length === 0
          ? nothing(l)
          : table('revenue-months', [m('month', l), ...r.byMonth.map((c) => escapeHtml(c.currency))], [...r.months.map((name, i) => [ltr(name), ...r.byMonth.map((c) => cash(c.perMonth[i]!, c.currency, l))]), [m('total', l), ...r.byMonth.map((c) => cash(c.total, c.currency, l))]]),
      );
      const choose = `<form method="get" class="filters"><input type="hidden" name="from" value="${escapeHtml(r.months[0]!)}"><input type="hidden" name="to" value="${escapeHtml(r.months.at(-1)!)}"><div><label for="f-day">${m('revenue.dayMonth', l)}</label><select id="f-day" name="day">${r.months.map((name) => `<option${name === r.days.month ? ' selected' : ''}>${escapeHtml(name)}</option>`).join('')}</select></div><button type="submit">${m('show', l)}</button></form>`;
      parts.push(h2('revenue.byDay', l, { month: r.days.month }), choose);
      parts.push(r.days.currencies.length === 0 ? nothing(l) : table('revenue-days', [m('day', l), ...r.days.currencies.map((c) => escapeHtml(c.currency))], r.days.names.map((d, i) => [ltr(d), ...r.days.currencies.map((c) => cash(c.perDay[i]!, c.currency, l))])));
      parts.push(h2('revenue.byMethod', l));
      parts.push(r.byMethod.length === 0 ? nothing(l) : table('revenue-methods', [m('revenue.method', l), m('currency', l), m('revenue.payments', l), m('amount', l)], r.byMethod.map((x) => [escapeHtml(paymentMethodName(x.method, l)), escapeHtml(x.currency), count(x.payments, l), cash(x.minor, x.currency, l)])));
      parts.push(h2('revenue.byPlan', l));
      parts.push(r.byPlan.length === 0 ? nothing(l) : table('revenue-plans', [m('revenue.plan', l), m('currency', l), m('invoices', l), m('amount', l)], r.byPlan.map((x) => [x.plan === null ? m('revenue.otherPlan', l) : escapeHtml(x.plan), escapeHtml(x.currency), count(x.invoices, l), cash(x.netMinor, x.currency, l)])));
      return { body: parts.join(''), csv: revenueCsv(r) };
    },
    collection: ({ l, months }) => {
      const r = collectionReport(db, { months, zone });
      const body = r.currencies.length === 0 ? nothing(l) : r.currencies
        .map((c) => `<h2>${escapeHtml(c.currency)}</h2>` + table(`collection-${c.currency}`, [m('month', l), m('collection.billed', l), m('collection.collected', l), m('collection.rate', l)], [
          ...r.months.map((name, i) => [ltr(name), cash(c.rows[i]!.billed, c.currency, l), cash(c.rows[i]!.collected, c.currency, l), percent(c.rows[i]!.rate, l)]),
          [m('total', l), cash(c.billed, c.currency, l), cash(c.collected, c.currency, l), percent(c.rate, l)],
        ]))
        .join('');
      return { body, csv: collectionCsv(r) };
    },
    aging: ({ l, now }) => {
      const r = agingReport(db, { asOf: now });
      const parts = [`<p>${m('aging.asOf', l, { time: formatTime(now, zone) })}</p>`];
      if (r.currencies.length === 0) parts.push(`<p>${m('aging.none', l)}</p>`);
      for (const c of r.currencies) {
        parts.push(`<h2>${escapeHtml(c.currency)}</h2>`, table(`aging-${c.currency}`, [m('aging.bucket', l), m('invoices', l), m('amount', l)], [
          ...agingBuckets.map((b) => [m(`aging.buckets.${b}`, l), count(c.buckets[b].invoices, l), cash(c.buckets[b].minor, c.currency, l)]),
          [m('total', l), count(agingBuckets.reduce((a, b) => a + c.buckets[b].invoices, 0), l), cash(c.total, c.currency, l)],
        ]));
      }
      if (r.debtors.length > 0) {
        parts.push(h2('aging.debtors', l), table('aging-debtors', [m('aging.account', l), m('currency', l), m('invoices', l), m('amount', l), m('aging.oldestDue', l)], r.debtors.map((d) => [
          `<a href="${prefix}/customers/${encodeURIComponent(d.username)}">${ltr(d.username)}</a>`, escapeHtml(d.currency), count(d.invoices, l), cash(d.minor, d.currency, l), ltr(formatTime(d.oldestDueAt, zone)),
        ])));
      }
      return { body: parts.join(''), csv: agingCsv(r) };
    },
    customers: ({ l, months, now }) => {
      const r = customersReport(db, { months, zone, now });
      const body =
        table('customers-months', [m('month', l), m('customers.joined', l), m('customers.churned', l)], r.months.map((name, i) => [ltr(name), count(r.joined[i]!, l), count(r.churned[i]!, l)])) +
        h2('customers.cohorts', l) +
        table('customers-cohorts', [m('customers.cohort', l), m('customers.joined', l), ...Array.from({ length: COHORT_MONTHS }, (_, k) => m('customers.after', l, { n: k }))], r.cohorts.map((c) => [
          ltr(c.month), count(c.joined, l), ...c.still.map((n) => (n === null ? '' : c.joined === 0 ? count(n, l) : `${count(n, l)} <small>(${percent(n / c.joined, l)})</small>`)),
        ]));
      return { body, csv: customersCsv(r) };
    },
    arpu: ({ l, months }) => {
      const r = arpuReport(db, { months });
      const body = r.currencies.length === 0 ? nothing(l) : r.currencies
        .map((c) => `<h2>${escapeHtml(c.currency)}</h2>` + table(`arpu-${c.currency}`, [m('month', l), m('arpu.received', l), m('arpu.payers', l), m('arpu.arpu', l)], r.months.map((name, i) => {
          const row = c.rows[i]!;
          return [ltr(name), cash(row.receivedMinor, c.currency, l), count(row.payers, l), row.arpuMinor === null ? '—' : cash(row.arpuMinor, c.currency, l)];
        })))
        .join('');
      return { body, csv: arpuCsv(r) };
    },
    vouchers: ({ l, months, now }) => {
      const r = voucherSalesReport(db, { months, now });
      const seller = (s: string | null) => (s === null ? m('vouchers.noSeller', l) : escapeHtml(s));
      const parts = [h2('vouchers.batches', l)];
      parts.push(r.batches.length === 0 ? nothing(l) : table('voucher-batches', ['batch', 'plan', 'seller', 'codes', 'used', 'revoked', 'value', 'usedValue', 'received'].map((k) => m(`vouchers.${k}`, l)), r.batches.map((b) => [
        ltr(b.name), escapeHtml(b.plan), seller(b.seller), count(b.codes, l), count(b.used, l), count(b.revoked, l), cash(b.valueMinor, b.currency, l), cash(b.usedValueMinor, b.currency, l), cash(b.receivedMinor, b.currency, l),
      ])));
      parts.push(h2('vouchers.sellers', l));
      parts.push(r.sellers.length === 0 ? nothing(l) : table('voucher-sellers', [m('vouchers.seller', l), m('currency', l), m('vouchers.codes', l), m('vouchers.used', l), m('vouchers.usedValue', l), m('vouchers.received', l)], r.sellers.map((s) => [
        seller(s.seller), escapeHtml(s.currency), count(s.codes, l), count(s.used, l), cash(s.usedValueMinor, s.currency, l), cash(s.receivedMinor, s.currency, l),
      ])));
      parts.push(h2('vouchers.agents', l));
      parts.push(r.agents.length === 0 ? nothing(l) : table('voucher-agents', [m('vouchers.agent', l), m('vouchers.method', l), m('vouchers.tokens', l), m('amount', l)], r.agents.map((a) => [
        ltr(a.agent), escapeHtml(paymentMethodName(a.method, l)), count(a.tokens, l), cash(a.minor, a.currency, l),
      ])));
      return { body: parts.join(''), csv: voucherSalesCsv(r) };
    },
  };

  const periodOf = (query: Record<string, unknown>, now: number) => periodOfQuery(query, now, zone);

  for (const name of Object.keys(builders) as ReportName[]) {
    const path = `/reports/${name}`;
    const title = (l: Language) => t(`staff.reportsMoney.${name}.heading`, {}, l);
    const page = (request: FastifyRequest, reply: FastifyReply, status: number, l: Language, body: string) =>
      screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(screens.sessionOf(request)), title: title(l), current: '/reports', body }));

    app.get(path, { config: { staffAction: 'reports.view' } }, async (request, reply) => {
      const l = screens.languageOf(request);
      const query = (request.query ?? {}) as Record<string, unknown>;
      const now = screens.now();
      const months = periodOf(query, now);
      const shown = months === 'bad' ? defaultPeriod(now, zone) : { from: months.names[0]!, to: months.names.at(-1)! };
      const picker = name === 'aging' ? '' :
        `<form method="get" action="${prefix}${path}" class="filters" aria-label="${m('period', l)}">` +
        `<div><label for="f-from">${m('from', l)}</label><input id="f-from" name="from" type="month" class="ltr" value="${escapeHtml(months === 'bad' ? one(query.from) ?? '' : shown.from)}"></div>` +
        `<div><label for="f-to">${m('to', l)}</label><input id="f-to" name="to" type="month" class="ltr" value="${escapeHtml(months === 'bad' ? one(query.to) ?? '' : shown.to)}"></div>` +
        `<button type="submit">${m('show', l)}</button></form>`;
      const head = `<p><a href="${prefix}/reports">${m('back', l)}</a></p><p class="hint">${m(`${name}.help`, l)}</p>${picker}`;
      if (months === 'bad') return page(request, reply, 400, l, head + flash({ error: t('staff.reportsMoney.badPeriod', { max: MAX_MONTHS }, l) }));
      const built = builders[name]({ l, months, query, now });
      const csvQuery = new URLSearchParams({ from: shown.from, to: shown.to, ...(name === 'revenue' && one(query.day) && { day: one(query.day)! }) });
      const download = `<p><a href="${prefix}${path}.csv?${escapeHtml(csvQuery.toString())}" download>${m('csv', l)}</a></p>`;
      return page(request, reply, 200, l, head + built.body + download);
    });

    app.get(`${path}.csv`, { config: { staffAction: 'reports.view' } }, async (request, reply) => {
      const l = screens.languageOf(request);
      const query = (request.query ?? {}) as Record<string, unknown>;
      const now = screens.now();
      const months = periodOf(query, now);
      if (months === 'bad') return screens.message(request, reply, 400, t('staff.reportsMoney.badPeriod', { max: MAX_MONTHS }, l));
      const built = builders[name]({ l, months, query, now });
      const stamp = name === 'aging' ? DateTime.fromMillis(now, { zone }).toFormat('yyyy-MM-dd') : `${months.names[0]}_${months.names.at(-1)}`;
      return reply
        .code(200)
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${name}-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(toCsv(built.csv));
    });
  }
}
