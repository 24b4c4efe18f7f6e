import { en } from '../../i18n/en.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';

// The router hands the portal its $(error) text: either one of RouterOS's own messages (its
// errors.txt, English, technical) or Lango's Reply-Message from the Access-Reject. Customers
// get plain words in their language for the ones known here, and the text itself otherwise.

/** RouterOS's stock errors.txt texts (the parts that do not vary), newest wording first. */
const ROUTER_ERRORS: ReadonlyArray<[RegExp, MessageKey]> = [
  [/invalid username or password/i, 'portal.errors.badCredentials'],
  [/radius server is not responding/i, 'portal.errors.noResponse'],
  [/no more sessions are allowed/i, 'portal.errors.sessionLimit'],
  [/did not send challenge response/i, 'portal.errors.expiredPage'],
  [/no more free addresses|session limit reached/i, 'portal.errors.hotspotFull'],
  [/already authorizing/i, 'portal.errors.busy'],
  [/not allowed to log in from this mac|this mac address is not yours/i, 'portal.errors.wrongDevice'],
  [/has reached (uptime|traffic) limit/i, 'portal.errors.limitReached'],
  [/shutting down/i, 'portal.errors.restarting'],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lango's own Reply-Messages (radius.*), as patterns whose {{placeholders}} capture values. */
const LANGO_REPLIES: ReadonlyArray<{ key: MessageKey; pattern: RegExp; names: string[] }> = Object.entries(en.radius).map(([name, text]) => {
  const names: string[] = [];
  const source = text
    .split(/(\{\{\w+\}\})/)
    .map((piece) => {
      const placeholder = /^\{\{(\w+)\}\}$/.exec(piece);
      if (!placeholder) return escapeRegExp(piece);
      names.push(placeholder[1]!);
      return '(.+?)';
    })
    .join('');
  return { key: `radius.${name}` as MessageKey, pattern: new RegExp(`^${source}$`), names };
});

/** The router's error in plain words, in the page language. */
export function explainRouterError(error: string, language: Language): string {
  const text = error.trim();
  for (const reply of LANGO_REPLIES) {
    const match = reply.pattern.exec(text);
    if (!match) continue;
    // The generic wrong-password reply also covers vouchers on this page.
    if (reply.key === 'radius.badCredentials') return t('portal.errors.badCredentials', {}, language);
    return t(reply.key, Object.fromEntries(reply.names.map((name, i) => [name, match[i + 1]])), language);
  }
  for (const [pattern, key] of ROUTER_ERRORS) if (pattern.test(text)) return t(key, {}, language);
  return t('portal.errors.other', { message: text.slice(0, 200) }, language);
}
