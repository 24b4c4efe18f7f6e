import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findOpenSession } from '../../aaa/sessions.js';
import { paymentMethodName } from '../../billing/index.js';
import { errorCatalogue, errorMessage, LangoError } from '../../errors.js';
import { t, type Language, type MessageKey } from '../../i18n/index.js';
import { maskPhone } from '../../observability/logger.js';
import { approveFlagged, findAttempt } from '../../payments/index.js';
import { can, type StaffSession } from '../../staff/index.js';
import {
  accountSubject,
  attemptSubject,
  closeSilent,
  describeEntries,
  explain,
  findSubjects,
  macSubject,
  queryPaymentNow,
  resendLogin,
  subjectTitle,
  type EntryWords,
  type Explanation,
  type WhySubject,
} from '../../support/index.js';
import { escapeHtml, renderFrame } from './pages.js';
import type { StaffScreens } from './screens.js';
import { csrfField, flash, formatTime, ltr, one, table, text } from './ui.js';

// Issue 14's "Why?" screen: type what the customer says (username, phone, receipt, voucher
// code, device MAC), pick the match, and read one timeline of payments, the plan, login
// decisions, sessions, CoA/Disconnect and SMS. Where the fix is one step it sits on the row,
// shown only to roles that may use it (the routes check again): close a session the router
// went silent on, re-send login details, ask the provider about a pending payment now, apply a
// flagged payment. `lango why` prints the same timeline.

const ID = /^\d{1,12}$/;
const PER_SOURCE = 20;
/** Defaults of LANGO_INTERIM_INTERVAL and LANGO_STALE_GRACE, for a plugin built without the daemon's figures (tests). */
const DEFAULT_INTERIM = 300;
const DEFAULT_GRACE = 120;

const tx = (key: string, l: Language, values: Record<string, unknown> = {}) => t(`staff.why.${key}` as MessageKey, values, l);

/**
 * A voucher's code is a bearer credential: roles that may not see codes on the voucher screens
 * (vouchers.manage) read it here as "K7…2M", wherever it appears (title, sessions, decisions).
 */
function veilFor(subject: WhySubject, session: StaffSession): (text: string) => string {
  if (subject.kind !== 'account' || !subject.voucher || can(session.staff.role, 'vouchers.manage')) return (text) => text;
  const code = subject.username;
  const veiled = `${code.slice(0, 2)}…${code.slice(-2)}`;
  return (text) => text.split(code).join(veiled);
}

/** Where a fix sends the page back to: one subject, as the query string that shows it. */
function subjectQuery(subject: WhySubject): string {
  return subject.kind === 'account' ? `customer=${subject.customerId}` : subject.kind === 'mac' ? `mac=${encodeURIComponent(subject.mac)}` : `attempt=${subject.attemptId}`;
}

