import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { creditNoteForRequest, creditNotesOf, findCustomer, findCustomerById, findInvoice, findPaymentByReceipt, formatMoney, type Invoice, invoiceById, type InvoiceFilter, invoiceTotals, issueCreditNote, listInvoicePage, listPaymentPage, minorDigits, moneyApplied, parseMoney, paymentTotals, renderInvoiceDocument, voidInvoice } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import type { InvoiceKind, InvoiceStatus } from '../../db/schema/ledger.js';
import { errorMessage, LangoError } from '../../errors.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { can, recordAudit } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatTime, ltr, numberLocale, one, pager, paging, table, text } from './ui.js';

// Issue 7's invoices screen: invoices, credit notes and receipts with filters, one document's
// page (lines, taxes, money applied, the PDF), and the ledger's two corrections: a credit note
// (the undo of an invoice) and voiding an invoice nobody paid on. Same domain calls as
// `lango invoice list|show|credit|void`.

const KINDS = ['invoice', 'credit_note', 'receipt'] as const;
type ListKind = (typeof KINDS)[number];
const STATUSES: readonly InvoiceStatus[] = ['issued', 'partially_paid', 'paid', 'overdue', 'void'];
const NUMBER = /^(INV|CN|RCT)-\d{4}-\d{1,9}$/;
const REASON_MAX = 200;
const PER_PAGE = 50;

