import { t, type Language } from '../../i18n/index.js';
import type { StaffRole } from '../../staff/index.js';
import { staffStylesheet } from './assets.js';
import { offlineBox, offlineScript } from '../offline.js';
import { menuFor } from './nav.js';
import type { TokenPackage } from './token-desk.js';

// The staff pages: small server-rendered HTML and one cached stylesheet (web/staff/staff.css).
// Forms work without script; the dashboard alone loads a chart script. Phone first: one column,
// large tap targets; Arabic pages run right to left.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface SignedIn {
  username: string;
  role: StaffRole;
  csrfToken: string;
}

export interface Frame {
  language: Language;
  prefix: string;
  title: string;
  body: string;
  signedIn?: SignedIn;
  /** Reload the page after this many seconds (a payment being waited for). */
  refreshSeconds?: number;
  /** Extra tags for the head: a screen's own script or stylesheet (same origin only). */
  head?: string;
  /** The menu entry to mark as the current page ('/customers'); by default the one the title's page belongs to is not marked. */
  current?: string;
}

const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;

export function renderFrame(frame: Frame): string {
  const { language, prefix } = frame;
  const other = language === 'ar' ? 'en' : 'ar';
  const who = frame.signedIn
    ? // The name leads to one's own account: password and two-step sign-in, from every page.
      `<a href="${prefix}/security">${escapeHtml(t('staff.web.signedInAs', { username: frame.signedIn.username, role: t(`staff.roles.${frame.signedIn.role}`, {}, language) }, language))}</a>` +
      `<form method="post" action="${prefix}/sign-out">${csrfField(frame.signedIn.csrfToken)}<button type="submit">${escapeHtml(t('staff.web.signOut', {}, language))}</button></form>`
    : '';
  const entries = frame.signedIn ? menuFor(frame.signedIn.role) : [];
  const nav =
    entries.length > 1
      ? `<nav class="menu" aria-label="${escapeHtml(t('staff.nav.label', {}, language))}"><ul>${entries
          .map((e) => `<li><a href="${prefix}${e.path}"${frame.current === e.path ? ' aria-current="page"' : ''}>${escapeHtml(t(e.label, {}, language))}</a></li>`)
          .join('')}</ul></nav>`
      : '';
  return `<!doctype html>
<html lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">${frame.refreshSeconds ? `<meta http-equiv="refresh" content="${frame.refreshSeconds}">` : ''}
<title>${escapeHtml(frame.title)} · ${escapeHtml(t('staff.web.title', {}, language))}</title><link rel="stylesheet" href="${staffStylesheet(prefix)}">${offlineScript(prefix)}${frame.head ?? ''}</head>
<body><header><a href="${prefix}/">${escapeHtml(t('staff.web.title', {}, language))}</a>${who}<a href="${prefix}/language?to=${other}" lang="${other}">${escapeHtml(t('staff.web.otherLanguage', {}, language))}</a></header>
${nav}${offlineBox(prefix, language, escapeHtml, frame.signedIn?.username)}<main><h1>${escapeHtml(frame.title)}</h1>${frame.body}</main></body></html>`;
}

const error = (text: string | undefined) => (text ? `<p class="error" role="alert">${escapeHtml(text)}</p>` : '');
const notice = (text: string | undefined) => (text ? `<p class="notice" role="status">${escapeHtml(text)}</p>` : '');

export function signInPage(input: { language: Language; prefix: string; csrfToken: string; username?: string; error?: string }): string {
  const l = input.language;
  return renderFrame({
    language: l,
    prefix: input.prefix,
    title: t('staff.web.signIn.heading', {}, l),
    body: `${error(input.error)}<form method="post" action="${input.prefix}/sign-in">${csrfField(input.csrfToken)}
<label for="username">${escapeHtml(t('staff.web.signIn.username', {}, l))}</label><input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${escapeHtml(input.username ?? '')}">
<label for="password">${escapeHtml(t('staff.web.signIn.password', {}, l))}</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128">
<button class="main" type="submit">${escapeHtml(t('staff.web.signIn.button', {}, l))}</button></form>`,
  });
}

