import { DateTime } from 'luxon';
import { formatMoney } from '../../billing/index.js';
import type { Currency } from '../../db/schema/billing.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import type { PortalPlanView, PortalPreview } from '../../portal/index.js';
import { escapeHtml, renderFrame, type SignedIn } from './pages.js';

// The "My plan" page, a plan change's preview and the pause confirmation, as small
// server-rendered HTML. Every action is its own form with its own button; nothing needs script.

const text = (key: string, l: Language, values: Record<string, unknown> = {}) => escapeHtml(t(`portal.selfService.plan.${key}` as MessageKey, values, l));
/** Figures inside a sentence keep their own left-to-right order in Arabic (Unicode isolates). */
const iso = (value: string) => `\u2068${value}\u2069`;
const ltr = (value: string) => `<bdi dir="ltr">${escapeHtml(value)}</bdi>`;
const locale = (l: Language) => (l === 'ar' ? 'ar-u-nu-latn' : 'en');
const money = (minor: number, currency: Currency, l: Language) => formatMoney(minor, currency, locale(l));
const day = (ms: number, zone: string, l: Language) => DateTime.fromMillis(ms, { zone }).setLocale(locale(l)).toFormat('d LLL yyyy');
const dayTime = (ms: number, zone: string, l: Language) => DateTime.fromMillis(ms, { zone }).setLocale(locale(l)).toFormat('d LLL yyyy, HH:mm');
const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
const flash = (input: { notice?: string | undefined; error?: string | undefined }) =>
  `${input.notice ? `<p class="notice" role="status" id="plan-notice">${escapeHtml(input.notice)}</p>` : ''}${input.error ? `<p class="error" role="alert" id="plan-error">${escapeHtml(input.error)}</p>` : ''}`;
const REFUSAL_KEYS = { account: 'account', 'not-running': 'notRunning', paused: 'paused', 'no-plan': 'noPlan', 'not-offered': 'notOffered' } as const;
const PAUSE_KEYS = { 'not-allowed': 'notAllowed', 'not-running': 'notRunning', postpaid: 'postpaid', account: 'account', 'used-up': 'usedUp', 'already-paused': 'alreadyPaused' } as const;

export const changeRefusalText = (reason: keyof typeof REFUSAL_KEYS, l: Language) => t(`portal.selfService.plan.change.refused.${REFUSAL_KEYS[reason]}`, {}, l);
export const pauseRefusalText = (reason: keyof typeof PAUSE_KEYS, perYear: number, l: Language) => t(`portal.selfService.plan.pause.refused.${PAUSE_KEYS[reason]}`, { perYear }, l);

interface Base {
  language: Language;
  prefix: string;
  signedIn: SignedIn;
  zone: string;
}

export interface PlanPageInput extends Base {
  view: PortalPlanView;
  notice?: string | undefined;
  error?: string | undefined;
  /** The MAC the customer typed, shown back after an error. */
  typedMac?: string;
}