const tx = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.invoices.${key}` as MessageKey, values, l);
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').trim().slice(0, max);

/**
 * A date range typed as two days (yyyy-mm-dd) in the operator's zone: from the start of the
 * first to the end of the second. Either may be empty; 'bad' when a date is malformed or the
 * range runs backwards.
 */
export function dayRange(fromText: string, toText: string, zone: string): { from?: number; to?: number } | 'bad' {
  const day = (value: string) => (value === '' ? undefined : /^\d{4}-\d\d-\d\d$/.test(value) ? DateTime.fromISO(value, { zone }) : null);
  const from = day(fromText);
  const to = day(toText);
  if (from === null || to === null || (from && !from.isValid) || (to && !to.isValid)) return 'bad';
  if (from && to && to < from) return 'bad';
  return { ...(from && { from: from.toMillis() }), ...(to && { to: to.plus({ days: 1 }).toMillis() }) };
}

/**
 * Totals are added up for a list narrowed to a customer or to dates (an index range); for the
 * whole table they would read every row on each page view, on the thread that answers RADIUS.
 */
export const totalsWorthShowing = (filter: { customerId?: number; from?: number; to?: number }) => filter.customerId !== undefined || filter.from !== undefined || filter.to !== undefined;

export function registerInvoiceRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const money = (minor: number, currency: Invoice['currency'], l: Language) => formatMoney(minor, currency, numberLocale(l));
  const time = (ms: number | null) => formatTime(ms, screens.zone);
  const day = (ms: number | null) => formatTime(ms, screens.zone).slice(0, 10);
  const documentUrl = (number: string) => `${prefix}/invoices/${encodeURIComponent(number)}`;
  const customerLink = (username: string) => `<a href="${prefix}/customers/${encodeURIComponent(username)}">${ltr(username)}</a>`;
  const documentLink = (number: string) => `<a href="${escapeHtml(documentUrl(number))}">${ltr(number)}</a>`;
  const statusText = (status: InvoiceStatus, l: Language) => tx(`statuses.${status}`, l);

  app.get<{ Querystring: Record<string, string | undefined> }>('/invoices', { config: { staffAction: 'invoices.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const q = request.query ?? {};
    const values = {
      kind: (one(q.kind) ?? '').slice(0, 20),
      status: (one(q.status) ?? '').slice(0, 20),
      customer: (one(q.customer) ?? '').trim().slice(0, 64),
      number: (one(q.number) ?? '').trim().slice(0, 24),
      from: (one(q.from) ?? '').slice(0, 10),
      to: (one(q.to) ?? '').slice(0, 10),
    };
    const kind: ListKind | undefined = (KINDS as readonly string[]).includes(values.kind) ? (values.kind as ListKind) : undefined;
    const status = (STATUSES as readonly string[]).includes(values.status) ? (values.status as InvoiceStatus) : undefined;
    const page = paging(q, PER_PAGE);

    const option = (value: string, label: string, chosen: string) => `<option value="${escapeHtml(value)}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const input = (name: keyof typeof values, label: string, attrs: string) =>
      `<div><label for="f-${name}">${escapeHtml(label)}</label><input id="f-${name}" name="${name}" ${attrs} value="${escapeHtml(values[name])}"></div>`;
    const form =
      `<form method="get" action="${prefix}/invoices" class="filters" role="search">` +
      `<div><label for="f-kind">${text('staff.invoices.filters.kind', l)}</label><select id="f-kind" name="kind">${option('', tx('filters.anyKind', l), values.kind)}${KINDS.map((k) => option(k, tx(`kinds.${k}`, l), values.kind)).join('')}</select></div>` +
      `<div><label for="f-status">${text('staff.invoices.filters.status', l)}</label><select id="f-status" name="status">${option('', tx('filters.anyStatus', l), values.status)}${STATUSES.map((s) => option(s, statusText(s, l), values.status)).join('')}</select></div>` +
      input('customer', tx('filters.customer', l), 'maxlength="64" autocapitalize="none" spellcheck="false" autocomplete="off"') +
      input('number', tx('filters.number', l), 'maxlength="24" class="ltr" autocapitalize="characters" spellcheck="false" autocomplete="off"') +
      input('from', tx('filters.from', l), 'type="date"') +
      input('to', tx('filters.to', l), 'type="date"') +
      `<button type="submit">${text('staff.invoices.filters.button', l)}</button></form>`;
    const frame = (status: number, body: string) =>
      screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: tx('heading', l), current: '/invoices', body: `${form}${body}` }));

    const range = dayRange(values.from, values.to, screens.zone);
    if (range === 'bad') return frame(400, flash({ error: tx('badDate', l) }));
    let customerId: number | undefined;
    if (values.customer !== '') {
      const customer = findCustomer(db, values.customer);
      if (!customer) return frame(400, flash({ error: tx('unknownCustomer', l, { username: values.customer }) }));
      customerId = customer.id;
    }
    const more = (rows: unknown[]) => rows.length > PER_PAGE;
    const pages = (hasMore: boolean) => pager({ language: l, path: `${prefix}/invoices`, filters: values, paging: page, more: hasMore });

    if (kind === 'receipt') {
      // Receipts are payments: the same filters, on the payments.
      const filter = { ...(customerId !== undefined && { customerId }), ...(values.number !== '' && { reference: values.number }), ...range };
      const rows = listPaymentPage(db, filter, { limit: PER_PAGE + 1, offset: page.offset });
      const head = ['number', 'customer', 'payments.method', 'reference', 'amount', 'received'].map((k) => escapeHtml(tx(k, l)));
      const body = rows.slice(0, PER_PAGE).map((p) => [documentLink(p.receiptNumber), customerLink(p.username), escapeHtml(methodName(p.method, l)), ltr(p.reference), ltr(money(p.amountMinor, p.currency, l)), ltr(time(p.receivedAt))]);
      const totals = (totalsWorthShowing(filter) ? paymentTotals(db, filter) : []).map((x) => `<p class="hint">${escapeHtml(tx('receiptTotals', l, { currency: x.currency, count: x.count, amount: money(x.amountMinor, x.currency, l) }))}</p>`).join('');
      return frame(200, rows.length === 0 ? `<p role="status">${text('staff.invoices.none', l)}</p>` : `${table('documents', head, body)}${pages(more(rows))}${totals}`);
    }

    const filter: InvoiceFilter = { ...(kind && { kind: kind as InvoiceKind }), ...(status && { status }), ...(customerId !== undefined && { customerId }), ...(values.number !== '' && { number: values.number }), ...range };
    const rows = listInvoicePage(db, filter, { limit: PER_PAGE + 1, offset: page.offset });
    const head = ['number', 'kind', 'customer', 'status', 'issued', 'due', 'total', 'paid'].map((k) => escapeHtml(tx(k, l)));
    const body = rows
      .slice(0, PER_PAGE)
      .map((i) => [documentLink(i.number), escapeHtml(tx(`kinds.${i.kind}`, l)), customerLink(i.username), escapeHtml(statusText(i.status, l)), ltr(day(i.issuedAt)), i.kind === 'invoice' ? ltr(day(i.dueAt)) : '', ltr(money(i.grossMinor, i.currency, l)), i.kind === 'invoice' ? ltr(money(i.paidMinor, i.currency, l)) : '']);
    const totals = (totalsWorthShowing(filter) ? invoiceTotals(db, filter) : [])
      .map((x) => `<p class="hint">${escapeHtml(tx('totals', l, { currency: x.currency, count: x.count, gross: money(x.grossMinor, x.currency, l), paid: money(x.paidMinor, x.currency, l) }))}</p>`)
      .join('');
    return frame(200, rows.length === 0 ? `<p role="status">${text('staff.invoices.none', l)}</p>` : `${table('documents', head, body)}${pages(more(rows))}${totals}`);
  });

  function methodName(method: string, l: Language): string {
    return ['cash', 'bank', 'mpesa', 'momo', 'adjustment'].includes(method) ? tx(`payments.methods.${method}`, l) : method;
  }

  /** `key`: the credit form's one-time key, kept when the form comes back with an error. */
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  interface FormValues { amount?: string; reason?: string; voidReason?: string; key?: string }

  const notFound = (request: FastifyRequest, reply: FastifyReply, number: string) => screens.message(request, reply, 404, tx('notFound', screens.languageOf(request), { number: number.slice(0, 40) }));

  function showReceipt(request: FastifyRequest, reply: FastifyReply, number: string) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const payment = findPaymentByReceipt(db, number);
    if (!payment) return notFound(request, reply, number);
    const row = (label: string, value: string) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
    const details = `<div class="scroll"><table id="details"><tbody>${[
      row(tx('kind', l), escapeHtml(tx('kinds.receipt', l))),
      row(tx('customer', l), customerLink(payment.username)),
      row(tx('method', l), escapeHtml(methodName(payment.method, l))),
      row(tx('reference', l), ltr(payment.reference)),
      row(tx('amount', l), ltr(money(payment.amountMinor, payment.currency, l))),
      row(tx('received', l), ltr(time(payment.receivedAt))),
    ].join('')}</tbody></table></div>`;
    const links = `<ul class="links"><li><a href="${escapeHtml(documentUrl(number))}/document.pdf">${text('staff.invoices.pdf', l)}</a></li><li><a href="${prefix}/invoices?kind=receipt">${text('staff.invoices.back', l)}</a></li></ul>`;
    return screens.html(reply, 200, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: number, current: '/invoices', body: `${details}${links}` }));
  }

  function showInvoice(request: FastifyRequest, reply: FastifyReply, number: string, status: number, extra: { notice?: string; error?: string; values?: FormValues } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const found = findInvoice(db, number);
    if (!found) return notFound(request, reply, number);
    const { invoice, lines } = found;
    const c = invoice.currency;
    const customer = findCustomerById(db, invoice.customerId);
    const username = customer?.username ?? String(invoice.customerId);
    const notes = invoice.kind === 'invoice' ? creditNotesOf(db, invoice.id) : [];
    const credited = notes.reduce((sum, n) => sum + n.grossMinor, 0);
    const corrects = invoice.correctsId === null ? undefined : invoiceById(db, invoice.correctsId);
    const row = (label: string, value: string) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
    const details = `<div class="scroll"><table id="details"><tbody>${[
      row(tx('kind', l), escapeHtml(tx(`kinds.${invoice.kind}`, l))),
      row(tx('customer', l), customerLink(username)),
      row(tx('status', l), `<span id="status">${escapeHtml(statusText(invoice.status, l))}</span>`),
      row(tx('issued', l), ltr(time(invoice.issuedAt))),
      ...(invoice.kind === 'invoice' ? [row(tx('due', l), ltr(time(invoice.dueAt)))] : []),
      ...(invoice.periodStart !== null ? [row(tx('period', l), ltr(`${day(invoice.periodStart)} – ${day(invoice.periodEnd)}`))] : []),
      ...(corrects ? [row(tx('corrects', l), documentLink(corrects.number))] : []),
      row(tx('net', l), ltr(money(invoice.netMinor, c, l))),
      row(tx('tax', l), ltr(money(invoice.taxMinor, c, l))),
      row(tx('total', l), ltr(money(invoice.grossMinor, c, l))),
      ...(invoice.kind === 'invoice'
        ? [row(tx('paid', l), ltr(money(invoice.paidMinor, c, l))), row(tx('left', l), `<span id="left">${ltr(money(invoice.status === 'void' ? 0 : invoice.grossMinor - invoice.paidMinor, c, l))}</span>`)]
        : []),
    ].join('')}</tbody></table></div>`;

    const lineHead = ['description', 'quantity', 'unitPrice', 'discount', 'net', 'tax', 'lineTotal'].map((k) => escapeHtml(tx(k, l)));
    const linesHtml = `<h2>${text('staff.invoices.lines', l)}</h2>${
      lines.length === 0
        ? `<p>${text('staff.invoices.noLines', l)}</p>`
        : table('lines', lineHead, lines.map((x) => [escapeHtml(x.description), ltr(String(x.quantity)), ltr(money(x.unitPriceMinor, c, l)), ltr(money(x.discountMinor, c, l)), ltr(money(x.netMinor, c, l)), ltr(money(x.taxMinor, c, l)), ltr(money(x.grossMinor, c, l))]))
    }`;
    const taxes = new Map<string, { name: string; amountMinor: number }>();
    for (const line of lines) for (const tax of line.taxes) taxes.set(tax.code, { name: tax.name, amountMinor: (taxes.get(tax.code)?.amountMinor ?? 0) + tax.amountMinor });
    const taxesHtml = taxes.size === 0 ? '' : `<h2>${text('staff.invoices.taxes', l)}</h2>${table('taxes', [escapeHtml(tx('description', l)), escapeHtml(tx('amount', l))], [...taxes.values()].map((x) => [escapeHtml(x.name), ltr(money(x.amountMinor, c, l))]))}`;

    let moneyHtml = '';
    if (invoice.kind === 'invoice') {
      const applied = moneyApplied(db, invoice);
      moneyHtml = `<h2>${text('staff.invoices.applied', l)}</h2>${
        applied.length === 0
          ? `<p id="no-payments">${text('staff.invoices.noApplied', l)}</p>`
          : table('applied', [escapeHtml(tx('appliedAt', l)), escapeHtml(tx('description', l)), escapeHtml(tx('amount', l))], applied.map((a) => [ltr(time(a.at)), a.number ? `<a href="${escapeHtml(documentUrl(a.number))}">${escapeHtml(tx(`sources.${a.source}`, l, { number: a.number }))}</a>` : escapeHtml(tx(`sources.${a.source}`, l)), ltr(money(a.amountMinor, c, l))]))
      }`;
      if (notes.length > 0) moneyHtml += `<h2>${text('staff.invoices.creditNotes', l)}</h2>${table('credit-notes', [escapeHtml(tx('number', l)), escapeHtml(tx('issued', l)), escapeHtml(tx('total', l))], notes.map((n) => [documentLink(n.number), ltr(day(n.issuedAt)), ltr(money(n.grossMinor, c, l))]))}`;
    }

    const open = invoice.kind === 'invoice' && invoice.status !== 'void' && invoice.status !== 'paid';
    const left = invoice.grossMinor - invoice.paidMinor;
    const links = [
      `<li><a href="${escapeHtml(documentUrl(invoice.number))}/document.pdf">${text('staff.invoices.pdf', l)}</a></li>`,
      ...(open && left > 0 && can(session.staff.role, 'payments.record')
        ? [`<li><a href="${prefix}/payments/record?${escapeHtml(new URLSearchParams({ username, amount: (left / 10 ** minorDigits(c)).toFixed(minorDigits(c)) }).toString())}">${text('staff.invoices.recordPayment', l)}</a></li>`]
        : []),
      `<li><a href="${prefix}/invoices">${text('staff.invoices.back', l)}</a></li>`,
    ];

    let actions = '';
    const v = extra.values ?? {};
    if (invoice.kind === 'invoice' && invoice.status !== 'void' && can(session.staff.role, 'invoices.edit')) {
      const max = invoice.grossMinor - credited;
      if (max > 0) {
        actions +=
          `<h2>${text('staff.invoices.credit.heading', l)}</h2><p class="hint">${text('staff.invoices.credit.hint', l, { max: money(max, c, l) })}</p>` +
          `<form method="post" action="${escapeHtml(documentUrl(invoice.number))}/credit">${csrfField(session.csrfToken)}<input type="hidden" name="key" value="${escapeHtml(v.key ?? randomUUID())}">` +
          `<label for="amount">${text('staff.invoices.credit.amount', l)}</label><input id="amount" name="amount" required maxlength="16" inputmode="decimal" class="ltr" autocomplete="off" value="${escapeHtml(v.amount ?? '')}">` +
          `<label for="reason">${text('staff.invoices.credit.reason', l)}</label><input id="reason" name="reason" required maxlength="${REASON_MAX}" autocomplete="off" value="${escapeHtml(v.reason ?? '')}">` +
          `${confirmBox(l, tx('credit.what', l))}<button class="main" type="submit">${text('staff.invoices.credit.button', l)}</button></form>`;
      }
      if (invoice.paidMinor <= credited) {
        actions +=
          `<h2>${text('staff.invoices.void.heading', l)}</h2><p class="hint">${text('staff.invoices.void.hint', l)}</p>` +
          `<form method="post" action="${escapeHtml(documentUrl(invoice.number))}/void">${csrfField(session.csrfToken)}` +
          `<label for="void-reason">${text('staff.invoices.void.reason', l)}</label><input id="void-reason" name="reason" required maxlength="${REASON_MAX}" autocomplete="off" value="${escapeHtml(v.voidReason ?? '')}">` +
          `${confirmBox(l, tx('void.what', l))}<button class="main danger" type="submit">${text('staff.invoices.void.button', l)}</button></form>`;
      }
    }
    const body = `${flash(extra)}${details}${linesHtml}${taxesHtml}${moneyHtml}<ul class="links">${links.join('')}</ul>${actions}`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: `${tx(`kinds.${invoice.kind}`, l)} ${invoice.number}`, current: '/invoices', body }));
  }

  app.get<{ Params: { number: string }; Querystring: { done?: string; note?: string } }>('/invoices/:number', { config: { staffAction: 'invoices.view' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const number = request.params.number.toUpperCase();
    if (!NUMBER.test(number)) return notFound(request, reply, request.params.number);
    if (number.startsWith('RCT-')) return showReceipt(request, reply, number);
    const done = one(request.query.done);
    const note = one(request.query.note) ?? '';
    const found = findInvoice(db, number);
    let notice: string | undefined;
    if (found && NUMBER.test(note)) {
      const credit = findInvoice(db, note)?.invoice;
      if (done === 'credit' && credit) notice = tx('credit.done', l, { number: credit.number, amount: money(credit.grossMinor, credit.currency, l) });
      if (done === 'void') notice = tx('void.done', l, { number, note });
    }
    return showInvoice(request, reply, number, 200, notice ? { notice } : {});
  });

  app.get<{ Params: { number: string } }>('/invoices/:number/document.pdf', { config: { staffAction: 'invoices.view' } }, async (request, reply) => {
    const number = request.params.number.toUpperCase();
    const known = NUMBER.test(number) && (number.startsWith('RCT-') ? findPaymentByReceipt(db, number) : findInvoice(db, number));
    if (!known) return notFound(request, reply, request.params.number);
    const { pdf } = await renderInvoiceDocument(db, number, screens.zone, { html: false, pdf: true });
    return reply.code(200).type('application/pdf').header('content-disposition', `inline; filename="${number}.pdf"`).send(pdf);
  });

  app.post<{ Params: { number: string } }>('/invoices/:number/credit', { config: { staffAction: 'invoices.edit' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const number = request.params.number.toUpperCase();
    const found = NUMBER.test(number) ? findInvoice(db, number) : undefined;
    if (!found || found.invoice.kind !== 'invoice') return notFound(request, reply, request.params.number);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const key = field(raw, 'key', 64);
    const values = { amount: field(raw, 'amount', 16), reason: field(raw, 'reason', REASON_MAX), ...(UUID.test(key) && { key }) };
    const refuse = (status: number, error: string) => showInvoice(request, reply, number, status, { error, values });
    // The same form sent twice (a double click, a reload) shows the note the first one issued.
    const earlier = UUID.test(key) ? creditNoteForRequest(db, key) : undefined;
    if (earlier) return reply.redirect(`${documentUrl(number)}?done=credit&note=${encodeURIComponent(earlier.number)}`, 303);
    if (!UUID.test(key)) return refuse(400, t('staff.web.badForm', {}, l));
    if (values.amount === '' || values.reason.length < 3) return refuse(400, tx('credit.missing', l));
    if (!confirmed(raw)) return refuse(400, tx('notConfirmed', l));
    const before = found.invoice;
    const actor = `staff:${session.staff.username}`;
    const at = screens.now();
    try {
      const amountMinor = parseMoney(values.amount, before.currency);
      const note = db.transaction((d) => {
        const issued = issueCreditNote(d as Db, { invoiceNumber: number, amountMinor, reason: values.reason, actor, at, zone: screens.zone, requestKey: key });
        const after = findInvoice(d as Db, number)!.invoice;
        recordAudit(d as Db, actor, 'invoice.credit', `invoice:${number}`, {
          creditNote: issued.number,
          amountMinor: issued.grossMinor,
          currency: issued.currency,
          reason: values.reason,
          before: { status: before.status, paidMinor: before.paidMinor, dueMinor: before.grossMinor - before.paidMinor },
          after: { status: after.status, paidMinor: after.paidMinor, dueMinor: after.grossMinor - after.paidMinor },
        }, at);
        return issued;
      }, { behavior: 'immediate' });
      request.log.info({ staff: session.staff.username, invoice: number, creditNote: note.number }, 'credit note issued');
      return reply.redirect(`${documentUrl(number)}?done=credit&note=${encodeURIComponent(note.number)}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(400, errorMessage(err.code, l, err.values));
    }
  });

  app.post<{ Params: { number: string } }>('/invoices/:number/void', { config: { staffAction: 'invoices.edit' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const number = request.params.number.toUpperCase();
    const found = NUMBER.test(number) ? findInvoice(db, number) : undefined;
    if (!found || found.invoice.kind !== 'invoice') return notFound(request, reply, request.params.number);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const reason = field(raw, 'reason', REASON_MAX);
    const refuse = (status: number, error: string) => showInvoice(request, reply, number, status, { error, values: { voidReason: reason } });
    if (reason.length < 3) return refuse(400, tx('void.missing', l));
    if (!confirmed(raw)) return refuse(400, tx('notConfirmed', l));
    try {
      // voidInvoice writes its own audit entry (before and after) in its transaction.
      const { creditNote } = voidInvoice(db, { invoiceNumber: number, reason, actor: `staff:${session.staff.username}`, at: screens.now(), zone: screens.zone });
      request.log.info({ staff: session.staff.username, invoice: number, creditNote: creditNote.number }, 'invoice voided');
      return reply.redirect(`${documentUrl(number)}?done=void&note=${encodeURIComponent(creditNote.number)}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(400, errorMessage(err.code, l, err.values));
    }
  });
}