export function passwordPage(input: { language: Language; prefix: string; signedIn: SignedIn; mustChange: boolean; error?: string; notice?: string }): string {
  const l = input.language;
  const field = (name: string, label: string, autocomplete: string) =>
    `<label for="${name}">${escapeHtml(label)}</label><input id="${name}" name="${name}" type="password" autocomplete="${autocomplete}" required maxlength="128">`;
  return renderFrame({
    language: l,
    prefix: input.prefix,
    signedIn: input.signedIn,
    title: t('staff.web.password.heading', {}, l),
    body: `${input.mustChange ? `<p class="notice">${escapeHtml(t('staff.web.password.mustChange', {}, l))}</p>` : ''}${notice(input.notice)}${error(input.error)}
<form method="post" action="${input.prefix}/password">${csrfField(input.signedIn.csrfToken)}
${field('current', t('staff.web.password.current', {}, l), 'current-password')}${field('next', t('staff.web.password.next', {}, l), 'new-password')}${field('repeat', t('staff.web.password.repeat', {}, l), 'new-password')}
<button class="main" type="submit">${escapeHtml(t('staff.web.password.button', {}, l))}</button></form>${input.mustChange ? '' : `<ul class="links"><li><a href="${input.prefix}/security">${escapeHtml(t('staff.users.security.link', {}, l))}</a></li></ul>`}`,
  });
}

export function homePage(input: { language: Language; prefix: string; signedIn: SignedIn; links: Array<{ href: string; text: string }>; notice?: string }): string {
  return renderFrame({
    language: input.language,
    prefix: input.prefix,
    signedIn: input.signedIn,
    title: t('staff.web.home.heading', {}, input.language),
    body: `${notice(input.notice)}<ul class="links">${input.links.map((link) => `<li><a href="${link.href}">${escapeHtml(link.text)}</a></li>`).join('')}</ul>`,
  });
}

export interface TokenFormValues {
  payment?: string;
  phone?: string;
  planId?: number;
}

/** Mobile money's name on the form: the providers that prompt for the packages on sale. */
function mobileLabel(packages: readonly TokenPackage[]): string | null {
  const names = [...new Set(packages.flatMap((p) => (p.provider ? [p.provider] : [])))];
  if (names.length === 0) return null;
  return names.map((name) => ({ mpesa: 'M-Pesa', momo: 'MoMo' })[name] ?? name).join(' / ');
}

export function tokensPage(input: { language: Language; prefix: string; signedIn: SignedIn; packages: readonly TokenPackage[]; key: string; values?: TokenFormValues; error?: string }): string {
  const l = input.language;
  const values = input.values ?? {};
  const mobile = mobileLabel(input.packages);
  const links = `<ul class="links"><li><a href="${input.prefix}/tokens/sales">${escapeHtml(t('staff.web.home.sales', {}, l))}</a></li></ul>`;
  if (input.packages.length === 0) {
    return renderFrame({ language: l, prefix: input.prefix, signedIn: input.signedIn, title: t('staff.web.tokens.heading', {}, l), body: `<p>${escapeHtml(t('staff.web.tokens.noPackages', {}, l))}</p>${links}` });
  }
  const radio = (value: string, text: string) =>
    `<label><input type="radio" name="payment" value="${value}"${(values.payment ?? 'cash') === value ? ' checked' : ''}> ${escapeHtml(text)}</label>`;
  const options = input.packages
    .map((p) => `<option value="${p.planId}"${values.planId === p.planId ? ' selected' : ''}>${escapeHtml([p.name, p.description, p.price].filter(Boolean).join(' · '))}</option>`)
    .join('');
  return renderFrame({
    language: l,
    prefix: input.prefix,
    signedIn: input.signedIn,
    title: t('staff.web.tokens.heading', {}, l),
    body: `${error(input.error)}<form method="post" action="${input.prefix}/tokens">${csrfField(input.signedIn.csrfToken)}<input type="hidden" name="key" value="${escapeHtml(input.key)}">
<fieldset><legend>${escapeHtml(t('staff.web.tokens.payment', {}, l))}</legend>${radio('cash', t('staff.web.tokens.cash', {}, l))}${mobile ? radio('mobile', mobile) : ''}</fieldset>
<label for="phone">${escapeHtml(t('staff.web.tokens.phone', {}, l))}</label><input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="off" required maxlength="32" class="ltr" value="${escapeHtml(values.phone ?? '')}">
<label for="plan">${escapeHtml(t('staff.web.tokens.package', {}, l))}</label><select id="plan" name="planId">${options}</select>
<button class="main" type="submit">${escapeHtml(t('staff.web.tokens.button', {}, l))}</button></form>${links}`,
  });
}

export type SaleView =
  | { state: 'issued'; code: string; phone: string }
  | { state: 'waiting'; phone: string; price: string; provider: string }
  | { state: 'failed'; reason: 'cancelled' | 'expired' | 'failed' };

