import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { t, type Language } from '../../i18n/index.js';
import { findByReceipt, followLookup, normaliseReceipt, type ReceiptFinding } from '../../payments/index.js';
import { getSetting } from '../../settings/index.js';
import { describePaid, paidProvider, type PaidAnswer, type PaidFinding } from '../captive/paid-answer.js';
import { escapeHtml, renderFrame } from './pages.js';
import type { RegisterPortalScreen } from './screens.js';

// "I paid but my account does not show it": the signed-in customer types the receipt code from
// their payment SMS; Lango finds the payment (asking the provider when it must, which settles a
// request whose callback never came) and says where the money went, in the captive page's words.
// Only the receipt: a phone number would tell this customer about someone else's payments.

const paidBody = z.object({ code: z.string().trim().min(1).max(40) });
const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Seconds between reloads of the page while the provider is asked (no script). */
const REFRESH_SECONDS = 3;

export const registerPaidRoutes: RegisterPortalScreen = (app, screens) => {
  const { db, prefix } = screens;
  const deps = screens.services.payments;
  const lookup = deps && { db, box: deps.box, zone: screens.zone, providers: () => deps.providers.usable(deps.onProviderError) };

  const show = (request: FastifyRequest, reply: FastifyReply, status: number, answer?: PaidAnswer, typed = '') => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const provider = paidProvider(lookup?.providers() ?? []);
    const say = (key: 'portalIntro' | 'portalLabel' | 'submit', values: Record<string, unknown> = {}) => escapeHtml(t(`portal.selfService.paid.${key}`, values, l));
    const said = !answer
      ? ''
      : answer.state === 'paid'
        ? `<p class="notice" role="status" id="paid-state">${escapeHtml(answer.message)}</p><p id="paid-voucher"><bdi dir="ltr">${escapeHtml(answer.code)}</bdi></p>`
        : `<p class="notice" role="status" id="paid-state">${escapeHtml(answer.message)}</p>`;
    const form = `<form method="post" action="${prefix}/paid"><input type="hidden" name="_csrf" value="${escapeHtml(session.csrfToken)}">
<label for="paid-code">${say('portalLabel')}</label><input id="paid-code" name="code" required maxlength="40" autocomplete="off" autocapitalize="characters" spellcheck="false" dir="ltr" value="${escapeHtml(typed)}">
<button class="primary" type="submit">${say('submit')}</button></form>`;
    const body = `${said}<p>${say('portalIntro', { provider: t(provider === 'mpesa' ? 'portal.selfService.paid.providerMpesa' : 'portal.selfService.paid.providerOther', {}, l) })}</p>${form}`;
    return screens.html(reply, status, renderFrame({ language: l, prefix, title: t('portal.selfService.paid.portalHeading', {}, l), body, signedIn: screens.signedIn(session) }));
  };

  const answerOf = (request: FastifyRequest, finding: ReceiptFinding | PaidFinding, language: Language): PaidAnswer => {
    const session = screens.sessionOf(request);
    const provider = paidProvider(lookup?.providers() ?? []);
    // Away from the hotspot no device can be checked, so a voucher's code is never shown here:
    // the captive page shows it to the device that holds it, and the SMS went to the payer.
    if (finding.kind === 'voucher') return { state: 'info', message: t('portal.selfService.paid.portalVoucher', {}, language) };
    return describePaid(finding, language, { via: 'receipt', provider, contact: getSetting(db, 'operator.phone'), zone: screens.zone, now: screens.now(), customerId: session.customerId });
  };

  app.get('/paid', async (request, reply) => show(request, reply, 200));

  // Each check may ask the provider: a burst from one network is slowed down.
  app.post('/paid', { logLevel: 'warn', config: { rateLimit: { max: 5, timeWindow: 60_000 } } }, async (request, reply) => {
    const language = screens.languageOf(request);
    const parsed = paidBody.safeParse(request.body ?? {});
    const typed = parsed.success ? parsed.data.code : '';
    const receipt = parsed.success ? normaliseReceipt(parsed.data.code) : undefined;
    if (!receipt) return show(request, reply, 400, answerOf(request, { kind: 'bad-input', value: typed.slice(0, 40) }, language), typed);
    if (!lookup) return show(request, reply, 200, answerOf(request, { kind: 'ask-phone' }, language), typed);
    const finding = await findByReceipt(lookup, { receipt, mac: null, now: screens.now(), signal: AbortSignal.timeout(15_000) });
    if (finding.kind === 'asking') return reply.redirect(`${prefix}/paid/${finding.key}`, 303);
    return show(request, reply, 200, answerOf(request, finding, language), typed);
  });

  // The key is the right to see what the lookup found: not written to the request log.
  app.get<{ Params: { key: string } }>('/paid/:key', { logLevel: 'warn' }, async (request, reply) => {
    const language = screens.languageOf(request);
    const followed = KEY.test(request.params.key) ? followLookup(db, request.params.key, screens.now()) : undefined;
    if (!followed) return show(request, reply, 404, answerOf(request, { kind: 'unknown' }, language));
    if (followed.finding.kind === 'asking') reply.header('refresh', String(REFRESH_SECONDS));
    return show(request, reply, 200, answerOf(request, followed.finding, language));
  });
};
