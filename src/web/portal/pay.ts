import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderInvoiceDocument } from '../../billing/index.js';
import { LangoError } from '../../errors.js';
import { t, type Language } from '../../i18n/index.js';
import { callbackUrl, describeProvider, findAttemptOfCustomer, mobileProviders, pickProvider, providersFor, requestPayment, type PaymentProvider } from '../../payments/index.js';
import { invoiceHistory, ownDocument, ownOpenInvoice, parseTopUp, payChoices, receiptHistory, receiptOfAttempt, roundUpToStep, type PayChoices } from '../../portal/index.js';
import { getSetting } from '../../settings/index.js';
import { historyPage, payPage, providerName, statusPage, type PayKey, type PayPageInput } from './pay-pages.js';
import type { RegisterPortalScreen } from './screens.js';

// Issue 8: the portal's Pay page. The customer pays an open invoice, the next renewal or a
// wallet top-up by a prompt on their phone (payments' requestPayment: the attempt is committed
// before the provider is called, a second tap within two minutes returns the open one), then
// watches the attempt's status page; their invoices and receipts are listed with PDFs. Every
// id and number in an address is checked against the signed-in customer: another customer's
// reads as not found.

type ErrorKey = PayKey extends infer K ? (K extends `errors.${infer Rest}` ? Rest : never) : never;

const payBody = z.object({ what: z.string().max(80), phone: z.string().max(40).optional(), amount: z.string().max(40).optional() });
const DOCUMENT = /^((?:INV|CN|RCT)-\d{4}-\d{1,9})\.pdf$/;
const ATTEMPT_ID = /^[1-9]\d{0,11}$/;
/** Seconds between refreshes of a waiting payment's page (no script: the browser reloads it). */
const REFRESH_SECONDS = 3;

