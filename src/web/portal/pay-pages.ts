import { DateTime } from 'luxon';
import { formatMoney, paymentMethodName, type InvoiceRow, type PaymentRow } from '../../billing/index.js';
import type { Currency } from '../../db/schema/billing.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import type { HistoryPage, PayChoices } from '../../portal/index.js';
import { escapeHtml, renderFrame, type SignedIn } from './pages.js';

// The Pay page, a payment's status and the history, as small server-rendered HTML. One form
// per thing to pay, each with its own button, so pressing Enter in one never pays another.

const text = (key: MessageKey, l: Language, values: Record<string, unknown> = {}) => escapeHtml(t(key, values, l));
/** A key under portal.selfService.pay, checked by the compiler like any MessageKey. */
export type PayKey = MessageKey extends infer K ? (K extends `portal.selfService.pay.${infer Rest}` ? Rest : never) : never;
const pay = (key: PayKey, l: Language, values: Record<string, unknown> = {}) => text(`portal.selfService.pay.${key}`, l, values);
/** Figures inside a sentence keep their own left-to-right order in Arabic (Unicode isolates). */
const iso = (value: string) => `\u2068${value}\u2069`;
const ltr = (value: string) => `<bdi dir="ltr">${escapeHtml(value)}</bdi>`;
const locale = (l: Language) => (l === 'ar' ? 'ar-u-nu-latn' : 'en');
export const money = (minor: number, currency: Currency, l: Language) => formatMoney(minor, currency, locale(l));
const day = (ms: number, zone: string, l: Language) => DateTime.fromMillis(ms, { zone }).setLocale(locale(l)).toFormat('d LLL yyyy');
const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
const flash = (input: { notice?: string | undefined; error?: string | undefined }) =>
  `${input.notice ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>` : ''}${input.error ? `<p class="error" role="alert" id="pay-error">${escapeHtml(input.error)}</p>` : ''}`;

export const providerName = (name: string, l: Language) => (name === 'mpesa' || name === 'momo' ? t(`portal.selfService.pay.providers.${name}`, {}, l) : name);

export interface PayPageInput {
  language: Language;
  prefix: string;
  signedIn: SignedIn;
  zone: string;
  choices: PayChoices;
  /** The provider that prompts the phone, with its amount step; null: paying here is not possible. */
  provider: { name: string; stepMinor: number } | null;
  /** Said instead of the forms when no provider can take the payment. */
  howToPay: { paybill: string | null; address: string | null; phone: string | null };
  error?: string;
  /** What the customer typed, shown back after an error. */
  typed?: { what?: string; phone?: string; amount?: string };
}

export function payPage(input: PayPageInput): string {
  const { language: l, prefix, choices, provider } = input;
  const m = (minor: number) => money(minor, choices.currency, l);
  const summary = `<section aria-labelledby="balance"><h2 id="balance">${pay('balance', l)}</h2><dl>
<dt>${pay('owed', l)}</dt><dd id="pay-owed">${ltr(m(choices.dueMinor))}</dd>
<dt>${pay('wallet', l)}</dt><dd id="pay-wallet">${ltr(m(choices.walletMinor))}</dd></dl>
<p><a href="${prefix}/pay/history">${pay('historyLink', l)}</a></p>
<p><a href="${prefix}/paid" id="paid-link">${text('portal.selfService.paid.portalHeading', l)}</a></p></section>`;
  if (!provider) return renderFrame({ language: l, prefix, title: t('portal.selfService.pay.heading', {}, l), body: `${flash({ error: input.error })}${summary}${howToPaySection(input)}`, signedIn: input.signedIn });

  const rounded = (minor: number) => Math.ceil(minor / provider.stepMinor) * provider.stepMinor;
  const typedPhone = input.typed?.phone ?? choices.phone ?? '';
  const phoneField = (id: string) =>
    `<label for="${id}">${pay('phone', l)}</label><input id="${id}" name="phone" type="tel" dir="ltr" autocomplete="tel" inputmode="tel" maxlength="20" required value="${escapeHtml(input.typed?.what === id.slice('phone-'.length) ? typedPhone : (choices.phone ?? ''))}" aria-describedby="phone-hint">`;
  const form = (what: string, fields: string, button: string, extra = '') =>
    `<form method="post" action="${prefix}/pay">${csrfField(input.signedIn.csrfToken)}<input type="hidden" name="what" value="${escapeHtml(what)}">${fields}${phoneField(`phone-${what}`)}${extra}<button class="primary" type="submit">${button}</button></form>`;
  const payButton = (minor: number) => `${pay('submit', l)} ${ltr(m(minor))}`;
  const roundNote = (due: number) => (rounded(due) === due ? '' : `<p class="hint">${pay('rounded', l, { provider: providerName(provider.name, l), amount: iso(m(rounded(due))) })}</p>`);

  const invoices = choices.invoices
    .map(
      (i) => `<section id="invoice-${escapeHtml(i.number)}" aria-labelledby="h-${escapeHtml(i.number)}"><h2 id="h-${escapeHtml(i.number)}">${pay('invoice', l, { number: iso(i.number), amount: iso(m(i.dueMinor)), date: day(i.dueAt, input.zone, l) })}</h2>
