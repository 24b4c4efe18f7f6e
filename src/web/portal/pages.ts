import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { formatBytes, formatMoney } from '../../billing/index.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import type { PortalHome, UsageDay } from '../../portal/index.js';
import { offlineBox, offlineScript } from '../offline.js';

// The customer portal's pages: small server-rendered HTML, one cached stylesheet, and only the offline
// script (src/web/offline.ts): every page works without it.
// Phone first (360 px): one column, large tap targets; Arabic pages run right to left.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const text = (key: MessageKey, language: Language, values: Record<string, unknown> = {}) => escapeHtml(t(key, values, language));
/** Numbers, phones, MACs and amounts keep left-to-right order inside an Arabic page. */
const ltr = (value: string) => `<bdi dir="ltr">${escapeHtml(value)}</bdi>`;
const csrfField = (token: string) => `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
const flash = (input: { notice?: string | undefined; error?: string | undefined }) =>
  `${input.notice ? `<p class="notice" role="status">${escapeHtml(input.notice)}</p>` : ''}${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}`;

export const STYLESHEET = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f6f7f9}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:#0b4f6c;color:#fff}
header a,header button{color:#fff}
header form{margin:0}
header button{background:none;border:1px solid #fff;border-radius:4px;padding:.25rem .75rem;font:inherit;min-height:2.5rem}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:.25rem 1rem;background:#e6eef2}
nav a{display:inline-block;padding:.5rem .75rem;min-height:2.5rem;color:#0b4f6c;font-weight:600}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
section>h2:first-child{margin-top:0}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:1rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,textarea,select{width:100%;font:inherit;padding:.6rem;border:1px solid #8a939c;border-radius:4px;min-height:2.75rem}
button{font:inherit}
.primary{display:block;width:100%;margin-top:1rem;padding:.7rem;border:0;border-radius:4px;background:#0b4f6c;color:#fff;min-height:2.75rem}
.hint{color:#4a525a;font-size:.9rem;margin:.25rem 0}
.error{background:#fdecea;border-inline-start:4px solid #b3261e;padding:.5rem .75rem}
.notice{background:#e7f4ea;border-inline-start:4px solid #1e7b34;padding:.5rem .75rem}
.warn{background:#fff4d6;border-inline-start:4px solid #8a6100;padding:.5rem .75rem}
#offline p{margin:0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;margin:0}
dt{color:#4a525a}
dd{margin:0;font-weight:600}
meter{width:100%;height:1.25rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:start;padding:.4rem;border-bottom:1px solid #dde1e6;white-space:nowrap}
figure{margin:0}
#usage-chart{display:block;width:100%;height:8rem;border-bottom:1px solid #8a939c}
.down{fill:#0b4f6c;background:#0b4f6c}
.up{fill:#3b8fb8;background:#3b8fb8}
.axis{display:flex;justify-content:space-between;font-size:.85rem;color:#4a525a;margin:.2rem 0 .5rem}
.key{display:inline-block;width:.8rem;height:.8rem;margin-inline:.5rem .3rem}
summary{cursor:pointer;color:#0b4f6c;padding:.5rem 0;min-height:2.5rem}
`;
export const STYLESHEET_NAME = `portal.${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}.css`;

export interface SignedIn {
  csrfToken: string;
  /** Whose session it is: a form queued offline is sent only while they are signed in. */
  username?: string;
}

interface Frame {
  language: Language;
  prefix: string;
  title: string;
  body: string;
  signedIn?: SignedIn;
}

/** The signed-in customer's menu: a row of plain links, no script. */
function nav(prefix: string, l: Language): string {
  const items = [
    ['/', 'home'],
    ['/pay', 'pay'],
    ['/plan', 'plan'],
    ['/tickets', 'help'],
  ] as const;
  return `<nav aria-label="${text('portal.selfService.nav.label', l)}"><ul>${items.map(([path, key]) => `<li><a href="${prefix}${path}">${text(`portal.selfService.nav.${key}`, l)}</a></li>`).join('')}</ul></nav>`;
}

export function renderFrame(frame: Frame): string {
  const { language: l, prefix } = frame;
  const other = l === 'ar' ? 'en' : 'ar';
  const signOut = frame.signedIn
    ? `<form method="post" action="${prefix}/sign-out">${csrfField(frame.signedIn.csrfToken)}<button type="submit">${text('portal.selfService.signOut', l)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="${l}" dir="${l === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(frame.title)} · ${text('portal.selfService.title', l)}</title><link rel="stylesheet" href="${prefix}/assets/${STYLESHEET_NAME}">${offlineScript(prefix)}</head>
<body><header><a href="${prefix}/">${text('portal.selfService.title', l)}</a><a href="${prefix}/language?to=${other}" lang="${other}">${text('portal.selfService.language', l)}</a>${signOut}</header>
${frame.signedIn ? nav(prefix, l) : ''}${offlineBox(prefix, l, escapeHtml, frame.signedIn?.username)}<main><h1>${escapeHtml(frame.title)}</h1>${frame.body}</main></body></html>`;
}

