import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { enqueueForCustomer } from '../../aaa/enforcement.js';
import { changePlan, type CustomerSummary, findCustomer, findPlanById, formatMoney, listPlans, type Plan, type PlanChangePreview, previewPlanChange, setCustomerPlan } from '../../billing/index.js';
import type { Db } from '../../db/connection.js';
import { LangoError } from '../../errors.js';
import { t, type Language } from '../../i18n/index.js';
import { recordAudit } from '../../staff/index.js';
import { renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, escapeHtml, flash, formatTime, ltr, numberLocale, one, text } from './ui.js';

// Issue 7: moving a customer to another plan. A preview first shows the prorated charge or
// credit; "Confirm" carries out the change as of the preview's moment, and only if the preview
// still holds (same amounts), so what staff saw is what the customer is charged.

/** A preview older than this is computed again rather than confirmed. */
const PREVIEW_VALID_MS = 10 * 60_000;
type When = 'now' | 'renewal';
const isWhen = (value: unknown): value is When => value === 'now' || value === 'renewal';
/** The confirm form's fingerprint when a customer without a plan gets one. */
const START = 'start';

/** What the confirm form carries back: the preview's amounts, so a changed cost is noticed. */
const fingerprint = (p: PlanChangePreview) => [p.effect, p.creditNote?.amountMinor ?? 0, p.invoice?.grossMinor ?? 0, p.newPeriod ? 1 : 0].join(':');