export function salePage(input: { language: Language; prefix: string; signedIn: SignedIn; view: SaleView }): string {
  const l = input.language;
  const view = input.view;
  const ltr = (text: string) => `<span class="ltr">${escapeHtml(text)}</span>`;
  let body: string;
  if (view.state === 'issued') {
    // Placeholders first, so the code and the number keep their own direction in Arabic text.
    const text = escapeHtml(t('staff.web.tokens.issued', { code: '{CODE}', phone: '{PHONE}' }, l))
      .replace('{CODE}', `<span class="code" id="token-code">${escapeHtml(view.code)}</span>`)
      .replace('{PHONE}', ltr(view.phone));
    body = `<p class="notice" role="status">${text}</p>`;
  } else if (view.state === 'waiting') {
    body = `<p role="status">${escapeHtml(t('staff.web.tokens.waiting', { phone: view.phone, price: view.price, provider: view.provider }, l))}</p>`;
  } else {
    const key = view.reason === 'cancelled' ? 'staff.web.tokens.cancelled' : view.reason === 'expired' ? 'staff.web.tokens.expired' : 'staff.web.tokens.paymentFailed';
    body = `<p class="error" role="alert">${escapeHtml(t(key, {}, l))}</p>`;
  }
  body += `<ul class="links"><li><a href="${input.prefix}/tokens">${escapeHtml(t('staff.web.tokens.another', {}, l))}</a></li><li><a href="${input.prefix}/tokens/sales">${escapeHtml(t('staff.web.home.sales', {}, l))}</a></li></ul>`;
  return renderFrame({ language: l, prefix: input.prefix, signedIn: input.signedIn, title: t('staff.web.tokens.heading', {}, l), body, ...(view.state === 'waiting' && { refreshSeconds: 2 }) });
}

export interface SalesRow {
  id: number;
  time: string;
  /** The code, or a word for a sale waiting for its payment or never issued. */
  code: string;
  issued: boolean;
  plan: string;
  price: string;
  method: string;
}

export function salesPage(input: { language: Language; prefix: string; signedIn: SignedIn; rows: readonly SalesRow[]; float: readonly string[] }): string {
  const l = input.language;
  const float = input.float.length === 0 ? `<p id="float">${escapeHtml(t('staff.web.sales.noFloat', {}, l))}</p>` : input.float.map((amount) => `<p id="float" class="notice">${escapeHtml(t('staff.web.sales.float', { amount }, l))}</p>`).join('');
  const head = (['time', 'code', 'package', 'price', 'method'] as const).map((k) => `<th>${escapeHtml(t(`staff.web.sales.${k}`, {}, l))}</th>`).join('');
  const rows = input.rows
    .map((r) => `<tr><td class="ltr">${escapeHtml(r.time)}</td><td><a href="${input.prefix}/tokens/${r.id}"${r.issued ? ' class="ltr"' : ''}>${escapeHtml(r.code)}</a></td><td>${escapeHtml(r.plan)}</td><td class="ltr">${escapeHtml(r.price)}</td><td>${escapeHtml(r.method)}</td></tr>`)
    .join('');
  return renderFrame({
    language: l,
    prefix: input.prefix,
    signedIn: input.signedIn,
    title: t('staff.web.sales.heading', {}, l),
    body: `${float}${input.rows.length === 0 ? `<p>${escapeHtml(t('staff.web.sales.none', {}, l))}</p>` : `<table id="sales"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`}
<ul class="links"><li><a href="${input.prefix}/tokens">${escapeHtml(t('staff.web.home.tokens', {}, l))}</a></li></ul>`,
  });
}

/** A page with one sentence: forbidden, expired form, not found, too many attempts, failure. */
export function messagePage(input: { language: Language; prefix: string; title: string; text: string; signedIn?: SignedIn }): string {
  return renderFrame({ language: input.language, prefix: input.prefix, title: input.title, body: `<p class="error" role="alert">${escapeHtml(input.text)}</p>`, ...(input.signedIn && { signedIn: input.signedIn }) });
}

/** The second step of a sign-in: a code from the authenticator app, or one sent by SMS. */
export function codePage(input: { language: Language; prefix: string; csrfToken: string; totp: boolean; sms: boolean; error?: string; notice?: string }): string {
  const l = input.language;
  const intro = input.totp && input.sms ? 'staff.users.code.introBoth' : input.sms ? 'staff.users.code.introSms' : 'staff.users.code.intro';
  const smsForm = input.sms
    ? `<form method="post" action="${input.prefix}/sign-in/code/sms">${csrfField(input.csrfToken)}<button type="submit">${escapeHtml(t('staff.users.code.sendSms', {}, l))}</button></form>`
    : '';
  return renderFrame({
    language: l,
    prefix: input.prefix,
    title: t('staff.users.code.heading', {}, l),
    body: `${notice(input.notice)}${error(input.error)}<p>${escapeHtml(t(intro, {}, l))}</p><form method="post" action="${input.prefix}/sign-in/code">${csrfField(input.csrfToken)}
<label for="code">${escapeHtml(t('staff.users.code.label', {}, l))}</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required maxlength="7" class="ltr" autofocus>
<button class="main" type="submit">${escapeHtml(t('staff.users.code.button', {}, l))}</button></form>${smsForm}
<ul class="links"><li><a href="${input.prefix}/sign-in">${escapeHtml(t('staff.users.code.cancel', {}, l))}</a></li></ul>`,
  });
}