export function messagePage(input: { language: Language; prefix: string; text: string; signedIn?: SignedIn }): string {
  return renderFrame({ language: input.language, prefix: input.prefix, title: t('portal.selfService.title', {}, input.language), body: `<p>${escapeHtml(input.text)}</p>`, ...(input.signedIn && { signedIn: input.signedIn }) });
}

export function signInPage(input: { language: Language; prefix: string; csrfToken: string; identifier?: string; error?: string }): string {
  const { language: l, prefix } = input;
  const value = input.identifier ? ` value="${escapeHtml(input.identifier)}"` : '';
  const body = `${flash({ error: input.error })}
<section><form method="post" action="${prefix}/sign-in">${csrfField(input.csrfToken)}
<label for="identifier">${text('portal.selfService.signIn.identifier', l)}</label><input id="identifier" name="identifier" autocomplete="username" dir="auto" required maxlength="64"${value}>
<label for="password">${text('portal.selfService.signIn.password', l)}</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128">
<button class="primary" type="submit">${text('portal.selfService.signIn.submit', l)}</button></form></section>
<section><h2>${text('portal.selfService.signIn.codeHeading', l)}</h2><p class="hint">${text('portal.selfService.signIn.codeIntro', l)}</p>
<form method="post" action="${prefix}/sign-in/code/send">${csrfField(input.csrfToken)}
<label for="code-identifier">${text('portal.selfService.signIn.identifier', l)}</label><input id="code-identifier" name="identifier" autocomplete="username" dir="auto" required maxlength="64"${value}>
<button class="primary" type="submit">${text('portal.selfService.signIn.sendCode', l)}</button></form></section>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.signIn.heading', {}, l), body });
}

export function codePage(input: { language: Language; prefix: string; csrfToken: string; minutes: number; error?: string }): string {
  const { language: l, prefix } = input;
  const body = `${flash({ notice: t('portal.selfService.code.sent', { minutes: input.minutes }, l), error: input.error })}
<section><form method="post" action="${prefix}/sign-in/code">${csrfField(input.csrfToken)}
<label for="code">${text('portal.selfService.code.label', l)}</label><input id="code" name="code" dir="ltr" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="12">
<button class="primary" type="submit">${text('portal.selfService.code.submit', l)}</button></form></section>
<p><a href="${prefix}/sign-in">${text('portal.selfService.code.again', l)}</a></p>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.code.heading', {}, l), body });
}

export function passwordPage(input: { language: Language; prefix: string; signedIn: SignedIn; min: number; error?: string }): string {
  const { language: l, prefix } = input;
  const body = `${flash({ error: input.error })}<p>${text('portal.selfService.password.intro', l)}</p>
<section><form method="post" action="${prefix}/password">${csrfField(input.signedIn.csrfToken)}
<label for="next">${text('portal.selfService.password.next', l)}</label><input id="next" name="next" type="password" autocomplete="new-password" required minlength="${input.min}" maxlength="128" aria-describedby="next-hint">
<p class="hint" id="next-hint">${text('portal.selfService.password.hint', l, { min: input.min })}</p>
<label for="repeat">${text('portal.selfService.password.repeat', l)}</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" required maxlength="128">
<button class="primary" type="submit">${text('portal.selfService.password.submit', l)}</button></form></section>`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.password.heading', {}, l), body, signedIn: input.signedIn });
}

/** Decimal units, as plans are sold ('50GB' = 50 × 10⁹ bytes). */
export { formatBytes };

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

/**
 * The last days' traffic as inline SVG bars, down and up side by side per day: no script, no
 * chart library, about 2 KB before compression. In Arabic the time axis runs right to left like
 * the page and its tables (oldest day at the right), and the dates under both ends and a
 * sentence say so, so nobody has to guess. The SVG holds bars only: its labels are HTML, which
 * takes care of Arabic text and direction. A table of the same figures is the fallback.
 */
