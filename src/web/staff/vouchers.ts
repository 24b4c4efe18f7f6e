import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { enqueueForCustomer } from '../../aaa/enforcement.js';
import { listNas } from '../../aaa/nas.js';
import { formatMoney, listPlans } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import type { Currency } from '../../db/schema/billing.js';
import { errorMessage, LangoError } from '../../errors.js';
import { batchSheet, MAX_BATCH, renderCardsPdf, revokeVouchers, type VoucherState } from '../../hotspot/index.js';
import { batchMadeWithKey, batchReport, batchReportPage, createBatchOnce, voucherPage, type BatchReport } from '../../hotspot/vouchers.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { getSetting } from '../../settings/index.js';
import { can, recordAudit } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { confirmBox, confirmed, csrfField, escapeHtml, flash, formatBytes, formatTime, ltr, numberLocale, one, pager, paging, table, text } from './ui.js';

// Issue 7's vouchers screen: batches with their sales, a batch's codes, creating a batch (as
// `lango voucher create`), its printable cards (as `lango voucher print`) and revoking what is
// still unused (lost or stolen cards). Codes are bearer credentials, as good as cash: only roles
// that may manage vouchers see them; support sees states and use.

const STATES: readonly VoucherState[] = ['unused', 'active', 'exhausted', 'expired', 'revoked'];
const BATCHES_PER_PAGE = 20;
const CODES_PER_PAGE = 50;
const REASON_MAX = 200;
const ID = /^\d{1,9}$/;
const FORM_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const tx = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.vouchers.${key}` as MessageKey, values, l);
const field = (raw: Record<string, unknown>, name: string, max: number) => (one(raw[name]) ?? '').trim().slice(0, max);

interface CreateValues { /** The form's one-time key: the same form sent twice makes one batch. */ key?: string; plan?: string; count?: string; length?: string; prefix?: string; useBefore?: string; macLock?: boolean; routers?: string[]; seller?: string }

export function registerVoucherRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  // The key that seals voucher passwords, lent by the daemon (absent in a bare plugin).
  const boxOf = () => screens.services.box;
  const batchUrl = (id: number) => `${prefix}/vouchers/${id}`;
  const day = (ms: number | null) => formatTime(ms, screens.zone).slice(0, 10);
  const frame = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string) =>
    screens.html(reply, status, renderFrame({ language: screens.languageOf(request), prefix, signedIn: screens.signedIn(screens.sessionOf(request)), title, current: '/vouchers', body }));

  app.get<{ Querystring: Record<string, string | undefined> }>('/vouchers', { config: { staffAction: 'vouchers.view' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const page = paging(request.query, BATCHES_PER_PAGE);
    const reports = batchReportPage(db, { limit: BATCHES_PER_PAGE + 1, offset: page.offset }, screens.now());
    const head = [tx('batch', l), tx('plan', l), tx('count', l), tx('used', l), tx('states.unused', l), tx('states.expired', l), tx('states.revoked', l), tx('created', l), tx('seller', l)].map(escapeHtml);
    const rows = reports
      .slice(0, BATCHES_PER_PAGE)
      .map((r) => [`<a href="${batchUrl(r.batch.id)}">${ltr(r.batch.name)}</a>`, escapeHtml(r.plan), ltr(String(r.batch.count)), ltr(String(r.used)), ltr(String(r.counts.unused)), ltr(String(r.counts.expired)), ltr(String(r.counts.revoked)), ltr(day(r.batch.createdAt)), escapeHtml(r.batch.seller ?? '')]);
    const create = can(session.staff.role, 'vouchers.manage') ? `<ul class="links"><li><a href="${prefix}/vouchers/new">${text('staff.vouchers.createLink', l)}</a></li></ul>` : '';
    // Batches have no filters but the page: the list is short and newest first.
    const list = reports.length === 0 ? `<p role="status">${text('staff.vouchers.none', l)}</p>` : `${table('batches', head, rows)}${pager({ language: l, path: `${prefix}/vouchers`, filters: {}, paging: page, more: reports.length > BATCHES_PER_PAGE })}`;
    return frame(request, reply, 200, tx('heading', l), `${create}${list}`);
  });

  function createPage(request: FastifyRequest, reply: FastifyReply, status: number, extra: { values?: CreateValues; error?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const v = extra.values ?? {};
    const plans = listPlans(db).filter((p) => p.billingKind === 'prepaid');
    if (plans.length === 0) return frame(request, reply, status, tx('create.heading', l), `<p class="warn">${text('staff.vouchers.create.noPlans', l)}</p>`);
    const routers = listNas(db);
    const today = DateTime.fromMillis(screens.now(), { zone: screens.zone }).toISODate()!;
    const input = (name: keyof CreateValues, id: string, label: MessageKey, attrs: string, value: string) => `<label for="${id}">${text(label, l)}</label><input id="${id}" name="${name}" ${attrs} value="${escapeHtml(value)}">`;
    const body =
      `${flash({ error: extra.error })}<form method="post" action="${prefix}/vouchers">${csrfField(session.csrfToken)}<input type="hidden" name="key" value="${escapeHtml(v.key ?? randomUUID())}">` +
      `<label for="plan">${text('staff.vouchers.create.plan', l)}</label><select id="plan" name="plan" required>${plans.map((p) => `<option value="${p.id}"${String(p.id) === v.plan ? ' selected' : ''}>${escapeHtml(p.name)}</option>`).join('')}</select>` +
      input('count', 'count', 'staff.vouchers.create.count', `required inputmode="numeric" pattern="[0-9]*" maxlength="5" class="ltr" autocomplete="off"`, v.count ?? '') +
      input('length', 'length', 'staff.vouchers.create.length', `inputmode="numeric" pattern="[0-9]*" maxlength="2" class="ltr" autocomplete="off"`, v.length ?? '8') +
      input('prefix', 'prefix', 'staff.vouchers.create.prefix', `maxlength="6" class="ltr" autocapitalize="characters" spellcheck="false" autocomplete="off"`, v.prefix ?? '') +
      input('useBefore', 'use-before', 'staff.vouchers.create.useBefore', `type="date" min="${today}"`, v.useBefore ?? '') +
      `<label class="check"><input type="checkbox" name="macLock" value="yes"${v.macLock ? ' checked' : ''}> ${text('staff.vouchers.create.macLock', l)}</label>` +
      (routers.length === 0
        ? ''
        : `<fieldset><legend>${text('staff.vouchers.create.routers', l)}</legend>${routers.map((r) => `<label><input type="checkbox" name="router-${r.id}" value="yes"${v.routers?.includes(String(r.id)) ? ' checked' : ''}> ${escapeHtml(r.name)}</label>`).join('')}</fieldset>`) +
      input('seller', 'seller', 'staff.vouchers.create.seller', 'maxlength="60" autocomplete="off"', v.seller ?? '') +
      `<button class="main" type="submit">${text('staff.vouchers.create.button', l)}</button></form>` +
      `<ul class="links"><li><a href="${prefix}/vouchers">${text('staff.vouchers.back', l)}</a></li></ul>`;
    return frame(request, reply, status, tx('create.heading', l), body);
  }

  app.get('/vouchers/new', { config: { staffAction: 'vouchers.manage' } }, async (request, reply) => createPage(request, reply, 200));

  app.post('/vouchers', { config: { staffAction: 'vouchers.manage' } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const routers = listNas(db);
    // One name per router: the form body keeps one value per name.
    const ticked = routers.filter((r) => raw[`router-${r.id}`] === 'yes').map((r) => String(r.id));
    const key = field(raw, 'key', 36).toLowerCase();
    const values: CreateValues = { ...(FORM_KEY.test(key) && { key }), plan: field(raw, 'plan', 12), count: field(raw, 'count', 6), length: field(raw, 'length', 3), prefix: field(raw, 'prefix', 6).toUpperCase(), useBefore: field(raw, 'useBefore', 10), macLock: raw.macLock === 'yes', routers: ticked, seller: field(raw, 'seller', 60) };
    const refuse = (error: string) => createPage(request, reply, 400, { values, error });
    const actor = `staff:${session.staff.username}`;
    // A page from before forms had keys, or a hand-made POST: without a key a resend cannot be recognised.
    if (values.key === undefined) return refuse(tx('create.staleForm', l));
    // Sent again (a double click, a reload of the POST): show the batch the first sending made.
    const earlier = batchMadeWithKey(db, values.key);
    if (earlier) return reply.redirect(`${batchUrl(earlier.id)}?done=created`, 303);
    const plan = listPlans(db).find((p) => String(p.id) === values.plan && p.billingKind === 'prepaid');
    if (!plan) return refuse(tx('create.badPlan', l));
    if (!/^\d{1,5}$/.test(values.count!) || Number(values.count) < 1 || Number(values.count) > MAX_BATCH) return refuse(tx('create.badCount', l, { max: MAX_BATCH }));
    const length = values.length === '' ? 8 : Number(values.length);
    if (!/^\d{1,2}$/.test(values.length || '8') || length < 6 || length > 16) return refuse(tx('create.badLength', l));
    let useBefore: number | null = null;
    if (values.useBefore !== '') {
      const date = /^\d{4}-\d\d-\d\d$/.test(values.useBefore!) ? DateTime.fromISO(values.useBefore!, { zone: screens.zone }).endOf('day') : undefined;
      if (!date?.isValid || date.toMillis() < screens.now()) return refuse(tx('create.badDate', l));
      useBefore = date.toMillis();
    }
    const nasIds = ticked.map(Number);
    const box = boxOf();
    if (!box) return refuse(tx('create.noKey', l));
    try {
      // createBatchOnce audits the creation in its own transaction, and checks the key again inside it.
      const { batch, created } = createBatchOnce(db, box, {
        key: values.key,
        planName: plan.name,
        count: Number(values.count),
        codeLength: length,
        prefix: values.prefix!,
        useBefore,
        macLock: values.macLock ?? false,
        nasIds,
        seller: values.seller || null,
        actor,
        now: screens.now(),
      });
      if (created) request.log.info({ staff: session.staff.username, batch: batch.name, count: batch.count }, 'voucher batch created');
      return reply.redirect(`${batchUrl(batch.id)}?done=created`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      return refuse(errorMessage(err.code, l, err.values));
    }
  });

  function batchPage(request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply, report: BatchReport, status: number, extra: { notice?: string; error?: string; reason?: string } = {}) {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const manager = can(session.staff.role, 'vouchers.manage');
    const { batch } = report;
    const q = request.query ?? {};
    const stateText = one(q.state) ?? '';
    const state = (STATES as readonly string[]).includes(stateText) ? (stateText as VoucherState) : undefined;
    const page = paging(q, CODES_PER_PAGE);
    const routerNames = batch.nasIds === null ? tx('everyRouter', l) : listNas(db).filter((r) => batch.nasIds!.includes(r.id)).map((r) => r.name).join(', ');
    const row = (label: string, value: string) => `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
    const details = `<h2>${text('staff.vouchers.details', l)}</h2><div class="scroll"><table id="details"><tbody>${[
      row(tx('plan', l), escapeHtml(report.plan)),
      row(tx('price', l), ltr(formatMoney(batch.priceMinor, batch.currency as Currency, numberLocale(l)))),
      row(tx('count', l), ltr(String(batch.count))),
      row(tx('used', l), ltr(String(report.used))),
      ...STATES.map((s) => row(tx(`states.${s}`, l), `<span id="count-${s}">${ltr(String(report.counts[s]))}</span>`)),
      row(tx('created', l), ltr(formatTime(batch.createdAt, screens.zone))),
      row(tx('useBefore', l), ltr(batch.useBefore === null ? '—' : day(batch.useBefore))),
      row(tx('macLock', l), escapeHtml(tx(batch.macLock ? 'macLockOn' : 'macLockOff', l))),
      row(tx('routers', l), escapeHtml(routerNames)),
      ...(batch.seller ? [row(tx('seller', l), escapeHtml(batch.seller))] : []),
    ].join('')}</tbody></table></div>`;

    const filterForm =
      `<form method="get" action="${batchUrl(batch.id)}" class="filters" role="search"><div><label for="f-state">${text('staff.vouchers.state', l)}</label><select id="f-state" name="state">` +
      `<option value="">${text('staff.vouchers.anyState', l)}</option>${STATES.map((s) => `<option value="${s}"${s === state ? ' selected' : ''}>${text(`staff.vouchers.states.${s}` as MessageKey, l)}</option>`).join('')}</select></div>` +
      `<button type="submit">${text('staff.vouchers.filter', l)}</button></form>`;
    const codes = voucherPage(db, batch.id, state, { limit: CODES_PER_PAGE + 1, offset: page.offset }, screens.now());
    const head = [tx('serial', l), ...(manager ? [tx('code', l)] : []), tx('state', l), tx('firstUse', l), tx('ends', l), tx('usage', l), tx('device', l)].map(escapeHtml);
    const rows = codes
      .slice(0, CODES_PER_PAGE)
      .map((c) => [ltr(String(c.serial)), ...(manager ? [`<span class="mono ltr">${escapeHtml(c.code)}</span>`] : []), escapeHtml(tx(`states.${c.state}`, l)), ltr(formatTime(c.firstUsedAt, screens.zone)), ltr(formatTime(c.endsAt, screens.zone)), ltr(formatBytes(c.bytesUsed)), ltr(c.lockedMac ?? '')]);
    const codesHtml =
      `<h2>${text('staff.vouchers.codes', l)}</h2>${manager ? '' : `<p class="hint">${text('staff.vouchers.codesHidden', l)}</p>`}${filterForm}` +
      (codes.length === 0 ? `<p role="status">${text('staff.vouchers.noCodes', l)}</p>` : `${table('codes', head, rows)}${pager({ language: l, path: batchUrl(batch.id), filters: { state }, paging: page, more: codes.length > CODES_PER_PAGE })}`);

    const links = [
      ...(manager ? [`<li><a href="${batchUrl(batch.id)}/cards.pdf">${text('staff.vouchers.print', l)}</a></li>`] : []),
      `<li><a href="${prefix}/vouchers">${text('staff.vouchers.back', l)}</a></li>`,
    ];
    const revoke =
      manager && report.counts.unused > 0
        ? `<h2>${text('staff.vouchers.revoke.heading', l)}</h2><p class="hint">${text('staff.vouchers.revoke.hint', l)}</p><form method="post" action="${batchUrl(batch.id)}/revoke">${csrfField(session.csrfToken)}` +
          `<label for="reason">${text('staff.vouchers.revoke.reason', l)}</label><input id="reason" name="reason" required maxlength="${REASON_MAX}" autocomplete="off" value="${escapeHtml(extra.reason ?? '')}">` +
          `${confirmBox(l, tx('revoke.what', l))}<button class="main danger" type="submit">${text('staff.vouchers.revoke.button', l)}</button></form>`
        : '';
    return frame(request, reply, status, `${tx('batch', l)} ${batch.name}`, `${flash(extra)}${details}<ul class="links">${links.join('')}</ul>${codesHtml}${revoke}`);
  }

  const reportOr404 = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): BatchReport | undefined => {
    const report = ID.test(request.params.id) ? batchReport(db, Number(request.params.id), screens.now()) : undefined;
    if (!report) screens.message(request, reply, 404, tx('notFound', screens.languageOf(request), { id: request.params.id.slice(0, 20) }));
    return report;
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/vouchers/:id', { config: { staffAction: 'vouchers.view' } }, async (request, reply) => {
    const report = reportOr404(request, reply);
    if (!report) return reply;
    const l = screens.languageOf(request);
    const done = one(request.query.done);
    const notice = done === 'created' ? tx('create.done', l, { name: report.batch.name, count: report.batch.count }) : done === 'revoked' ? tx('revoke.done', l, { count: Number(one(request.query.count) ?? 0) || 0 }) : undefined;
    return batchPage(request, reply, report, 200, notice ? { notice } : {});
  });

  app.get<{ Params: { id: string } }>('/vouchers/:id/cards.pdf', { config: { staffAction: 'vouchers.manage' } }, async (request, reply) => {
    const report = reportOr404(request, reply);
    if (!report) return reply;
    const l = screens.languageOf(request);
    const box = boxOf();
    if (!box) return screens.message(request, reply, 503, tx('create.noKey', l));
    const host = getSetting(db, 'hotspot.routerHosts')[0];
    const sheet = batchSheet(db, box, report.batch.id, { language: l, zone: screens.zone, ssid: getSetting(db, 'hotspot.ssid'), loginUrl: host ? `http://${host}/login?username={code}` : null });
    const pdf = await renderCardsPdf(sheet);
    recordAudit(db, `staff:${screens.sessionOf(request).staff.username}`, 'voucher.batch.print', `batch:${report.batch.id}`, { name: report.batch.name, cards: sheet.cards.length }, screens.now());
    return reply.code(200).type('application/pdf').header('content-disposition', `attachment; filename="${report.batch.name}-cards.pdf"`).send(pdf);
  });

  app.post<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>('/vouchers/:id/revoke', { config: { staffAction: 'vouchers.manage' } }, async (request, reply) => {
    const report = reportOr404(request, reply);
    if (!report) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const reason = field(raw, 'reason', REASON_MAX);
    if (reason.length < 3) return batchPage(request, reply, report, 400, { error: tx('revoke.missing', l), reason });
    if (!confirmed(raw)) return batchPage(request, reply, report, 400, { error: tx('revoke.notConfirmed', l), reason });
    const at = screens.now();
    const result = db.transaction((d) => {
      // revokeVouchers audits the revocation; a code used meanwhile is not unused any more and is left alone.
      const revoked = revokeVouchers(d as Db, { batchId: report.batch.id, unusedOnly: true, reason, actor: `staff:${session.staff.username}`, now: at });
      for (const id of revoked.customerIds) enqueueForCustomer(d as Db, id, 'disconnect', 'voucher cancelled', null, at);
      return revoked;
    }, { behavior: 'immediate' });
    request.log.info({ staff: session.staff.username, batch: report.batch.name, revoked: result.revoked }, 'vouchers revoked');
    return reply.redirect(`${batchUrl(report.batch.id)}?done=revoked&count=${result.revoked}`, 303);
  });
}