export function planPage(input: PlanPageInput): string {
  const { language: l, prefix, view, zone } = input;
  const csrf = csrfField(input.signedIn.csrfToken);
  const row = (id: string, label: string, value: string) => `<dt>${label}</dt><dd id="${id}">${value}</dd>`;

  const plan = view.plan;
  let current = `<p>${text('current.none', l)}</p>`;
  if (plan) {
    const pending = view.nextPlan
      ? `<p id="pending">${text('pending', l, { date: view.nextPlan.at === null ? '' : day(view.nextPlan.at, zone, l), plan: view.nextPlan.name, price: iso(money(view.nextPlan.priceMinor, view.nextPlan.currency, l)) })}</p>` +
        `<form method="post" action="${prefix}/plan/cancel-change">${csrf}<button class="primary" type="submit">${text('cancelChange', l)}</button></form>`
      : '';
    current =
      `<dl>${row('current-plan', text('current.plan', l), escapeHtml(plan.name))}${row('current-price', text('current.price', l), ltr(money(plan.priceMinor, plan.currency, l)))}` +
      `${view.lineStatus ? row('line-status', text('current.line', l), text(`lineStatus.${view.lineStatus}`, l)) : ''}` +
      `${row('paid-until', text('current.paidUntil', l), view.periodEnd === null ? text('current.openEnded', l) : escapeHtml(day(view.periodEnd, zone, l)))}` +
      `${plan.rateLimit ? row('current-speed', text('current.speed', l), ltr(plan.rateLimit)) : ''}</dl>${pending}`;
  }

  let change: string;
  if (view.changeRefusal) change = `<p id="change-refused">${escapeHtml(changeRefusalText(view.changeRefusal, l))}</p>`;
  else if (view.choices.length === 0) change = `<p>${text('change.none', l)}</p>`;
  else {
    change =
      `<p class="hint">${text('change.intro', l)}</p>` +
      view.choices
        .map(
          (c) =>
            `<form method="get" action="${prefix}/plan/preview" id="choice-${c.id}"><h3>${escapeHtml(c.name)}</h3><p>${ltr(money(c.priceMinor, c.currency, l))}${c.rateLimit ? ` · ${ltr(c.rateLimit)}` : ''} · ${text(`change.${c.when}`, l)}</p>` +
            `<input type="hidden" name="planId" value="${c.id}"><button class="primary" type="submit">${text('change.choose', l, { name: c.name })}</button></form>`,
        )
        .join('');
  }

  const { pause: p } = view;
  let pause: string;
  if (p.pausedAt !== null) {
    pause =
      `<p id="pause-state">${text('pause.pausedSince', l, { date: dayTime(p.pausedAt, zone, l) })}${p.endsBy !== null && p.policy.allowed ? ` ${text('pause.endsBy', l, { date: day(p.endsBy, zone, l) })}` : ''}</p>` +
      `<form method="post" action="${prefix}/plan/resume">${csrf}<button class="primary" type="submit">${text('pause.resume', l)}</button></form>`;
  } else if (p.refusal) {
    pause = `<p id="pause-state">${escapeHtml(pauseRefusalText(p.refusal, p.policy.perYear, l))}</p>`;
  } else {
    pause =
      `<p>${text('pause.intro', l, { days: p.policy.maxDays })}</p><p id="pause-left">${text('pause.left', l, { left: Math.max(0, p.policy.perYear - p.usedThisYear), perYear: p.policy.perYear })}</p>` +
      `<p><a href="${prefix}/plan/pause" id="pause-start">${text('pause.start', l)}</a></p>`;
  }

  const { device } = view;
  const deviceState = device.mac ? `<p id="device-current">${text('device.current', l)} ${ltr(device.mac)}</p>` : `<p id="device-current">${text('device.none', l)}</p>`;
  const deviceForms = device.bound
    ? `<p>${text('device.bound', l)}</p>`
    : `<form method="post" action="${prefix}/plan/device">${csrf}<label for="mac">${text('device.label', l)}</label><input id="mac" name="mac" dir="ltr" required maxlength="32" autocomplete="off" autocapitalize="none" spellcheck="false" aria-describedby="mac-hint" value="${escapeHtml(input.typedMac ?? '')}">` +
      `<p class="hint" id="mac-hint">${text('device.hint', l)}</p><button class="primary" type="submit">${text('device.save', l)}</button></form>` +
      (device.mac ? `<form method="post" action="${prefix}/plan/device">${csrf}<input type="hidden" name="clear" value="yes"><button class="primary" type="submit">${text('device.remove', l)}</button></form>` : '');

  const body = `${flash(input)}
<section aria-labelledby="current-heading"><h2 id="current-heading">${text('current.heading', l)}</h2>${current}</section>
<section aria-labelledby="change-heading" id="change"><h2 id="change-heading">${text('change.heading', l)}</h2>${change}</section>
<section aria-labelledby="pause-heading" id="pause"><h2 id="pause-heading">${text('pause.heading', l)}</h2>${pause}</section>
<section aria-labelledby="device-heading" id="device"><h2 id="device-heading">${text('device.heading', l)}</h2><p class="hint">${text('device.intro', l)}</p>${deviceState}${deviceForms}</section>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.plan.heading', {}, l), body, signedIn: input.signedIn });
}

export interface PreviewPageInput extends Base {
  value: PortalPreview;
  notice?: string;
}

export function previewPage(input: PreviewPageInput): string {
  const { language: l, prefix, zone, value } = input;
  const { preview, choice } = value;
  const amount = (minor: number) => iso(money(minor, preview.currency, l));
  const line = (id: string, key: string, values: Record<string, unknown>) => `<p id="${id}">${text(key, l, values)}</p>`;
  const parts = [line('preview-move', 'preview.move', { from: preview.from, to: preview.to })];
  let confirm = true;
  if (preview.effect === 'renewal') parts.push(line('preview-renewal', 'preview.renewal', { date: day(preview.effectiveAt, zone, l), price: amount(choice.priceMinor) }));
  else {
    if (preview.creditNote) parts.push(line('preview-credit', 'preview.credit', { plan: preview.from, amount: amount(preview.creditNote.amountMinor) }));
    const invoice = preview.invoice;
    const paidNow = value.billingKind === 'prepaid' && invoice !== null;
    if (invoice) {
      // Prepaid: the new plan for the rest of the period, paid now; postpaid: the old plan's share so far, due later.
      parts.push(
        paidNow
          ? line('preview-charge', 'preview.charge', { plan: preview.to, date: invoice.periodEnd === null ? '' : day(invoice.periodEnd, zone, l), amount: amount(invoice.grossMinor) })
          : line('preview-charge', 'preview.billed', { plan: preview.from, amount: amount(invoice.grossMinor), date: day(invoice.dueAt, zone, l) }),
      );
    }
    const net = (paidNow ? invoice.grossMinor : 0) - (preview.creditNote?.amountMinor ?? 0);
    if (!preview.creditNote && !paidNow) parts.push(line('preview-net', 'preview.nothing', {}));
    else if (net >= 0) parts.push(line('preview-net', 'preview.pays', { amount: amount(net) }));
    else parts.push(line('preview-net', 'preview.gets', { amount: amount(-net) }));
    if (preview.rateLimit) parts.push(line('preview-speed', 'preview.speed', { rate: iso(preview.rateLimit) }));
    if (value.shortMinor > 0) {
      confirm = false;
      parts.push(`<p class="error" role="alert" id="preview-short">${text('preview.short', l, { wallet: amount(value.walletMinor), short: amount(value.shortMinor) })} <a href="${prefix}/pay">${text('preview.payLink', l)}</a></p>`);
    }
  }
  const form = confirm
    ? `<form method="post" action="${prefix}/plan/change">${csrfField(input.signedIn.csrfToken)}<input type="hidden" name="planId" value="${choice.id}"><input type="hidden" name="when" value="${choice.when}"><input type="hidden" name="at" value="${preview.at}"><input type="hidden" name="expect" value="${escapeHtml(value.fingerprint)}"><button class="primary" type="submit">${text('preview.confirm', l)}</button></form>`
    : '';
  const body = `${flash({ notice: input.notice })}<section aria-labelledby="preview-heading"><h2 id="preview-heading">${text('preview.heading', l)}</h2><div id="preview">${parts.join('')}</div>${form}</section><p><a href="${prefix}/plan">${text('preview.again', l)}</a></p>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.plan.heading', {}, l), body, signedIn: input.signedIn });
}

export function pauseConfirmPage(input: Base & { maxDays: number }): string {
  const { language: l, prefix } = input;
  const body = `<section><p>${text('pause.intro', l, { days: input.maxDays })}</p><p><strong>${text('pause.confirm', l)}</strong></p>
<form method="post" action="${prefix}/plan/pause">${csrfField(input.signedIn.csrfToken)}<button class="primary" type="submit">${text('pause.button', l)}</button></form></section>
<p><a href="${prefix}/plan">${text('pause.back', l)}</a></p>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.plan.pause.heading', {}, l), body, signedIn: input.signedIn });
}