export function registerWhyRoutes(app: FastifyInstance, screens: StaffScreens): void {
  const { db, prefix } = screens;
  const time = (ms: number | null) => formatTime(ms, screens.zone);
  const interimSeconds = () => screens.services.interimSeconds ?? DEFAULT_INTERIM;
  const graceSeconds = () => screens.services.staleGraceSeconds ?? DEFAULT_GRACE;

  // POST, not GET: what is typed is often a phone number or a receipt, and a query string would
  // put it in the request log (and the browser's history).
  function searchForm(request: FastifyRequest, query: string): string {
    const l = screens.languageOf(request);
    return (
      `<form method="post" action="${prefix}/why" class="filters" role="search">${csrfField(screens.sessionOf(request).csrfToken)}` +
      `<div><label for="q">${text('staff.why.search.label', l)}</label><input id="q" name="q" type="search" maxlength="100" autocomplete="off" autocapitalize="none" spellcheck="false" value="${escapeHtml(query)}"></div>` +
      `<button type="submit">${text('staff.why.search.button', l)}</button></form>`
    );
  }

  const frame = (request: FastifyRequest, reply: FastifyReply, status: number, body: string) => {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    return screens.html(reply, status, renderFrame({ language: l, prefix, signedIn: screens.signedIn(session), title: tx('heading', l), current: '/why', body }));
  };

  /** One timeline row: when, what (with the fixes this role may use; the routes check again), detail. */
  function entryRow(words: EntryWords, ctx: { l: Language; session: StaffSession; back: string; veil: (text: string) => string }): string[] {
    const { l, session } = ctx;
    const role = session.staff.role;
    const { entry } = words;
    const form = (action: string, label: string, danger = false) =>
      `<form method="post" action="${prefix}${action}" class="inline">${csrfField(session.csrfToken)}<input type="hidden" name="back" value="${escapeHtml(ctx.back)}"><button type="submit" class="small${danger ? ' danger' : ''}">${escapeHtml(label)}</button></form>`;
    let what = escapeHtml(ctx.veil(words.what));
    let fixes = '';
    if (entry.source === 'attempt') {
      const a = entry.attempt;
      fixes =
        (entry.canQueryNow && can(role, 'payments.query-now') ? form(`/why/attempts/${a.id}/query`, tx('fixes.query', l, { provider: paymentMethodName(a.provider, l) })) : '') +
        (entry.canApply && can(role, 'payments.review') ? form(`/why/attempts/${a.id}/apply`, tx('fixes.apply', l)) : '');
    } else if (entry.source === 'session') {
      what = `<span class="session-${entry.state}">${what}</span>`;
      if (entry.canClose && can(role, 'sessions.close-stale')) fixes = form(`/why/sessions/${entry.session.id}/close`, tx('fixes.close', l), true);
    } else if (entry.source === 'decision') {
      what = `<span class="decision-${escapeHtml(entry.decision.result)}">${what}</span>`;
    }
    // The fix under what it fixes: on a phone a fourth column would sit off screen.
    return [ltr(time(entry.at)), `${what}${fixes}`, escapeHtml(ctx.veil(words.detail.join(' · ')))];
  }

  function explanationHtml(request: FastifyRequest, story: Explanation): string {
    const session = screens.sessionOf(request);
    const l = screens.languageOf(request);
    const back = subjectQuery(story.subject);
    const facts = story.account;
    let factsHtml = '';
    if (facts) {
      const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
      const ends = facts.expiresAt !== null ? time(facts.expiresAt) : facts.plan !== null && facts.activatedAt === null ? tx('facts.notStarted', l) : tx('facts.never', l);
      const links = can(session.staff.role, 'customers.view') && !facts.voucher ? `<ul class="links"><li><a href="${prefix}/customers/${encodeURIComponent(facts.username)}">${text('staff.staffCustomers.heading', l)}: ${ltr(facts.username)}</a></li></ul>` : '';
      const resend =
        facts.phone !== null && can(session.staff.role, 'customers.resend-login')
          ? `<form method="post" action="${prefix}/why/customers/${facts.customerId}/resend">${csrfField(session.csrfToken)}<input type="hidden" name="back" value="${escapeHtml(back)}"><button type="submit">${text('staff.why.fixes.resend', l)}</button></form>`
          : '';
      factsHtml =
        `<table id="facts"><tbody>${[
          row(tx('facts.status', l), `<span id="account-status">${escapeHtml(tx(`statuses.${facts.status}`, l))}</span>`),
          row(tx('facts.plan', l), escapeHtml(facts.plan ?? tx('facts.noPlan', l))),
          row(tx('facts.ends', l), ltr(ends)),
          row(tx('facts.phone', l), ltr(facts.phone ?? '')),
          row(tx('facts.devices', l), `<span id="devices">${escapeHtml(tx('facts.devicesValue', l, { open: facts.devicesOnline, limit: facts.deviceLimit }))}</span>`),
        ].join('')}</tbody></table>` +
        resend +
        links;
    }
    const veil = veilFor(story.subject, session);
    const rows = describeEntries(db, story, l, screens.zone).map((words) => entryRow(words, { l, session, back, veil }));
    const timeline =
      rows.length === 0
        ? `<p id="timeline-empty">${text('staff.why.empty', l)}</p>`
        : `${table('timeline', [text('staff.why.columns.when', l), text('staff.why.columns.what', l), text('staff.why.columns.detail', l)], rows)}<p class="hint">${text('staff.why.more', l, { limit: PER_SOURCE })}</p>`;
    return `<h2 id="subject">${escapeHtml(veil(subjectTitle(story.subject, l)))}</h2>${factsHtml}${timeline}`;
  }

  const storyOf = (subject: WhySubject) => explain(db, subject, { now: screens.now(), limit: PER_SOURCE, interimSeconds: interimSeconds(), graceSeconds: graceSeconds() });

  /** The subject named by ?customer=, ?attempt= or ?mac= (a fix's way back, a link), if any. */
  function namedSubject(query: Record<string, unknown>): WhySubject | undefined | 'none' {
    const customer = one(query.customer);
    if (customer !== undefined) return ID.test(customer) ? accountSubject(db, Number(customer)) : undefined;
    const attempt = one(query.attempt);
    if (attempt !== undefined) return ID.test(attempt) ? attemptSubject(db, Number(attempt)) : undefined;
    const mac = one(query.mac);
    if (mac !== undefined) return macSubject(mac.slice(0, 32));
    return 'none';
  }

  function show(request: FastifyRequest, reply: FastifyReply, status: number, subject: WhySubject, notice: { notice?: string; error?: string } = {}) {
    return frame(request, reply, status, `${searchForm(request, '')}${flash(notice)}${explanationHtml(request, storyOf(subject))}`);
  }

  app.get<{ Querystring: Record<string, unknown> }>('/why', { config: { staffAction: 'customers.why' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const q = request.query ?? {};
    const named = namedSubject(q);
    if (named === undefined) return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    if (named !== 'none') return show(request, reply, 200, named, { notice: doneNotice(q, l) });
    return frame(request, reply, 200, `<p>${text('staff.why.intro', l)}</p>${searchForm(request, '')}`);
  });

  app.post('/why', { config: { staffAction: 'customers.why' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const query = (one((request.body as Record<string, unknown> | undefined)?.q) ?? '').trim().slice(0, 100);
    const form = searchForm(request, query);
    if (query === '') return frame(request, reply, 200, `<p>${text('staff.why.intro', l)}</p>${form}`);
    const subjects = findSubjects(db, query, 20);
    if (subjects.length === 0) return frame(request, reply, 200, `${form}<p role="status" id="no-match">${text('staff.why.search.none', l, { query })}</p>`);
    if (subjects.length === 1) return frame(request, reply, 200, `${form}${explanationHtml(request, storyOf(subjects[0]!))}`);
    const items = subjects
      .map((s) => `<li><a href="${prefix}/why?${escapeHtml(subjectQuery(s))}">${escapeHtml(veilFor(s, screens.sessionOf(request))(subjectTitle(s, l)))}</a> <small>${escapeHtml(tx('matchedBy', l, { what: tx(`matched.${s.matched}`, l) }))}</small></li>`)
      .join('');
    return frame(request, reply, 200, `${form}<p role="status">${text('staff.why.search.several', l, { count: subjects.length, query })}</p><ul id="matches" class="links">${items}</ul>`);
  });

  function doneNotice(q: Record<string, unknown>, l: Language): string | undefined {
    const id = one(q.id) ?? '';
    if (!ID.test(id) && one(q.done) !== 'resent') return undefined;
    switch (one(q.done)) {
      case 'closed':
        return tx('fixes.closed', l, { id });
      case 'resent': {
        const to = one(q.to) ?? '';
        return /^\+?\d[\d…]{2,20}$/.test(to) ? tx('fixes.resent', l, { phone: to }) : undefined;
      }
      case 'queried': {
        const provider = paymentMethodName((one(q.provider) ?? '').replace(/[^a-z]/g, '').slice(0, 12), l);
        return tx(screens.services.kickReconcile ? 'fixes.queried' : 'fixes.queryQueued', l, { id, provider });
      }
      case 'applied': {
        const receipt = one(q.receipt) ?? '';
        return /^[A-Z0-9-]{1,40}$/.test(receipt) ? tx('fixes.applied', l, { id, receipt }) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The page a fix returns to: the subject it was clicked on (the form's `back`), else `fallback`. */
  function backTo(request: FastifyRequest, fallback: WhySubject | undefined): WhySubject | undefined {
    const back = one((request.body as Record<string, unknown> | undefined)?.back) ?? '';
    const named = /^(customer|attempt)=\d{1,12}$|^mac=[0-9A-Fa-f%:]{12,40}$/.test(back) ? namedSubject(Object.fromEntries(new URLSearchParams(back))) : undefined;
    return named !== undefined && named !== 'none' ? named : fallback;
  }
  const redirect = (reply: FastifyReply, subject: WhySubject | undefined, done: Record<string, string>) =>
    reply.redirect(`${prefix}/why?${subject ? `${subjectQuery(subject)}&` : ''}${new URLSearchParams(done).toString()}`, 303);
  const actor = (request: FastifyRequest) => `staff:${screens.sessionOf(request).staff.username}`;

  app.post<{ Params: { id: string } }>('/why/sessions/:id/close', { config: { staffAction: 'sessions.close-stale' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const open = ID.test(request.params.id) ? findOpenSession(db, Number(request.params.id)) : undefined;
    const fallback = open?.customerId != null ? accountSubject(db, open.customerId) : open?.callingStationId ? macSubject(open.callingStationId) : undefined;
    const subject = backTo(request, fallback);
    const outcome = open ? closeSilent(db, { sessionId: open.id, actor: actor(request), now: screens.now(), interimSeconds: interimSeconds(), graceSeconds: graceSeconds() }) : { kind: 'not-silent' as const };
    if (outcome.kind !== 'closed') {
      if (!subject) return screens.message(request, reply, 409, tx('fixes.closeGone', l));
      return show(request, reply, 409, subject, { error: tx('fixes.closeGone', l) });
    }
    request.log.info({ staff: screens.sessionOf(request).staff.username, session: outcome.session.id, nas: outcome.session.nas }, 'silent session closed by staff');
    return redirect(reply, subject, { done: 'closed', id: String(outcome.session.id) });
  });

  app.post<{ Params: { id: string } }>('/why/customers/:id/resend', { config: { staffAction: 'customers.resend-login' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const subject = ID.test(request.params.id) ? accountSubject(db, Number(request.params.id)) : undefined;
    if (!subject || subject.kind !== 'account') return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const box = screens.services.box;
    if (!box) return show(request, reply, 503, subject, { error: tx('fixes.noKey', l) });
    const outcome = resendLogin(db, box, { customerId: subject.customerId, actor: actor(request), now: screens.now() });
    if (outcome.kind === 'unknown') return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    if (outcome.kind === 'no-phone') return show(request, reply, 409, subject, { error: tx('fixes.noPhone', l) });
    if (outcome.kind === 'too-soon') return show(request, reply, 429, subject, { error: tx('fixes.tooSoon', l, { seconds: outcome.seconds }) });
    request.log.info({ staff: screens.sessionOf(request).staff.username, customer: subject.customerId }, 'login details re-sent by SMS');
    return redirect(reply, subject, { done: 'resent', id: String(subject.customerId), to: maskPhone(outcome.phone) });
  });

  app.post<{ Params: { id: string } }>('/why/attempts/:id/query', { config: { staffAction: 'payments.query-now' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const attempt = ID.test(request.params.id) ? findAttempt(db, Number(request.params.id)) : undefined;
    if (!attempt) return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const subject = backTo(request, attemptSubject(db, attempt.id));
    const outcome = queryPaymentNow(db, { attemptId: attempt.id, actor: actor(request), now: screens.now() });
    if (outcome.kind !== 'scheduled') return subject ? show(request, reply, 409, subject, { error: tx('fixes.queryGone', l) }) : screens.message(request, reply, 409, tx('fixes.queryGone', l));
    // The daemon's worker asks on its next pass; kicked, that pass is now.
    screens.services.kickReconcile?.();
    request.log.info({ staff: screens.sessionOf(request).staff.username, attempt: attempt.id }, 'payment query moved to now by staff');
    return redirect(reply, subject, { done: 'queried', id: String(attempt.id), provider: attempt.provider });
  });

  app.post<{ Params: { id: string } }>('/why/attempts/:id/apply', { config: { staffAction: 'payments.review' } }, async (request, reply) => {
    const l = screens.languageOf(request);
    const attempt = ID.test(request.params.id) ? findAttempt(db, Number(request.params.id)) : undefined;
    if (!attempt) return screens.message(request, reply, 404, t('staff.web.notFound', {}, l));
    const subject = backTo(request, attemptSubject(db, attempt.id));
    try {
      // The review queue's approve, as the attempt reported it: its own customer and amount.
      const { receiptNumber } = approveFlagged(db, { attemptId: attempt.id, actor: actor(request), now: screens.now(), zone: screens.zone });
      request.log.info({ staff: screens.sessionOf(request).staff.username, attempt: attempt.id, receipt: receiptNumber }, 'flagged payment applied from Why?');
      return redirect(reply, subject, { done: 'applied', id: String(attempt.id), receipt: receiptNumber });
    } catch (err) {
      if (!(err instanceof LangoError)) throw err;
      const status = (errorCatalogue[err.code] as { status?: number }).status ?? 400;
      const error = errorMessage(err.code, l, err.values);
      return subject ? show(request, reply, status, subject, { error }) : screens.message(request, reply, status, error);
    }
  });
}
