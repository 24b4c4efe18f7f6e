import { createHash } from 'node:crypto';
import { t, type Language } from '../../i18n/index.js';
import { explainRouterError } from './router-error.js';
import type { RouterVisit } from './router-visit.js';

// The portal page: one server-rendered document with its CSS inline and one cached script,
// sized for a cheap phone on a slow link (the README's captive-portal section gives the byte budget).

/** A package the "buy a package" section lists, paid for with the phone (M-Pesa STK push, MoMo). */
export interface CaptivePackage {
  planId: number;
  name: string;
  /** Ready to show, e.g. "KES 20". */
  price: string;
  /** How long it lasts, in the page language ("1 hour"); empty when unlimited. */
  description?: string;
  /** The payment provider that will prompt the phone: 'mpesa' gets M-Pesa's words, others neutral ones. */
  provider: string;
}

export interface PortalPageInput {
  language: Language;
  operatorName: string;
  /** '#rrggbb' (anything else falls back to Lango green). */
  colour: string | null;
  logoUrl: string | null;
  scriptUrl: string;
  /** The same page in the other language. */
  otherLanguageUrl: string;
  visit: RouterVisit;
  voucherPassword: 'code' | 'blank';
  /** Present when buying is wired (and something is on sale): renders the "buy a package" section. */
  packages?: readonly CaptivePackage[];
  /** Where the script posts a purchase and polls it, e.g. /hotspot/buy. */
  buyUrl?: string;
  /** The help articles' page (/hotspot/help), linked small at the foot when there are any. */
  helpUrl?: string;
  /** "I paid but I'm not online": where the script posts a receipt code or phone number, and whose SMS it names. */
  paid?: { url: string; provider: 'mpesa' | 'other' };
}

export interface PortalPage {
  html: string;
  /** CSP source for the inline style element ('sha256-…'). */
  styleSource: string;
}

export const DEFAULT_COLOUR = '#0b6e4f';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function normaliseColour(colour: string | null): string {
  return colour && /^#[0-9a-f]{6}$/i.test(colour) ? colour.toLowerCase() : DEFAULT_COLOUR;
}

/** White or near-black, whichever reads better on `hex` (WCAG relative luminance). */
function textOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.4 ? '#1b1b1b' : '#ffffff';
}

function css(colour: string): string {
  const text = textOn(colour);
  // Links in the operator's colour only when it is dark enough to read on white.
  const link = text === '#ffffff' ? colour : '#1b1b1b';
  return [
    '*{box-sizing:border-box}',
    'body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",Tahoma,sans-serif;color:#1b1b1b;background:#f3f4f3}',
    'main{max-width:26rem;margin:0 auto;padding:1rem}',
    'header{display:flex;align-items:center;flex-wrap:wrap}',
    'header img{max-height:3rem;max-width:9rem;margin-inline-end:.75rem}',
    'h1{font-size:1.3rem;margin:0;flex:1}',
    'h2{font-size:1.05rem;margin:0 0 .4rem}',
    `a{color:${link}}`,
    'section{background:#fff;border-radius:.5rem;padding:1rem;margin:1rem 0;box-shadow:0 1px 2px rgba(0,0,0,.15)}',
    'label{display:block;margin:.5rem 0 .2rem}',
    'input{width:100%;font:inherit;padding:.6rem;border:1px solid #8a8a8a;border-radius:.35rem}',
    `button{width:100%;margin-top:.8rem;font:inherit;font-weight:600;padding:.7rem;border:0;border-radius:.35rem;background:${colour};color:${text}}`,
    'button:disabled{opacity:.6}',
    '.note{margin:1rem 0;padding:.75rem;border-radius:.35rem;background:#fff6e6;border:1px solid #d9a440}',
    '.error{background:#fdeceb;border-color:#d24b45}',
    '[hidden]{display:none!important}',
    'details{border-bottom:1px solid #eee}',
    'summary{display:flex;justify-content:space-between;align-items:center;padding:.6rem 0;cursor:pointer;list-style:none}',
    'summary::-webkit-details-marker{display:none}',
    `summary b{white-space:nowrap;border:1px solid ${link};border-radius:1rem;padding:.1rem .6rem;margin-inline-start:.5rem}`,
    'small{color:#555}',
    'details form{padding-bottom:.8rem}',
    '.code{font:700 2rem/1.3 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.12em;text-align:center;margin:.4rem 0;direction:ltr}',
  ].join('');
}