${form(`invoice:${i.number}`, '', payButton(rounded(i.dueMinor)), roundNote(i.dueMinor))}</section>`,
    )
    .join('\n');
  const r = choices.renewal;
  const renewal =
    r === null
      ? ''
      : `<section id="renewal" aria-labelledby="h-renewal"><h2 id="h-renewal">${pay('renewal', l, { plan: r.planName, date: day(r.at, input.zone, l), amount: iso(m(r.priceMinor)) })}</h2>${
          r.amountMinor === 0
            ? `<p>${pay('renewalCovered', l, { plan: r.planName, price: iso(m(r.priceMinor)) })}</p>`
            : `<p class="hint">${choices.dueMinor > 0 ? pay('renewalWithDue', l, { owed: iso(m(choices.dueMinor)) }) : pay('renewalHint', l)}</p>${form('renewal', '', payButton(rounded(r.amountMinor)), roundNote(r.amountMinor))}`
        }</section>`;
  const amount = input.typed?.what === 'topup' ? (input.typed.amount ?? '') : '';
  const topUp = `<section id="topup" aria-labelledby="h-topup"><h2 id="h-topup">${pay('topUp', l)}</h2>${form(
    'topup',
    `<label for="amount">${pay('amount', l, { currency: choices.currency })}</label><input id="amount" name="amount" dir="ltr" inputmode="decimal" maxlength="16" required value="${escapeHtml(amount)}" aria-describedby="amount-hint"><p class="hint" id="amount-hint">${pay('amountHint', l)}</p>`,
    pay('submit', l),
  )}</section>`;
  const body = `${flash({ error: input.error })}${summary}<p>${pay('via', l, { provider: providerName(provider.name, l) })} <span class="hint" id="phone-hint">${pay('phoneHint', l)}</span></p>
${invoices}${renewal}${topUp}`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.pay.heading', {}, l), body, signedIn: input.signedIn });
}

function howToPaySection(input: PayPageInput): string {
  const l = input.language;
  const { paybill, address, phone } = input.howToPay;
  const account = iso(input.choices.username);
  const lines = [
    `<p>${pay('offline.notHere', l)}</p>`,
    paybill ? `<p id="pay-paybill">${pay('offline.paybill', l, { paybill: iso(paybill), account })}</p>` : '',
    `<p id="pay-office">${pay('offline.office', l, { account })}</p>`,
    address ? `<p id="pay-office-address">${pay('offline.address', l, { address })}</p>` : '',
    phone ? `<p id="pay-office-phone">${pay('offline.phone', l, { phone: iso(phone) })}</p>` : '',
  ];
  return `<section id="how-to-pay" aria-labelledby="h-how"><h2 id="h-how">${pay('offline.heading', l)}</h2>${lines.join('')}</section>`;
}

export interface StatusPageInput {
  language: Language;
  prefix: string;
  signedIn: SignedIn;
  state: 'pending' | 'paid' | 'checking' | 'failed' | 'cancelled' | 'expired';
  amountMinor: number;
  currency: Currency;
  phone: string | null;
  invoiceNumber: string | null;
  receiptNumber: string | null;
  reused: boolean;
}

export function statusPage(input: StatusPageInput): string {
  const { language: l, prefix } = input;
  const row = (id: string, label: string, value: string) => `<dt>${label}</dt><dd id="${id}">${value}</dd>`;
  const said =
    input.state === 'paid'
      ? `<p class="notice" role="status" id="pay-state">${pay('status.paid', l)}</p>${
          input.receiptNumber
            ? `<p id="pay-receipt">${pay('status.receipt', l, { number: iso(input.receiptNumber) })}</p><p><a id="pay-receipt-link" href="${prefix}/documents/${escapeHtml(input.receiptNumber)}.pdf">${pay('status.receiptLink', l)}</a></p>`
            : `<p>${pay('status.receiptLater', l)}</p>`
        }`
      : input.state === 'pending' || input.state === 'checking'
        ? `<p class="notice" role="status" id="pay-state">${pay(`status.${input.state}`, l)}</p>`
        : `<p class="error" role="alert" id="pay-state">${pay(`status.${input.state}`, l)}</p><p><a href="${prefix}/pay">${pay('status.again', l)}</a></p>`;
  const body = `${input.reused && input.state === 'pending' ? `<p class="notice">${pay('status.reused', l)}</p>` : ''}${said}