function usageChart(daily: UsageDay[], l: Language, zone: string): string {
  const count = daily.length;
  const most = daily.reduce((m, d) => Math.max(m, d.down, d.up), 0);
  const heading = `<h2 id="usage-heading">${text('portal.selfService.usage.heading', l, { days: count })}</h2>`;
  if (most === 0 || count === 0) return `${heading}<p id="usage-none">${text('portal.selfService.usage.none', l, { days: count })}</p>`;
  const rtl = l === 'ar';
  const locale = rtl ? 'ar-u-nu-latn' : 'en';
  const date = (ms: number, format: string) => DateTime.fromMillis(ms, { zone }).setLocale(locale).toFormat(format);
  const bytes = (n: number) => `\u2068${formatBytes(n)}\u2069`;
  // 10 units per day: the first bar in reading order 1 unit in, the second 5, each 4 wide.
  const bar = (kind: 'down' | 'up', x: number, value: number) => {
    if (value === 0) return '';
    const height = Math.max(0.5, Math.round((value / most) * 1000) / 10);
    return `<rect class="${kind}" x="${x}" y="${Math.round((100 - height) * 10) / 10}" width="4" height="${height}"/>`;
  };
  const bars = daily
    .map((d, i) => {
      const slot = (rtl ? count - 1 - i : i) * 10;
      return bar('down', slot + (rtl ? 5 : 1), d.down) + bar('up', slot + (rtl ? 1 : 5), d.up);
    })
    .join('');
  const first = daily[0]!;
  const last = daily[count - 1]!;
  const down = daily.reduce((sum, d) => sum + d.down, 0);
  const up = daily.reduce((sum, d) => sum + d.up, 0);
  const desc = t('portal.selfService.usage.chartDesc', { from: date(first.start, 'd LLL'), to: date(last.start, 'd LLL'), most: bytes(most) }, l);
  const rows = [...daily]
    .reverse()
    .map((d) => `<tr><th scope="row">${escapeHtml(date(d.start, 'd LLL yyyy'))}</th><td>${ltr(formatBytes(d.down))}</td><td>${ltr(formatBytes(d.up))}</td></tr>`)
    .join('');
  return `${heading}<figure><svg id="usage-chart" viewBox="0 0 ${count * 10} 100" preserveAspectRatio="none" role="img" aria-labelledby="usage-title usage-desc"><title id="usage-title">${text('portal.selfService.usage.chartTitle', l)}</title><desc id="usage-desc">${escapeHtml(desc)}</desc>${bars}</svg>
<p class="axis" aria-hidden="true"><span>${escapeHtml(date(first.start, 'd LLL'))}</span><span>${escapeHtml(date(last.start, 'd LLL'))}</span></p>
<figcaption><span class="key down"></span>${text('portal.selfService.usage.down', l)} <span class="key up"></span>${text('portal.selfService.usage.up', l)}<br><span class="hint">${text('portal.selfService.usage.axis', l)} ${text('portal.selfService.usage.top', l, { most: bytes(most) })}</span><br>${text('portal.selfService.usage.total', l, { down: bytes(down), up: bytes(up) })}</figcaption></figure>
<details><summary>${text('portal.selfService.usage.table', l)}</summary><div class="scroll"><table id="usage-table"><thead><tr><th scope="col">${text('portal.selfService.usage.day', l)}</th><th scope="col">${text('portal.selfService.usage.down', l)}</th><th scope="col">${text('portal.selfService.usage.up', l)}</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

export function homePage(input: { language: Language; prefix: string; signedIn: SignedIn; home: PortalHome; hasPassword: boolean; zone: string; now: number; notice?: string }): string {
  const { language: l, prefix, home } = input;
  const locale = l === 'ar' ? 'ar-u-nu-latn' : 'en';
  const day = (ms: number) => DateTime.fromMillis(ms, { zone: input.zone }).setLocale(locale).toFormat('d LLL yyyy');
  const time = (ms: number) => DateTime.fromMillis(ms, { zone: input.zone }).toFormat('yyyy-MM-dd HH:mm');
  const money = (minor: number, currency: PortalHome['balance']['currency']) => ltr(formatMoney(minor, currency));
  const row = (id: string, label: string, value: string) => `<dt>${label}</dt><dd id="${id}">${value}</dd>`;
  const { usedBytes, limitBytes } = home.data;
  // Figures inside a sentence keep their own left-to-right order in Arabic (Unicode isolates).
  const bytes = (n: number) => `\u2068${formatBytes(n)}\u2069`;
  const data =
    limitBytes !== null
      ? `<meter id="data-meter" min="0" max="${limitBytes}" value="${Math.min(usedBytes, limitBytes)}" low="${Math.floor(limitBytes * 0.75)}" high="${Math.floor(limitBytes * 0.9)}" optimum="0" aria-describedby="data"></meter><p id="data">${text('portal.selfService.home.dataUsed', l, { used: bytes(usedBytes), limit: bytes(limitBytes), left: bytes(Math.max(0, limitBytes - usedBytes)) })}</p>`
      : `<p id="data">${text('portal.selfService.home.dataUsedOnly', l, { used: bytes(usedBytes) })}</p>`;
  const bill = home.nextBill;
  const nextBill =
    bill === null
      ? text('portal.selfService.home.noBill', l)
      : bill.kind === 'invoice'
        ? escapeHtml(t('portal.selfService.home.nextInvoice', { number: '\u2068' + bill.number + '\u2069', amount: '\u2068' + formatMoney(bill.dueMinor, bill.currency) + '\u2069', date: day(bill.dueAt) }, l))
        : escapeHtml(t('portal.selfService.home.nextRenewal', { amount: '\u2068' + formatMoney(bill.priceMinor, bill.currency) + '\u2069', date: day(bill.at) }, l));
  const sessions =
    home.sessions.length === 0
      ? `<p>${text('portal.selfService.sessions.none', l)}</p>`
      : `<div class="scroll"><table id="sessions"><thead><tr>${(['portal.selfService.sessions.device', 'portal.selfService.sessions.started', 'portal.selfService.usage.ended', 'portal.selfService.sessions.duration', 'portal.selfService.sessions.down', 'portal.selfService.sessions.up'] as const).map((k) => `<th scope="col">${text(k, l)}</th>`).join('')}</tr></thead><tbody>${home.sessions
          .map((s) => {
            const seconds = s.stoppedAt === null ? Math.max(s.sessionTime, Math.floor((input.now - s.startedAt) / 1000)) : s.sessionTime;
            const ended = s.stoppedAt === null ? text('portal.selfService.sessions.online', l) : ltr(time(s.stoppedAt));
            return `<tr><td>${s.callingStationId ? ltr(s.callingStationId) : text('portal.selfService.sessions.unknownDevice', l)}</td><td>${ltr(time(s.startedAt))}</td><td>${ended}</td><td>${ltr(formatDuration(seconds))}</td><td>${ltr(formatBytes(s.outputOctets))}</td><td>${ltr(formatBytes(s.inputOctets))}</td></tr>`;
          })
          .join('')}</tbody></table></div>`;
  const password = input.hasPassword
    ? `<p><a href="${prefix}/password">${text('portal.selfService.password.link', l)}</a></p>`
    : `<p class="notice">${text('portal.selfService.home.noPassword', l)} <a href="${prefix}/password">${text('portal.selfService.password.setLink', l)}</a></p>`;
  const body = `${flash({ notice: input.notice })}
<section aria-labelledby="service"><h2 id="service">${text('portal.selfService.home.account', l)}</h2><dl>
${row('plan', text('portal.selfService.home.plan', l), home.plan ? escapeHtml(home.plan.name) : text('portal.selfService.home.noPlan', l))}
${row('status', text('portal.selfService.home.status', l), text(`portal.selfService.home.statuses.${home.status}`, l))}
${row('paid-until', text('portal.selfService.home.paidUntil', l), home.paidUntil === null ? text('portal.selfService.home.openEnded', l) : escapeHtml(day(home.paidUntil)))}
${home.daysLeft === null ? '' : row('days-left', text('portal.selfService.home.daysLeft', l), text('portal.selfService.home.days', l, { count: home.daysLeft }))}
${row('speed', text('portal.selfService.home.speed', l), home.speedNow ? ltr(home.speedNow) : text('portal.selfService.home.speedNone', l))}
</dl></section>
<section aria-labelledby="data-heading"><h2 id="data-heading">${text('portal.selfService.home.data', l)}</h2>${data}</section>
<section aria-labelledby="money"><h2 id="money">${text('portal.selfService.home.money', l)}</h2><dl>
${row('owed', text('portal.selfService.home.owed', l), money(home.balance.dueMinor, home.balance.currency))}
${row('wallet', text('portal.selfService.home.wallet', l), money(home.balance.walletMinor, home.balance.currency))}
${row('next-bill', text('portal.selfService.home.nextBill', l), nextBill)}
</dl></section>
<section aria-labelledby="usage-heading">${usageChart(home.daily, l, input.zone)}</section>
<section aria-labelledby="sessions-heading"><h2 id="sessions-heading">${text('portal.selfService.sessions.heading', l)}</h2>${sessions}</section>
${password}`;
  return renderFrame({ language: l, prefix, title: t('portal.selfService.home.hello', { name: home.fullName ?? home.username }, l), body, signedIn: input.signedIn });
}