export function registerCustomerPlanRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const customerUrl = (username: string) => `${prefix}/customers/${encodeURIComponent(username)}`;

  const customerOr404 = (request: FastifyRequest<{ Params: { username: string } }>, reply: FastifyReply) => {
    const customer = findCustomer(db, request.params.username);
    if (!customer) screens.message(request, reply, 404, t('staff.staffCustomers.unknown', { username: request.params.username.slice(0, 64) }, screens.languageOf(request)));
    return customer;
  };

  const frame = (request: FastifyRequest, customer: CustomerSummary, body: string) => {
    const l = screens.languageOf(request);
    return renderFrame({ language: l, prefix, signedIn: screens.signedIn(screens.sessionOf(request)), title: t('staff.staffCustomers.planHeading', { username: customer.username }, l), body, current: '/customers' });
  };

  /** An input error (unknown plan, same plan, no subscription) in words; undefined for anything else. */
  const wordsFor = (err: LangoError, customer: CustomerSummary, l: Language): string | undefined => {
    if (err.code === 'INPUT_UNKNOWN_PLAN') return t('staff.staffCustomers.errors.plan', {}, l);
    if (err.code === 'INPUT_SAME_PLAN') return t('staff.staffCustomers.samePlan', { plan: customer.plan ?? '' }, l);
    if (err.code === 'INPUT_NO_SUBSCRIPTION') return t('staff.staffCustomers.noSubscription', {}, l);
    return undefined;
  };

  function choosePage(request: FastifyRequest, customer: CustomerSummary, input: { planId?: string; when?: string; error?: string } = {}): string {
    const l = screens.languageOf(request);
    const others = listPlans(db).filter((p) => p.name !== customer.plan);
    const current = `<p>${text('staff.staffCustomers.planCurrent', l, { plan: customer.plan ?? t('staff.staffCustomers.noPlan', {}, l) })}</p>`;
    const back = `<ul class="links"><li><a href="${customerUrl(customer.username)}">${escapeHtml(customer.username)}</a></li></ul>`;
    if (others.length === 0) return frame(request, customer, `${current}<p>${text('staff.staffCustomers.noPlans', l)}</p>${back}`);
    const when = input.when === 'renewal' ? 'renewal' : 'now';
    const radio = (value: When, label: 'whenNow' | 'whenRenewal') => `<label><input type="radio" name="when" value="${value}"${when === value ? ' checked' : ''}> ${text(`staff.staffCustomers.${label}`, l)}</label>`;
    const body =
      `${flash({ error: input.error })}${current}<form method="get" action="${customerUrl(customer.username)}/plan/preview">` +
      `<label for="planId">${text('staff.staffCustomers.newPlan', l)}</label><select id="planId" name="planId" required>${others
        .map((p) => `<option value="${p.id}"${input.planId === String(p.id) ? ' selected' : ''}>${text('staff.staffCustomers.planOption', l, { name: p.name, price: formatMoney(p.priceMinor, p.currency, numberLocale(l)), kind: t(`staff.staffCustomers.kinds.${p.billingKind}`, {}, l) })}</option>`)
        .join('')}</select>` +
      `<fieldset><legend>${text('staff.staffCustomers.when', l)}</legend>${radio('now', 'whenNow')}${radio('renewal', 'whenRenewal')}</fieldset>` +
      `<button class="main" type="submit">${text('staff.staffCustomers.previewButton', l)}</button></form>${back}`;
    return frame(request, customer, body);
  }

  function previewPage(request: FastifyRequest, customer: CustomerSummary, planId: number, preview: PlanChangePreview, notice?: string): string {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const money = (minor: number) => ltr(formatMoney(minor, preview.currency, numberLocale(l)));
    const line = (key: Parameters<typeof text>[0], values: Record<string, unknown>, id: string, html: Record<string, string> = {}) => {
      // Amounts keep their left-to-right order inside an Arabic sentence.
      let out = text(key, l, { ...values, ...Object.fromEntries(Object.keys(html).map((k) => [k, `\u0000${k}\u0000`])) });
      for (const [k, v] of Object.entries(html)) out = out.replace(`\u0000${k}\u0000`, v);
      return `<p id="${id}">${out}</p>`;
    };
    const parts: string[] = [line('staff.staffCustomers.previewMove', { from: preview.from, to: preview.to }, 'preview-move')];
    if (preview.effect === 'renewal') parts.push(line('staff.staffCustomers.previewRenewal', { date: formatTime(preview.effectiveAt, screens.zone) }, 'preview-renewal'));
    else {
      if (preview.creditNote) parts.push(line('staff.staffCustomers.previewCredit', { invoice: preview.creditNote.invoiceNumber }, 'preview-credit', { amount: money(preview.creditNote.amountMinor) }));
      if (preview.invoice) parts.push(line('staff.staffCustomers.previewCharge', { description: preview.invoice.lines.map((x) => x.description).join(', ') }, 'preview-charge', { amount: money(preview.invoice.grossMinor) }));
      const net = (preview.invoice?.grossMinor ?? 0) - (preview.creditNote?.amountMinor ?? 0);
      if (!preview.creditNote && !preview.invoice) parts.push(`<p id="preview-nothing">${text('staff.staffCustomers.previewNothing', l)}</p>`);
      else if (net >= 0) parts.push(line('staff.staffCustomers.previewPays', {}, 'preview-net', { amount: money(net) }));
      else parts.push(line('staff.staffCustomers.previewGets', {}, 'preview-net', { amount: money(-net) }));
      if (preview.newPeriod) {
        const plan = findPlanById(db, planId);
        if (plan) parts.push(`<p>${text('staff.staffCustomers.previewNewPeriod', l, { kind: t(`staff.staffCustomers.kinds.${plan.billingKind}`, {}, l) })}</p>`);
      }
      if (preview.rateLimit) parts.push(line('staff.staffCustomers.previewSpeed', {}, 'preview-speed', { rate: ltr(preview.rateLimit) }));
    }
    const body =
      `${notice ? `<p class="warn" role="alert">${escapeHtml(notice)}</p>` : ''}<h2>${text('staff.staffCustomers.previewHeading', l)}</h2><div id="preview">${parts.join('')}</div>` +
      `<form method="post" action="${customerUrl(customer.username)}/plan">${csrfField(session.csrfToken)}<input type="hidden" name="planId" value="${planId}"><input type="hidden" name="when" value="${preview.when}"><input type="hidden" name="at" value="${preview.at}"><input type="hidden" name="expect" value="${escapeHtml(fingerprint(preview))}">` +
      `<button class="main" type="submit">${text('staff.staffCustomers.confirmButton', l)}</button></form>` +
      `<ul class="links"><li><a href="${customerUrl(customer.username)}/plan?planId=${planId}&amp;when=${preview.when}">${text('staff.staffCustomers.chooseAgain', l)}</a></li><li><a href="${customerUrl(customer.username)}">${escapeHtml(customer.username)}</a></li></ul>`;
    return frame(request, customer, body);
  }

  /** A customer without a plan gets one from now, as `lango customer set-plan` does: nothing to prorate. */
  function startPage(request: FastifyRequest, customer: CustomerSummary, plan: Plan, at: number, notice?: string): string {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const body =
      `${notice ? `<p class="warn" role="alert">${escapeHtml(notice)}</p>` : ''}<h2>${text('staff.staffCustomers.previewHeading', l)}</h2><div id="preview"><p id="preview-start">${text('staff.staffCustomers.previewStart', l, { plan: plan.name })}</p></div>` +
      `<form method="post" action="${customerUrl(customer.username)}/plan">${csrfField(session.csrfToken)}<input type="hidden" name="planId" value="${plan.id}"><input type="hidden" name="when" value="now"><input type="hidden" name="at" value="${at}"><input type="hidden" name="expect" value="${START}">` +
      `<button class="main" type="submit">${text('staff.staffCustomers.confirmButton', l)}</button></form>` +
      `<ul class="links"><li><a href="${customerUrl(customer.username)}/plan?planId=${plan.id}">${text('staff.staffCustomers.chooseAgain', l)}</a></li><li><a href="${customerUrl(customer.username)}">${escapeHtml(customer.username)}</a></li></ul>`;
    return frame(request, customer, body);
  }

  app.get<{ Params: { username: string }; Querystring: Record<string, unknown> }>('/customers/:username/plan', { config: { staffAction: 'customers.plan' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const planId = one(request.query.planId);
    const when = one(request.query.when);
    return screens.html(reply, 200, choosePage(request, customer, { ...(planId && { planId }), ...(when && { when }) }));
  });

  app.get<{ Params: { username: string }; Querystring: Record<string, unknown> }>('/customers/:username/plan/preview', { config: { staffAction: 'customers.plan' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const l = screens.languageOf(request);
    const rawPlan = one(request.query.planId) ?? '';
    const when = one(request.query.when);
    const plan = /^\d{1,9}$/.test(rawPlan) ? findPlanById(db, Number(rawPlan)) : undefined;
    if (!plan || !isWhen(when)) return screens.html(reply, 400, choosePage(request, customer, { planId: rawPlan, ...(when && { when }), error: t('staff.staffCustomers.errors.plan', {}, l) }));
    if (customer.subscriptionStatus === null) return screens.html(reply, 200, startPage(request, customer, plan, screens.now()));
    try {
      const preview = previewPlanChange(db, { username: customer.username, planName: plan.name, when, at: screens.now(), zone: screens.zone });
      return screens.html(reply, 200, previewPage(request, customer, plan.id, preview));
    } catch (err) {
      const words = err instanceof LangoError ? wordsFor(err, customer, l) : undefined;
      if (!words) throw err;
      return screens.html(reply, 409, choosePage(request, customer, { planId: rawPlan, when, error: words }));
    }
  });

  app.post<{ Params: { username: string } }>('/customers/:username/plan', { config: { staffAction: 'customers.plan' } }, async (request, reply) => {
    const customer = customerOr404(request, reply);
    if (!customer) return reply;
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const rawPlan = one(raw.planId) ?? '';
    const when = one(raw.when);
    const plan = /^\d{1,9}$/.test(rawPlan) ? findPlanById(db, Number(rawPlan)) : undefined;
    if (!plan || !isWhen(when)) return screens.html(reply, 400, choosePage(request, customer, { planId: rawPlan, ...(when && { when }), error: t('staff.staffCustomers.errors.plan', {}, l) }));
    const now = screens.now();
    const rawAt = one(raw.at) ?? '';
    const previewAt = /^\d{1,15}$/.test(rawAt) ? Number(rawAt) : NaN;
    // The change happens as of the preview's moment (the amounts shown), if that was recently.
    const fresh = previewAt <= now && now - previewAt <= PREVIEW_VALID_MS;
    const at = fresh ? previewAt : now;
    const input = { username: customer.username, planName: plan.name, when, at, zone: screens.zone };
    const actor = `staff:${session.staff.username}`;
    if (customer.subscriptionStatus === null) {
      const started = db.transaction((tx) => {
        const d = tx as Db;
        if (!fresh || one(raw.expect) !== START || findCustomer(d, customer.username)?.subscriptionStatus !== null) return false;
        setCustomerPlan(d, customer.username, plan.name, screens.zone, at);
        recordAudit(d, actor, 'customer.plan', `customer:${customer.id}`, { username: customer.username, before: { plan: null }, after: { plan: plan.name }, when: 'now' }, now);
        return true;
      }, { behavior: 'immediate' });
      if (!started) return screens.html(reply, 409, startPage(request, customer, plan, now, t('staff.staffCustomers.planStale', {}, l)));
      request.log.info({ staff: session.staff.username, customer: customer.username, to: plan.name }, 'plan started');
      return reply.redirect(`${customerUrl(customer.username)}?done=plan-start`, 303);
    }
    try {
      const outcome = db.transaction((tx) => {
        const d = tx as Db;
        const preview = previewPlanChange(d, input);
        if (!fresh || fingerprint(preview) !== one(raw.expect)) return { kind: 'stale' as const, preview };
        const result = changePlan(d, { ...input, actor });
        // The speed changes on live sessions at the same moment, as `lango customer change-plan` does.
        const sessions = result.rateLimit ? enqueueForCustomer(d, customer.id, 'coa', 'plan changed', result.rateLimit, now) : 0;
        recordAudit(d, actor, 'customer.plan', `customer:${customer.id}`, {
          username: customer.username,
          before: { plan: result.from },
          after: { plan: result.to },
          when,
          invoice: result.invoice && { number: result.invoice.number, grossMinor: result.invoice.grossMinor, currency: result.invoice.currency },
          creditNote: result.creditNote && { number: result.creditNote.number, grossMinor: result.creditNote.grossMinor, currency: result.creditNote.currency },
          sessions,
        }, now);
        return { kind: 'changed' as const, result, sessions };
      }, { behavior: 'immediate' });
      if (outcome.kind === 'stale') return screens.html(reply, 409, previewPage(request, customer, plan.id, outcome.preview, t('staff.staffCustomers.planStale', {}, l)));
      request.log.info({ staff: session.staff.username, customer: customer.username, from: outcome.result.from, to: outcome.result.to, when }, 'plan changed');
      const done = findCustomer(db, customer.username)?.plan === plan.name ? 'plan-now' : 'plan-renewal';
      return reply.redirect(`${customerUrl(customer.username)}?done=${done}&count=${outcome.sessions}&plan=${encodeURIComponent(plan.name)}`, 303);
    } catch (err) {
      const words = err instanceof LangoError ? wordsFor(err, customer, l) : undefined;
      if (!words) throw err;
      return screens.html(reply, 409, choosePage(request, customer, { planId: rawPlan, when, error: words }));
    }
  });
}