export interface SecurityView {
  /** Authenticator codes are on. */
  totp: boolean;
  /** Turning them on: the new secret, its QR code (a data: PNG); absent when the server cannot seal secrets. */
  setup?: { secret: string; qr: string };
  /** The server cannot seal TOTP secrets (no key file box). */
  unavailable: boolean;
  phone: string | null;
  smsSignIn: boolean;
  /** Typed values kept after a refused form. */
  typedPhone?: string;
}

/** One's own two-step sign-in: the authenticator app (QR code, key, a code to confirm) and SMS codes. */
export function securityPage(input: { language: Language; prefix: string; signedIn: SignedIn; view: SecurityView; error?: string; notice?: string }): string {
  const l = input.language;
  const v = input.view;
  const csrf = csrfField(input.signedIn.csrfToken);
  const password = (id: string) => `<label for="${id}">${escapeHtml(t('staff.users.security.password', {}, l))}</label><input id="${id}" name="password" type="password" autocomplete="current-password" required maxlength="128">`;
  let app: string;
  if (v.totp) {
    app = `<p id="totp-state">${escapeHtml(t('staff.users.security.totpOn', {}, l))}</p><h2>${escapeHtml(t('staff.users.security.turnOff', {}, l))}</h2>
<form method="post" action="${input.prefix}/security/totp/off">${csrf}${password('off-password')}<button class="danger" type="submit">${escapeHtml(t('staff.users.security.offButton', {}, l))}</button></form>`;
  } else if (v.unavailable || !v.setup) {
    app = `<p id="totp-state">${escapeHtml(t('staff.users.security.totpOff', {}, l))}</p><p class="warn">${escapeHtml(t('staff.users.security.unavailable', {}, l))}</p>`;
  } else {
    app = `<p id="totp-state">${escapeHtml(t('staff.users.security.totpOff', {}, l))}</p><h2>${escapeHtml(t('staff.users.security.turnOn', {}, l))}</h2>
<p>${escapeHtml(t('staff.users.security.step1', {}, l))}</p><p>${escapeHtml(t('staff.users.security.step2', {}, l))}</p>
<p><img id="totp-qr" src="${escapeHtml(v.setup.qr)}" alt="${escapeHtml(t('staff.users.security.qrAlt', {}, l))}" width="200" height="200"></p>
<p><code class="mono ltr" id="totp-secret">${escapeHtml(v.setup.secret.replace(/(.{4})(?=.)/g, '$1 '))}</code></p>
<form method="post" action="${input.prefix}/security/totp">${csrf}<input type="hidden" name="secret" value="${escapeHtml(v.setup.secret)}">
<label for="totp-code">${escapeHtml(t('staff.users.security.step3', {}, l))}</label><input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="7" class="ltr">
<button class="main" type="submit">${escapeHtml(t('staff.users.security.confirmButton', {}, l))}</button></form>`;
  }
  const sms = `<h2>${escapeHtml(t('staff.users.security.sms', {}, l))}</h2><p class="hint">${escapeHtml(t('staff.users.security.smsHint', {}, l))}</p>
<form method="post" action="${input.prefix}/security/sms">${csrf}
<label for="phone">${escapeHtml(t('staff.users.security.phone', {}, l))}</label><input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="16" class="ltr" value="${escapeHtml(v.typedPhone ?? v.phone ?? '')}">
<label class="check"><input type="checkbox" name="sms" value="on"${v.smsSignIn ? ' checked' : ''}> ${escapeHtml(t('staff.users.security.smsOn', {}, l))}</label>
${password('sms-password')}<button type="submit">${escapeHtml(t('staff.users.security.smsButton', {}, l))}</button></form>`;
  return renderFrame({
    language: l,
    prefix: input.prefix,
    signedIn: input.signedIn,
    title: t('staff.users.security.heading', {}, l),
    body: `${notice(input.notice)}${error(input.error)}<p>${escapeHtml(t('staff.users.security.intro', {}, l))}</p>${app}${sms}<ul class="links"><li><a href="${input.prefix}/password">${escapeHtml(t('staff.web.home.password', {}, l))}</a></li></ul>`,
  });
}