export function renderPortalPage(input: PortalPageInput): PortalPage {
  const { language: lang, visit } = input;
  const say = (key: Parameters<typeof t>[0], values?: Record<string, unknown>) => escapeHtml(t(key, values, lang));
  const colour = normaliseColour(input.colour);
  const style = css(colour);
  const styleSource = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
  const target = visit.target;
  const other = lang === 'ar' ? 'en' : 'ar';

  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${say('portal.title', { operator: input.operatorName })}</title>`,
    `<style>${style}</style>`,
    target.kind === 'none' ? '' : `<script src="${escapeHtml(input.scriptUrl)}" defer></script>`,
    '</head><body>',
  );

  const data: Array<[string, string]> = [];
  if (target.kind !== 'none') {
    data.push(['login', target.url], ['dst', visit.dst], ['voucher-password', input.voucherPassword], ['connecting', t('portal.connecting', {}, lang)]);
    if (target.kind === 'chap') data.push(['chap-id', target.id.toString('hex')], ['chap-challenge', target.challenge.toString('hex')]);
  }
  parts.push(`<main id="portal"${data.map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`).join('')}>`);

  parts.push(
    '<header>',
    input.logoUrl ? `<img src="${escapeHtml(input.logoUrl)}" alt="">` : '',
    `<h1>${escapeHtml(input.operatorName)}</h1>`,
    `<a href="${escapeHtml(input.otherLanguageUrl)}" lang="${other}" hreflang="${other}">${say('portal.otherLanguage')}</a>`,
    '</header>',
    `<p>${say('portal.welcome')}</p>`,
  );

  if (visit.error) {
    parts.push(`<p class="note error" role="alert"><strong>${say('portal.errors.heading')}</strong><br>${escapeHtml(explainRouterError(visit.error, lang))}</p>`);
  }

  if (target.kind === 'none') {
    parts.push(`<p class="note">${say(`portal.${target.reason}`)}</p>`);
  } else {
    parts.push(`<noscript><p class="note">${say('portal.noScript')}</p></noscript>`);
    // With HTTP-CHAP only the script may send the form: the inputs carry no names, so a
    // browser without JavaScript submits nothing. For PAP over HTTPS the forms also work
    // without it, posting straight to the router.
    const pap = target.kind === 'pap';
    const form = (id: string) => (pap ? `<form id="${id}" method="post" action="${escapeHtml(target.url)}">` : `<form id="${id}">`);
    const name = (value: string) => (pap ? ` name="${value}"` : '');
    const dst = pap ? `<input type="hidden" name="dst" value="${escapeHtml(visit.dst)}">` : '';
    parts.push(
      '<section>',
      `<h2>${say('portal.voucher.heading')}</h2>`,
      form('voucher'),
      `<label for="code">${say('portal.voucher.label')}</label>`,
      `<input id="code"${name('username')} required autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false">`,
      pap && input.voucherPassword === 'blank' ? '<input type="hidden" name="password" value="">' : '',
      dst,
      `<button>${say('portal.voucher.submit')}</button></form></section>`,
      '<section>',
      `<h2>${say('portal.account.heading')}</h2>`,
      form('account'),
      `<label for="username">${say('portal.account.username')}</label>`,
      `<input id="username"${name('username')} required autocomplete="username" autocapitalize="off" autocorrect="off" spellcheck="false" value="${escapeHtml(visit.username)}">`,
      `<label for="password">${say('portal.account.password')}</label>`,
      `<input id="password"${name('password')} type="password" required autocomplete="current-password">`,
      dst,
      `<button>${say('portal.account.submit')}</button></form></section>`,
    );
  }

  if (input.packages && input.packages.length > 0 && input.buyUrl && target.kind !== 'none') {
    // Hidden until the script shows it: without JavaScript nothing here could work.
    const texts: Array<[string, string]> = [
      ['buy', input.buyUrl],
      ['t-sending', t('portal.buy.sending', {}, lang)],
      ['t-gave-up', t('portal.buy.gaveUp', {}, lang)],
      ['t-network', t('portal.buy.network', {}, lang)],
      ['t-failed', t('portal.buy.failed', {}, lang)],
    ];
    parts.push(`<section id="buy" hidden${texts.map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`).join('')}>`, `<h2>${say('portal.buy.heading')}</h2>`, '<div id="packages">');
    // M-Pesa's words only when M-Pesa prompts for every package; "mobile money" fits them all.
    const phoneLabel = input.packages.every((item) => item.provider === 'mpesa') ? 'portal.buy.phoneMpesa' : 'portal.buy.phoneOther';
    input.packages.forEach((item, i) => {
      const pay = t('portal.buy.pay', { price: item.price }, lang);
      parts.push(
        // <bdi>: a name like "1 Day" keeps its own direction on the Arabic page.
        `<details data-plan="${item.planId}" data-pay="${escapeHtml(pay)}"${input.packages!.length === 1 ? ' open' : ''}>`,
        `<summary><span><bdi>${escapeHtml(item.name)}</bdi>${item.description ? `<br><small><bdi>${escapeHtml(item.description)}</bdi></small>` : ''}</span><b><bdi>${escapeHtml(item.price)}</bdi></b></summary>`,
        // One phone form, in the package opened last (the script moves it); its input has no
        // name, so the form itself never submits the number anywhere.
        i === 0 ? `<form id="pay-form"><label for="phone">${say(phoneLabel)}</label><input id="phone" type="tel" autocomplete="tel" required maxlength="20" dir="ltr"><button>${escapeHtml(pay)}</button></form>` : '',
        '</details>',
      );
    });
    parts.push(
      '</div>',
      '<div id="pay" role="status" aria-live="polite" hidden><p id="pay-message"></p><p id="pay-code" class="code" hidden></p>',
      `<button id="pay-retry" type="button" hidden>${say('portal.buy.retry')}</button></div>`,
      '</section>',
    );
  }

  if (input.paid && target.kind !== 'none') {
    // Folded away until asked for, and hidden until the script shows it: it needs the script.
    const provider = t(input.paid.provider === 'mpesa' ? 'portal.selfService.paid.providerMpesa' : 'portal.selfService.paid.providerOther', {}, lang);
    const texts: Array<[string, string]> = [
      ['paid', input.paid.url],
      ['mac', visit.mac],
      ['t-checking', t('portal.selfService.paid.checking', {}, lang)],
      ['t-waiting', t('portal.selfService.paid.waiting', { provider }, lang)],
      ['t-network', t('portal.buy.network', {}, lang)],
    ];
    parts.push(
      `<section id="paid" hidden${texts.map(([name, value]) => ` data-${name}="${escapeHtml(value)}"`).join('')}>`,
      `<details><summary><h2>${say('portal.selfService.paid.heading')}</h2></summary>`,
      `<p><small>${say('portal.selfService.paid.intro', { provider })}</small></p>`,
      // No name on the input: the form itself never submits what is typed anywhere.
      `<form id="paid-form"><label for="paid-code">${say('portal.selfService.paid.label')}</label>`,
      '<input id="paid-code" required maxlength="40" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" dir="ltr">',
      `<button>${say('portal.selfService.paid.submit')}</button></form>`,
      '<div id="paid-result" role="status" aria-live="polite" hidden><p id="paid-message"></p><p id="paid-voucher" class="code" hidden></p></div>',
      '</details></section>',
    );
  }

  if (input.helpUrl) parts.push(`<p><small><a href="${escapeHtml(input.helpUrl)}" id="help-link">${say('portal.selfService.help.helpLink')}</a></small></p>`);
  parts.push('</main></body></html>');
  return { html: parts.join(''), styleSource };
}

/**
 * The hotspot's help pages (list or one article), readable before signing in: the portal
 * page's style, no script. `bodyHtml` is already safe HTML (see renderArticleBody).
 */
export function renderHelpPage(input: { language: Language; operatorName: string; colour: string | null; title: string; bodyHtml: string; otherLanguageUrl: string; backUrl: string; backLabel: string }): PortalPage {
  const lang = input.language;
  const style = css(normaliseColour(input.colour));
  const other = lang === 'ar' ? 'en' : 'ar';
  const html = [
    `<!doctype html><html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(input.title)} · ${escapeHtml(input.operatorName)}</title><style>${style}</style></head><body><main>`,
    `<header><h1>${escapeHtml(input.operatorName)}</h1><a href="${escapeHtml(input.otherLanguageUrl)}" lang="${other}" hreflang="${other}">${escapeHtml(t('portal.otherLanguage', {}, lang))}</a></header>`,
    `<section><h2>${escapeHtml(input.title)}</h2>${input.bodyHtml}</section>`,
    `<p><a href="${escapeHtml(input.backUrl)}">${escapeHtml(input.backLabel)}</a></p>`,
    '</main></body></html>',
  ].join('');
  return { html, styleSource: `'sha256-${createHash('sha256').update(style).digest('base64')}'` };
}
