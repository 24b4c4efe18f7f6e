import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { customerBalance, type CustomerSummary, findCustomer, findCustomerById, findPaymentByReceipt, findPaymentByReference, formatMoney, listPaymentPage, parseMoney, type Payment, type PaymentFilter, paymentMethods, paymentTotals, recordPayment } from '../../billing/index.js';
import type { Currency } from '../../db/schema/billing.js';
import type { Db } from '../../db/connection.js';
import { errorCatalogue, errorMessage, LangoError } from '../../errors.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { approveFlagged, dismissFlagged, findAttempt, flaggedCallbacks, listAttempts, markCallbackReviewed, reviewReasonWords, type Attempt } from '../../payments/index.js';
import { once } from '../../operations/index.js';
import { can, type StaffSession } from '../../staff/index.js';
import { dayRange, totalsWorthShowing } from './invoices.js';
import { escapeHtml, renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { ltr, pager, paging, table } from './ui.js';

// Issue 7's payment screens: the queue of mobile-money payments waiting for a person (approve
// to a customer, or dismiss with a reason), callbacks for requests Lango never made, and cash or
// bank money recorded at the counter. Same domain calls as `lango payments …` and `lango pay`.

const PROVIDER_NAMES: Record<string, string> = { mpesa: 'M-Pesa', momo: 'MoMo' };

const ID = /^\d{1,12}$/;
const PER_PAGE = 50;
const field = (raw: Record<string, unknown>, name: string, max: number) => (typeof raw[name] === 'string' ? (raw[name] as string).trim().slice(0, max) : '');
const hidden = (csrf: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">`;
const errorBox = (text: string | undefined) => (text ? `<p class="error" role="alert">${escapeHtml(text)}</p>` : '');
const noticeBox = (text: string | undefined) => (text ? `<p class="notice" role="status">${escapeHtml(text)}</p>` : '');
const statusOf = (err: LangoError) => (errorCatalogue[err.code] as { status?: number }).status ?? 400;

export function registerPaymentRoutes(app: FastifyInstance, ctx: StaffScreens): void {
  const { db, prefix } = ctx;
  const locale = (l: Language) => (l === 'ar' ? 'ar-u-nu-latn' : 'en');
  const money = (minor: number, currency: Currency, l: Language) => formatMoney(minor, currency, locale(l));
  const time = (ms: number) => DateTime.fromMillis(ms, { zone: ctx.zone }).toFormat('yyyy-MM-dd HH:mm');
  const actor = (session: StaffSession) => `staff:${session.staff.username}`;
  const tx = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.staffPayments.${key}` as MessageKey, values, l);

  function attemptItem(a: Attempt, l: Language, csrf: string | null): string {
    const customer = a.customerId === null ? undefined : findCustomerById(db, a.customerId);
    const who = customer ? escapeHtml(customer.username) : escapeHtml(tx('queue.typedAccount', l, { account: a.accountReference ?? '' }));
    const why = reviewReasonWords(a.reviewReason ?? '', l);
    const row = (key: string, value: string, ltr = false) => `<tr><th>${escapeHtml(tx(key, l))}</th><td${ltr ? ' class="ltr"' : ''}>${value}</td></tr>`;
    const facts = `<table>${row('queue.time', escapeHtml(time(a.createdAt)), true)}${row('queue.provider', escapeHtml(PROVIDER_NAMES[a.provider] ?? a.provider))}${row('queue.customer', who)}${row('queue.amount', escapeHtml(money(a.amountMinor, a.currency, l)), true)}${row('queue.receipt', escapeHtml(a.receipt ?? '—'), true)}${row('queue.why', escapeHtml(why))}</table>`;
    let forms = '';
    if (csrf !== null) {
      const suspense = a.customerId === null;
      forms =
        `<form method="post" action="${prefix}/payments/${a.id}/approve">${hidden(csrf)}` +
        `<label for="username-${a.id}">${escapeHtml(tx('queue.username', l))}</label><input id="username-${a.id}" name="username" autocapitalize="none" spellcheck="false" maxlength="64"${suspense ? ' required' : ''}>` +
        `<small>${escapeHtml(tx('queue.usernameHint', l))}</small>` +
        (suspense ? '' : `<label for="amount-${a.id}">${escapeHtml(tx('queue.amountLabel', l))}</label><input id="amount-${a.id}" name="amount" inputmode="decimal" maxlength="16" class="ltr">`) +
        `<button class="main" type="submit">${escapeHtml(tx('queue.approve', l))}</button></form>` +
        `<form method="post" action="${prefix}/payments/${a.id}/dismiss">${hidden(csrf)}` +
        `<label for="reason-${a.id}">${escapeHtml(tx('queue.reason', l))}</label><input id="reason-${a.id}" name="reason" required minlength="3" maxlength="200">` +
        `<button class="main" type="submit">${escapeHtml(tx('queue.dismiss', l))}</button></form>`;
    }
    return `<fieldset id="attempt-${a.id}"><legend>#${a.id}</legend>${facts}${forms}</fieldset>`;
  }

  function queuePage(request: FastifyRequest, extra: { error?: string; notice?: string } = {}): string {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    const reviewer = can(session.staff.role, 'payments.review');
    const csrf = reviewer ? session.csrfToken : null;
    const attempts = listAttempts(db, { review: true });
    const callbacks = flaggedCallbacks(db);
    const queue = attempts.length === 0 ? `<p id="queue-empty">${escapeHtml(tx('queue.none', l))}</p>` : `<div id="queue">${attempts.map((a) => attemptItem(a, l, csrf)).join('')}</div>`;
    const head = ['queue.time', 'queue.provider', 'queue.route', 'queue.from', 'queue.why'].map((k) => `<th>${escapeHtml(tx(k, l))}</th>`).join('') + (csrf ? '<th></th>' : '');
    const rows = callbacks
      .map(
        (c) =>
          `<tr id="callback-${c.id}"><td class="ltr">${escapeHtml(time(c.receivedAt))}</td><td>${escapeHtml(PROVIDER_NAMES[c.provider] ?? c.provider)}</td><td>${escapeHtml(c.route)}</td><td class="ltr">${escapeHtml(c.sourceIp)}</td><td>${escapeHtml(c.reviewReason ?? '')}</td>` +
          (csrf ? `<td><form method="post" action="${prefix}/payments/callbacks/${c.id}/done">${hidden(csrf)}<button type="submit">${escapeHtml(tx('queue.markDone', l))}</button></form></td>` : '') +
          '</tr>',
      )
      .join('');
    const callbackPart = `<h2>${escapeHtml(tx('queue.callbacksHeading', l))}</h2>` + (callbacks.length === 0 ? `<p>${escapeHtml(tx('queue.callbacksNone', l))}</p>` : `<table id="callbacks"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`);
    const links = `<ul class="links"><li><a href="${prefix}/payments/list">${escapeHtml(t('staff.invoices.payments.link', {}, l))}</a></li>${can(session.staff.role, 'payments.record') ? `<li><a href="${prefix}/payments/record">${escapeHtml(tx('recordLink', l))}</a></li>` : ''}</ul>`;
    return renderFrame({
      language: l,
      prefix,
      signedIn: ctx.signedIn(session),
      title: tx('queue.heading', l),
      body: `${noticeBox(extra.notice)}${errorBox(extra.error)}${reviewer ? '' : `<p>${escapeHtml(tx('queue.readOnly', l))}</p>`}${queue}${callbackPart}${links}`,
    });
  }

  app.get<{ Querystring: { approved?: string; dismissed?: string; done?: string } }>('/payments', { config: { staffAction: 'payments.view' } }, async (request, reply) => {
    const l = ctx.languageOf(request);
    const q = request.query;
    const notice =
      typeof q.approved === 'string' && /^[A-Z0-9-]{1,40}$/.test(q.approved) ? tx('queue.approved', l, { receipt: q.approved })
      : typeof q.dismissed === 'string' && ID.test(q.dismissed) ? tx('queue.dismissed', l, { id: q.dismissed })
      : typeof q.done === 'string' && ID.test(q.done) ? tx('queue.callbackDone', l, { id: q.done })
      : undefined;
    return ctx.html(reply, 200, queuePage(request, { ...(notice && { notice }) }));
  });

  app.post<{ Params: { id: string } }>('/payments/:id/approve', { config: { staffAction: 'payments.review' } }, async (request, reply) => {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    if (!ID.test(request.params.id)) return ctx.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const id = Number(request.params.id);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const username = field(raw, 'username', 64);
    const amountText = field(raw, 'amount', 16);
    try {
      const attempt = findAttempt(db, id);
      if (!attempt) throw new LangoError('PAY_UNKNOWN_ATTEMPT', { id });
      let customer: CustomerSummary | undefined;
      if (username !== '') {
        customer = findCustomer(db, username);
        if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username });
      } else if (attempt.customerId === null) {
        return ctx.html(reply, 400, queuePage(request, { error: tx('queue.noCustomer', l) }));
      }
      const currency = customer?.currency ?? attempt.currency;
      const { receiptNumber } = approveFlagged(db, {
        attemptId: id,
        ...(customer && { customerId: customer.id }),
        ...(amountText !== '' && { amountMinor: parseMoney(amountText, currency) }),
        actor: actor(session),
        now: ctx.now(),
        zone: ctx.zone,
      });
      request.log.info({ staff: session.staff.username, attempt: id, receipt: receiptNumber }, 'flagged payment approved');
      return reply.redirect(`${prefix}/payments?approved=${encodeURIComponent(receiptNumber)}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return ctx.html(reply, statusOf(err), queuePage(request, { error: errorMessage(err.code, l, err.values) }));
    }
  });

  app.post<{ Params: { id: string } }>('/payments/:id/dismiss', { config: { staffAction: 'payments.review' } }, async (request, reply) => {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    if (!ID.test(request.params.id)) return ctx.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const id = Number(request.params.id);
    const reason = field((request.body ?? {}) as Record<string, unknown>, 'reason', 200);
    if (reason.length < 3) return ctx.html(reply, 400, queuePage(request, { error: tx('queue.reasonRequired', l) }));
    try {
      dismissFlagged(db, { attemptId: id, reason, actor: actor(session), now: ctx.now() });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return ctx.html(reply, statusOf(err), queuePage(request, { error: errorMessage(err.code, l, err.values) }));
    }
    request.log.info({ staff: session.staff.username, attempt: id }, 'flagged payment dismissed');
    return reply.redirect(`${prefix}/payments?dismissed=${id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/payments/callbacks/:id/done', { config: { staffAction: 'payments.review' } }, async (request, reply) => {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    if (!ID.test(request.params.id)) return ctx.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const id = Number(request.params.id);
    if (!markCallbackReviewed(db, id, actor(session), ctx.now())) return ctx.html(reply, 409, queuePage(request, { error: errorMessage('PAY_NOT_FOR_REVIEW', l, { id }) }));
    return reply.redirect(`${prefix}/payments?done=${id}`, 303);
  });

  interface RecordValues { username?: string; amount?: string; method?: string; reference?: string; received?: string }

  function recordPage(request: FastifyRequest, extra: { values?: RecordValues; error?: string; result?: string } = {}): string {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    const v = extra.values ?? {};
    const today = DateTime.fromMillis(ctx.now(), { zone: ctx.zone }).toISODate()!;
    const input = (name: keyof RecordValues, label: string, attrs: string) =>
      `<label for="${name}">${escapeHtml(tx(label, l))}</label><input id="${name}" name="${name}" ${attrs} value="${escapeHtml(v[name] ?? '')}">`;
    const radio = (value: 'cash' | 'bank') => `<label><input type="radio" name="method" value="${value}"${(v.method ?? 'cash') === value ? ' checked' : ''}> ${escapeHtml(tx(`record.${value}`, l))}</label>`;
    const links = `<ul class="links"><li><a href="${prefix}/payments">${escapeHtml(t('staff.staffPayments.home', {}, l))}</a></li></ul>`;
    const body =
      extra.result !== undefined
        ? `${extra.result}<ul class="links"><li><a href="${prefix}/payments/record">${escapeHtml(tx('record.another', l))}</a></li></ul>${links}`
        : `${errorBox(extra.error)}<form method="post" action="${prefix}/payments/record" data-queue>${hidden(session.csrfToken)}` +
          input('username', 'record.username', 'required maxlength="64" autocapitalize="none" spellcheck="false" autocomplete="off"') +
          input('amount', 'record.amount', 'required maxlength="16" inputmode="decimal" class="ltr" autocomplete="off"') +
          `<fieldset><legend>${escapeHtml(tx('record.method', l))}</legend>${radio('cash')}${radio('bank')}</fieldset>` +
          input('reference', 'record.reference', 'required maxlength="64" class="ltr" autocomplete="off"') +
          `<label for="received">${escapeHtml(tx('record.received', l))}</label><input id="received" name="received" type="date" max="${today}" data-today required value="${escapeHtml(v.received ?? today)}">` +
          `<button class="main" type="submit">${escapeHtml(tx('record.button', l))}</button></form>${links}`;
    return renderFrame({ language: l, prefix, signedIn: ctx.signedIn(session), title: tx('record.heading', l), body });
  }

  // ?username=&amount= come from an invoice's "record a payment for this invoice" link.
  app.get<{ Querystring: Record<string, unknown> }>('/payments/record', { config: { staffAction: 'payments.record' } }, async (request, reply) => {
    const q = (request.query ?? {}) as Record<string, unknown>;
    const values: RecordValues = { ...(field(q, 'username', 64) && { username: field(q, 'username', 64) }), ...(/^\d{1,12}(\.\d{1,3})?$/.test(field(q, 'amount', 16)) && { amount: field(q, 'amount', 16) }) };
    return ctx.html(reply, 200, recordPage(request, { values }));
  });

  app.get<{ Querystring: Record<string, unknown> }>('/payments/list', { config: { staffAction: 'payments.view' } }, async (request, reply) => {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    const q = (request.query ?? {}) as Record<string, unknown>;
    const values = { method: field(q, 'method', 20), customer: field(q, 'customer', 64), reference: field(q, 'reference', 64), from: field(q, 'from', 10), to: field(q, 'to', 10) };
    const px = (key: string, values: Record<string, unknown> = {}) => t(`staff.invoices.payments.${key}` as MessageKey, values, l);
    const methods = [...new Set(['cash', 'bank', 'mpesa', 'momo', ...paymentMethods(db)])];
    const methodName = (m: string) => (['cash', 'bank', 'mpesa', 'momo', 'adjustment'].includes(m) ? px(`methods.${m}`) : m);
    const input = (name: keyof typeof values, label: string, attrs: string) =>
      `<div><label for="f-${name}">${escapeHtml(label)}</label><input id="f-${name}" name="${name}" ${attrs} value="${escapeHtml(values[name])}"></div>`;
    const option = (value: string, label: string) => `<option value="${escapeHtml(value)}"${value === values.method ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    const form =
      `<form method="get" action="${prefix}/payments/list" class="filters" role="search">` +
      `<div><label for="f-method">${escapeHtml(px('method'))}</label><select id="f-method" name="method">${option('', px('anyMethod'))}${methods.map((m) => option(m, methodName(m))).join('')}</select></div>` +
      input('customer', px('customer'), 'maxlength="64" autocapitalize="none" spellcheck="false" autocomplete="off"') +
      input('reference', px('reference'), 'maxlength="64" class="ltr" autocapitalize="none" spellcheck="false" autocomplete="off"') +
      input('from', px('from'), 'type="date"') +
      input('to', px('to'), 'type="date"') +
      `<button type="submit">${escapeHtml(px('button'))}</button></form>`;
    const links = `<ul class="links"><li><a href="${prefix}/payments">${escapeHtml(t('staff.staffPayments.home', {}, l))}</a></li>${can(session.staff.role, 'payments.record') ? `<li><a href="${prefix}/payments/record">${escapeHtml(tx('recordLink', l))}</a></li>` : ''}</ul>`;
    const frame = (status: number, body: string) => ctx.html(reply, status, renderFrame({ language: l, prefix, signedIn: ctx.signedIn(session), title: px('heading'), current: '/payments', body: `${form}${body}${links}` }));
    const range = dayRange(values.from, values.to, ctx.zone);
    if (range === 'bad') return frame(400, errorBox(t('staff.invoices.badDate', {}, l)));
    let customerId: number | undefined;
    if (values.customer !== '') {
      const customer = findCustomer(db, values.customer);
      if (!customer) return frame(400, errorBox(t('staff.invoices.unknownCustomer', { username: values.customer }, l)));
      customerId = customer.id;
    }
    const filter: PaymentFilter = { ...(values.method !== '' && { method: values.method }), ...(customerId !== undefined && { customerId }), ...(values.reference !== '' && { reference: values.reference }), ...range };
    const page = paging(q, PER_PAGE);
    const rows = listPaymentPage(db, filter, { limit: PER_PAGE + 1, offset: page.offset });
    if (rows.length === 0) return frame(200, `<p role="status">${escapeHtml(px('none'))}</p>`);
    const mayOpen = can(session.staff.role, 'invoices.view');
    const head = ['receipt', 'customer', 'method', 'reference', 'amount', 'received', 'by'].map((k) => escapeHtml(px(k === 'customer' ? 'customer' : k)));
    const body = rows.slice(0, PER_PAGE).map((p) => [
      mayOpen ? `<a href="${prefix}/invoices/${encodeURIComponent(p.receiptNumber)}">${ltr(p.receiptNumber)}</a>` : ltr(p.receiptNumber),
      can(session.staff.role, 'customers.view') ? `<a href="${prefix}/customers/${encodeURIComponent(p.username)}">${ltr(p.username)}</a>` : ltr(p.username),
      escapeHtml(methodName(p.method)),
      ltr(p.reference),
      ltr(money(p.amountMinor, p.currency, l)),
      ltr(time(p.receivedAt)),
      ltr(p.actor),
    ]);
    const totals = (totalsWorthShowing(filter) ? paymentTotals(db, filter) : []).map((x) => `<p class="hint">${escapeHtml(px('totals', { currency: x.currency, count: x.count, amount: money(x.amountMinor, x.currency, l) }))}</p>`).join('');
    return frame(200, `${table('payments', head, body)}${pager({ language: l, path: `${prefix}/payments/list`, filters: values, paging: page, more: rows.length > PER_PAGE })}${totals}`);
  });

  app.post('/payments/record', { config: { staffAction: 'payments.record' } }, async (request, reply) => {
    const session = ctx.sessionOf(request);
    const l = ctx.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const values: RecordValues = { username: field(raw, 'username', 64), amount: field(raw, 'amount', 16), method: field(raw, 'method', 8), reference: field(raw, 'reference', 64), received: field(raw, 'received', 10) };
    const refuse = (status: number, error: string) => ctx.html(reply, status, recordPage(request, { values, error }));
    if (!values.username || !values.amount || !values.reference) return refuse(400, tx('record.missing', l));
    const method = values.method === 'bank' ? 'bank' : values.method === 'cash' || values.method === '' ? 'cash' : undefined;
    if (!method) return refuse(400, errorMessage('INPUT_BAD_CHOICE', l, { value: values.method!, option: 'method', allowed: 'cash, bank' }));
    const now = ctx.now();
    const today = DateTime.fromMillis(now, { zone: ctx.zone }).startOf('day');
    const day = /^\d{4}-\d\d-\d\d$/.test(values.received ?? '') ? DateTime.fromISO(values.received!, { zone: ctx.zone }) : today;
    if (!day.isValid || day > today) return refuse(400, tx('record.badDate', l));
    // Today's money is received now; an earlier value date counts from the start of that day, as `lango pay --received`.
    const receivedAt = day.equals(today) ? now : day.toMillis();
    try {
      const customer = findCustomer(db, values.username);
      if (!customer) throw new LangoError('INPUT_UNKNOWN_CUSTOMER', { username: values.username });
      const { reference } = values;
      const amountMinor = parseMoney(values.amount, customer.currency);
      const record = (d: Db) => recordPayment(d, { customerId: customer.id, method, reference, amountMinor, currency: customer.currency, receivedAt, actor: actor(session), zone: ctx.zone });
      // A form from the offline queue (web/offline/offline.js) carries an idempotency key: sent
      // again after a lost answer, it is recorded once and answered as the first time.
      const key = field(raw, '_key', 64);
      let result: { payment: Payment; created: boolean };
      let repeat = false;
      if (key) {
        let first: { payment: Payment; created: boolean } | undefined;
        const keyed = once(db, { key, sender: actor(session), action: 'payments.record', now }, (d) => {
          first = record(d);
          return `${first.created ? 'recorded' : 'duplicate'} ${first.payment.receiptNumber}`;
        });
        if (keyed.kind === 'not-yours') return ctx.message(request, reply, 403, t('staff.web.badForm', {}, l));
        if (keyed.kind === 'repeat') {
          const [kind, receipt] = keyed.result.split(' ');
          const row = findPaymentByReceipt(db, receipt ?? '');
          const payment = row && findPaymentByReference(db, row.method, row.reference);
          if (!payment) throw new Error(`request key ${key} names receipt ${receipt}, which does not exist`);
          result = { payment, created: kind === 'recorded' };
          repeat = true;
        } else result = first!;
      } else result = record(db);
      const p = result.payment;
      const methodText = tx(`record.${p.method === 'bank' ? 'bank' : 'cash'}`, l);
      if (!result.created) {
        // The same reference again (a reload, a second cashier): the first receipt, nothing credited.
        const owner = findCustomerById(db, p.customerId)?.username ?? String(p.customerId);
        const text = tx('record.duplicate', l, { method: methodText, reference: p.reference, receipt: p.receiptNumber, amount: money(p.amountMinor, p.currency, l), username: owner });
        return ctx.html(reply, 409, recordPage(request, { result: `<p class="error" role="alert" id="duplicate">${escapeHtml(text)}</p><p class="code" id="receipt">${escapeHtml(p.receiptNumber)}</p>` }));
      }
      request.log.info({ staff: session.staff.username, receipt: p.receiptNumber, method }, repeat ? 'payment form sent again: answered with the first receipt' : 'payment recorded');
      const balance = customerBalance(db, customer.id, customer.currency);
      const done = tx('record.done', l, { receipt: p.receiptNumber, amount: money(p.amountMinor, p.currency, l), method: methodText, reference: p.reference, username: customer.username });
      const after = tx('record.balance', l, { wallet: money(balance.walletMinor, balance.currency, l), due: money(balance.dueMinor, balance.currency, l) });
      return ctx.html(reply, 200, recordPage(request, { result: `<p class="notice" role="status" id="recorded">${escapeHtml(done)}</p><p class="code" id="receipt">${escapeHtml(p.receiptNumber)}</p><p id="balance">${escapeHtml(after)}</p>` }));
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(statusOf(err), errorMessage(err.code, l, err.values));
    }
  });
}