export const registerPayRoutes: RegisterPortalScreen = (app, screens) => {
  const { db, prefix } = screens;
  const deps = screens.services.payments;

  /** Providers that can prompt a phone in this currency now, best first; none without the services or a public address. */
  const providersTaking = (currency: PayChoices['currency']): PaymentProvider[] =>
    deps ? providersFor(currency, mobileProviders(db, deps.providers, deps.onProviderError)) : [];

  /** M-Pesa's paybill for customers paying by hand, where M-Pesa is set up as a paybill. */
  const paybill = (): string | null => {
    if (!deps) return null;
    try {
      const mpesa = describeProvider(db, 'mpesa');
      if (mpesa.shortcode === undefined || mpesa.transactionType === 'CustomerBuyGoodsOnline') return null;
      return String(mpesa.partyB ?? mpesa.shortcode);
    } catch {
      return null;
    }
  };

  const showPay = (request: FastifyRequest, reply: FastifyReply, status: number, extra: Pick<PayPageInput, 'error' | 'typed'> = {}) => {
    const session = screens.sessionOf(request);
    const language = screens.languageOf(request);
    const choices = payChoices(db, session.customerId, screens.now(), screens.zone);
    if (!choices) return screens.message(request, reply, 404, t('portal.selfService.notFound', {}, language));
    const provider = providersTaking(choices.currency)[0];
    return screens.html(
      reply,
      status,
      payPage({
        language,
        prefix,
        signedIn: screens.signedIn(session),
        zone: screens.zone,
        choices,
        provider: provider ? { name: provider.name, stepMinor: provider.amountStepMinor } : null,
        howToPay: { paybill: paybill(), address: getSetting(db, 'operator.address'), phone: getSetting(db, 'operator.phone') },
        ...extra,
      }),
    );
  };

  app.get('/pay', async (request, reply) => showPay(request, reply, 200));

  // Each request may prompt a phone and call a provider: a burst from one network is slowed down.
  app.post('/pay', { config: { rateLimit: { max: 20, timeWindow: 60_000 } } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const language = screens.languageOf(request);
    const say = (key: ErrorKey, values: Record<string, unknown> = {}) => t(`portal.selfService.pay.errors.${key}`, values, language);
    const parsed = payBody.safeParse(request.body ?? {});
    if (!parsed.success) return showPay(request, reply, 400, { error: say('noChoice') });
    const { what } = parsed.data;
    const phone = (parsed.data.phone ?? '').trim();
    const typed = { what, phone, amount: parsed.data.amount ?? '' };
    const refuse = (status: number, key: ErrorKey, values: Record<string, unknown> = {}) => showPay(request, reply, status, { error: say(key, values), typed });

    const choices = payChoices(db, session.customerId, screens.now(), screens.zone);
    if (!choices) return screens.message(request, reply, 404, t('portal.selfService.notFound', {}, language));
    const ranked = providersTaking(choices.currency);
    if (ranked.length === 0) return refuse(409, 'unavailable');
    if (phone === '') return refuse(400, 'noPhone');

    // What is paid, and by whom: the amount is worked out here from the customer's own books,
    // never taken from the form (but for a top-up, which is the customer's to choose).
    let provider: PaymentProvider | undefined = ranked[0]!;
    let amountMinor: number;
    let invoiceNumber: string | undefined;
    if (what.startsWith('invoice:')) {
      const own = ownOpenInvoice(db, session.customerId, what.slice('invoice:'.length).trim().toUpperCase());
      if (!own) return refuse(404, 'unknownInvoice', { number: what.slice('invoice:'.length, 40) });
      invoiceNumber = own.number;
      amountMinor = roundUpToStep(own.dueMinor, provider.amountStepMinor);
    } else if (what === 'renewal') {
      if (!choices.renewal || choices.renewal.amountMinor <= 0) return refuse(409, 'nothingDue');
      amountMinor = roundUpToStep(choices.renewal.amountMinor, provider.amountStepMinor);
    } else if (what === 'topup') {
      const amount = parseTopUp(parsed.data.amount ?? '', choices.currency, 1);
      if (!amount.ok) return refuse(400, amount.reason === 'format' ? 'badAmount' : amount.reason === 'zero' ? 'zero' : 'tooLarge');
      provider = pickProvider({ currency: choices.currency, priceMinor: amount.amountMinor }, ranked);
      if (!provider) return refuse(400, 'step', { provider: providerName(ranked[0]!.name, language) });
      amountMinor = amount.amountMinor;
    } else {
      return refuse(400, 'noChoice');
    }

    const chosen = provider;
    try {
      // Worked out before the attempt row is written, so a missing public address leaves no attempt behind.
      const url = callbackUrl(db, deps!.box, chosen);
      const { attempt, reused } = await requestPayment(db, chosen, () => url, { customerId: session.customerId, amountMinor, phone, ...(invoiceNumber && { invoiceNumber }), actor: 'portal', now: screens.now() });
      request.log.info({ customerId: session.customerId, attempt: attempt.id, provider: chosen.name, reused }, 'customer asked to pay from the portal');
      return reply.redirect(`${prefix}/pay/status/${attempt.id}${reused ? '?again=1' : ''}`, 303);
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      switch (err.code) {
        case 'INPUT_BAD_PHONE':
          return refuse(400, 'badPhone', { value: phone });
        case 'PAY_NO_PHONE':
          return refuse(400, 'noPhone');
        case 'INPUT_UNKNOWN_INVOICE':
          return refuse(404, 'unknownInvoice', { number: invoiceNumber ?? '' });
        case 'PAY_NOTHING_DUE':
          return refuse(409, 'nothingDue');
        case 'PAY_AMOUNT_STEP':
          return refuse(400, 'step', { provider: providerName(chosen.name, language) });
        case 'PAY_CURRENCY_NOT_TAKEN':
          return refuse(409, 'currency', { currency: choices.currency });
        case 'PAY_NO_PUBLIC_URL':
        case 'PAY_NOT_CONFIGURED':
          return refuse(409, 'unavailable');
        default:
          throw err;
      }
    }
  });

  app.get<{ Params: { id: string }; Querystring: { again?: string } }>('/pay/status/:id', async (request, reply) => {
    const session = screens.sessionOf(request);
    const language: Language = screens.languageOf(request);
    const notFound = () => screens.message(request, reply, 404, t('portal.selfService.notFound', {}, language));
    if (!ATTEMPT_ID.test(request.params.id)) return notFound();
    const attempt = findAttemptOfCustomer(db, Number(request.params.id), session.customerId);
    if (!attempt) return notFound();
    const state =
      attempt.status === 'pending' || attempt.status === 'unknown'
        ? 'pending'
        : attempt.status === 'succeeded'
          ? // Money arrived but staff must look first (amount or phone did not match): not credited yet.
            attempt.reviewReason !== null && attempt.reviewedAt === null
            ? 'checking'
            : 'paid'
          : attempt.status;
    // While the phone is still asked, the browser reloads the page by itself (no script needed).
    if (state === 'pending') reply.header('refresh', String(REFRESH_SECONDS));
    return screens.html(
      reply,
      200,
      statusPage({
        language,
        prefix,
        signedIn: screens.signedIn(session),
        state,
        amountMinor: attempt.amountMinor,
        currency: attempt.currency,
        phone: attempt.phone,
        invoiceNumber: attempt.invoiceNumber,
        receiptNumber: state === 'paid' ? receiptOfAttempt(db, attempt) : null,
        reused: request.query.again === '1',
      }),
    );
  });

  app.get<{ Querystring: { invoices?: string; receipts?: string } }>('/pay/history', async (request, reply) => {
    const session = screens.sessionOf(request);
    const page = (value: string | undefined) => (value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : 1);
    return screens.html(
      reply,
      200,
      historyPage({
        language: screens.languageOf(request),
        prefix,
        signedIn: screens.signedIn(session),
        zone: screens.zone,
        invoices: invoiceHistory(db, session.customerId, page(request.query.invoices)),
        receipts: receiptHistory(db, session.customerId, page(request.query.receipts)),
      }),
    );
  });

  // Each download renders a PDF afresh: a burst from one network is slowed down.
  app.get<{ Params: { file: string } }>('/documents/:file', { config: { rateLimit: { max: 30, timeWindow: 60_000 } } }, async (request, reply) => {
    const session = screens.sessionOf(request);
    const match = DOCUMENT.exec(request.params.file.toUpperCase().replace(/\.PDF$/, '.pdf'));
    // Someone else's number reads exactly as one that does not exist.
    if (!match || !ownDocument(db, session.customerId, match[1]!)) return screens.message(request, reply, 404, t('portal.selfService.notFound', {}, screens.languageOf(request)));
    const number = match[1]!;
    // The document speaks the customer's language (their account's), as the SMS do.
    const { pdf } = await renderInvoiceDocument(db, number, screens.zone, { html: false, pdf: true });
    return reply.code(200).type('application/pdf').header('content-disposition', `inline; filename="${number}.pdf"`).send(pdf);
  });
};