<section><dl>
${row('pay-amount', pay('status.amount', l), ltr(money(input.amountMinor, input.currency, l)))}
${input.phone ? row('pay-phone', pay('status.phone', l), ltr(input.phone)) : ''}
${row('pay-for', pay('status.for', l), input.invoiceNumber ? pay('status.forInvoice', l, { number: iso(input.invoiceNumber) }) : pay('status.forWallet', l))}
</dl></section>
<p><a href="${prefix}/pay/history">${pay('historyLink', l)}</a></p>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.pay.status.heading', {}, l), body, signedIn: input.signedIn });
}

export interface HistoryPageInput {
  language: Language;
  prefix: string;
  signedIn: SignedIn;
  zone: string;
  invoices: HistoryPage<InvoiceRow>;
  receipts: HistoryPage<PaymentRow>;
}

export function historyPage(input: HistoryPageInput): string {
  const { language: l, prefix, invoices, receipts } = input;
  /** Number and date in one cell, so the table fits a phone. */
  const numbered = (number: string, ms: number) => `${ltr(number)}<br><small>${ltr(DateTime.fromMillis(ms, { zone: input.zone }).toFormat('yyyy-MM-dd'))}</small>`;
  const pdf = (number: string) => `<a href="${prefix}/documents/${escapeHtml(number)}.pdf" aria-label="${pay('history.downloadLabel', l, { number })}">${pay('history.download', l)}</a>`;
  const head = (keys: Array<'number' | 'amount' | 'method' | 'state' | 'document'>) => `<thead><tr>${keys.map((k) => `<th scope="col">${pay(`history.${k}`, l)}</th>`).join('')}</tr></thead>`;
  const pages = (name: 'invoices' | 'receipts', page: HistoryPage<unknown>) => {
    const other = name === 'invoices' ? `receipts=${receipts.page}` : `invoices=${invoices.page}`;
    const link = (to: number, key: 'newer' | 'older') => `<a href="${prefix}/pay/history?${name}=${to}&amp;${other}#${name}">${pay(`history.${key}`, l)}</a>`;
    const links = [page.page > 1 ? link(page.page - 1, 'newer') : '', page.hasNext ? link(page.page + 1, 'older') : ''].filter(Boolean);
    return links.length ? `<p>${links.join(' · ')}</p>` : '';
  };
  const open = new Set(['issued', 'partially_paid', 'overdue']);
  const invoiceRows = invoices.rows
    .map((i) => {
      const status = i.kind === 'credit_note' ? pay('history.creditNote', l) : pay(`history.statuses.${i.status}`, l);
      const payLink = i.kind === 'invoice' && open.has(i.status) ? ` <a href="${prefix}/pay#invoice-${escapeHtml(i.number)}">${pay('history.pay', l)}</a>` : '';
      return `<tr><td>${numbered(i.number, i.issuedAt)}</td><td>${ltr(money(i.grossMinor, i.currency, l))}</td><td>${status}${payLink}</td><td>${pdf(i.number)}</td></tr>`;
    })
    .join('');
  const receiptRows = receipts.rows
    .map((p) => {
      return `<tr><td>${numbered(p.receiptNumber, p.receivedAt)}</td><td>${ltr(money(p.amountMinor, p.currency, l))}</td><td>${escapeHtml(paymentMethodName(p.method, l))}</td><td>${pdf(p.receiptNumber)}</td></tr>`;
    })
    .join('');
  const body = `<section id="receipts" aria-labelledby="h-receipts"><h2 id="h-receipts">${pay('history.receipts', l)}</h2>${
    receipts.rows.length === 0 && receipts.page === 1
      ? `<p>${pay('history.noReceipts', l)}</p>`
      : `<div class="scroll"><table id="receipt-list">${head(['number', 'amount', 'method', 'document'])}<tbody>${receiptRows}</tbody></table></div>`
  }${pages('receipts', receipts)}</section>
<section id="invoices" aria-labelledby="h-invoices"><h2 id="h-invoices">${pay('history.invoices', l)}</h2>${
    invoices.rows.length === 0 && invoices.page === 1
      ? `<p>${pay('history.noInvoices', l)}</p>`
      : `<div class="scroll"><table id="invoice-list">${head(['number', 'amount', 'state', 'document'])}<tbody>${invoiceRows}</tbody></table></div>`
  }${pages('invoices', invoices)}</section>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.pay.history.heading', {}, l), body, signedIn: input.signedIn });
}
