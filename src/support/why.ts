import { DateTime } from 'luxon';
import { describeDecision, recentDecisions, type DecisionRow } from '../aaa/decisions.js';
import { actionsOfSessions, type ActionView } from '../aaa/enforcement.js';
import { listNas } from '../aaa/nas.js';
import { closeSilentSession, findOpenSession, listSessions, sessionsOfCustomer, type SessionView } from '../aaa/sessions.js';
import {
  createSubscriberLookup,
  findCustomer,
  findCustomerById,
  findPaymentByReceipt,
  findPaymentByReference,
  findPlanById,
  formatMoney,
  listPaymentPage,
  normaliseMac,
  normalisePhone,
  notify,
  paymentMethodName,
  searchCustomers,
  subscriptionOf,
  type CustomerSummary,
  type PaymentRow,
} from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { vouchersLockedTo, vouchersSoldTo, voucherCodeOf } from '../hotspot/index.js';
import { t, type Language, type MessageKey } from '../i18n/index.js';
import { isTemplateKey, listMessages, queueMessage, type Message } from '../messaging/index.js';
import { SECRET_KEY_PREFIX } from '../messaging/outbox.js';
import { maskPhone } from '../observability/logger.js';
import { attemptsFromPhone, findAttempt, findAttemptsByReceipt, listAttempts, OPEN_ATTEMPT_STATUSES, providerModules, queryAttemptNow, reviewReasonWords, type Attempt } from '../payments/index.js';
import { getSetting } from '../settings/index.js';
import { recordAudit, searchAudit } from '../staff/index.js';

// The support desk's "Why?": what a support person types (a username, a phone number, a
// receipt code, a voucher code, a device MAC) turned into the accounts or devices it means, and
// one timeline per subject drawn from every domain's own read functions — payments, the plan's
// period, the decision trace, sessions, CoA/Disconnect, SMS — each source a bounded query, so a
// customer with years of history costs the same as a new one. The page (src/web/staff/why.ts)
// and `lango why` show the same thing; the one-step fixes are here too, each with its audit entry.

/** How a subject was found from what was typed. */
export type MatchKind = 'username' | 'name' | 'phone' | 'receipt' | 'voucher' | 'mac';

export type WhySubject =
  /** A customer, or a voucher's account (vouchers are accounts in billing). */
  | { kind: 'account'; customerId: number; username: string; name: string | null; voucher: boolean; matched: MatchKind }
  /** A device: its sessions and the decisions on its requests, whoever they were for. */
  | { kind: 'mac'; mac: string; matched: 'mac' }
  /** A payment no account holds yet: a hotspot purchase still waiting, or money for an unknown account. */
  | { kind: 'attempt'; attemptId: number; provider: string; amountMinor: number; currency: Attempt['currency']; matched: 'receipt' | 'phone' };

/** Open and heard from recently; open but silent past one interim update (probably lost, still counted); stale (no longer counted); ended. */
export type SessionState = 'live' | 'silent' | 'stale' | 'ended';

export type WhyEntry =
  | { source: 'attempt'; at: number; attempt: Attempt; canQueryNow: boolean; canApply: boolean }
  | { source: 'payment'; at: number; payment: PaymentRow }
  | { source: 'plan'; at: number; event: 'activated' | 'ends' | 'ended'; plan: string | null }
  | { source: 'decision'; at: number; decision: DecisionRow }
  | { source: 'session'; at: number; session: SessionView; state: SessionState; silentSeconds: number; canClose: boolean }
  | { source: 'action'; at: number; action: ActionView }
  | { source: 'message'; at: number; message: SentMessage };

/** An SMS or email as the timeline shows it: never its text, which may carry a code or a password. */
export interface SentMessage {
  id: number;
  channel: Message['channel'];
  template: string | null;
  status: Message['status'];
  createdAt: number;
  sentAt: number | null;
}

export interface AccountFacts {
  customerId: number;
  username: string;
  name: string | null;
  /** The code, for a voucher's account. */
  voucher: string | null;
  phone: string | null;
  status: CustomerSummary['status'];
  plan: string | null;
  activatedAt: number | null;
  expiresAt: number | null;
  /** Sessions open now (live and silent; stale ones no longer count) and how many the plan allows. */
  devicesOnline: number;
  deviceLimit: number;
}

export interface Explanation {
  subject: WhySubject;
  account: AccountFacts | undefined;
  /** Newest first. */
  entries: WhyEntry[];
}

export interface ExplainOptions {
  now: number;
  /** Rows read from each source (default 20, at most 200). */
  limit?: number;
  /** The daemon's Acct-Interim-Interval for plans that set none (LANGO_INTERIM_INTERVAL). */
  interimSeconds: number;
  /** LANGO_STALE_GRACE: added to missed interim updates before a session counts as silent or stale. */
  graceSeconds: number;
}

const MAX_QUERY = 100;
const subjectKey = (s: WhySubject) => (s.kind === 'account' ? `account:${s.customerId}` : s.kind === 'mac' ? `mac:${s.mac}` : `attempt:${s.attemptId}`);

/**
 * What a support person typed, as the subjects it names, best matches first: an exact
 * username or voucher code; a receipt code (mobile-money receipt on an attempt or a credited
 * payment, or Lango's own receipt number); a phone number in any local or international form
 * (customers, vouchers sold to it, and payments from it with no account yet); a device MAC
 * (a customer's registered device, a voucher locked to it, sessions and decisions from it, or
 * else the device itself); failing all of these, usernames, names and phone numbers containing
 * the text. At most `limit`.
 */
export function findSubjects(db: Db, query: string, limit = 20): WhySubject[] {
  const q = query.trim().slice(0, MAX_QUERY);
  if (q === '') return [];
  const found = new Map<string, WhySubject>();
  const add = (subject: WhySubject) => {
    if (!found.has(subjectKey(subject))) found.set(subjectKey(subject), subject);
  };
  const account = (customer: CustomerSummary | undefined, matched: MatchKind) => {
    if (!customer) return;
    const code = voucherCodeOf(db, customer.id);
    add({ kind: 'account', customerId: customer.id, username: customer.username, name: customer.fullName, voucher: code !== undefined, matched });
  };
  const accountById = (customerId: number | null, matched: MatchKind) => customerId !== null && account(findCustomerById(db, customerId), matched);
  const attempt = (a: Attempt, matched: 'receipt' | 'phone') => {
    if (a.customerId !== null) accountById(a.customerId, matched);
    else add({ kind: 'attempt', attemptId: a.id, provider: a.provider, amountMinor: a.amountMinor, currency: a.currency, matched });
  };

  // A username or a voucher code, exactly (codes are printed upper case, typed either way).
  const exact = findCustomer(db, q) ?? findCustomer(db, q.toUpperCase());
  if (exact) account(exact, voucherCodeOf(db, exact.id) !== undefined ? 'voucher' : 'username');

  // A receipt: the provider's code on an attempt or a credited payment, or Lango's receipt
  // number. Exact lookups on unique keys, typed in any case.
  if (/^[A-Za-z0-9-]{6,40}$/.test(q)) {
    const wanted = q.toUpperCase();
    const providers = Object.keys(providerModules);
    for (const a of findAttemptsByReceipt(db, wanted, providers)) attempt(a, 'receipt');
    for (const provider of providers) accountById(findPaymentByReference(db, provider, wanted)?.customerId ?? null, 'receipt');
    const receipt = findPaymentByReceipt(db, wanted);
    if (receipt) account(findCustomer(db, receipt.username), 'receipt');
  }

  const phone = normalisePhone(q, getSetting(db, 'operator.country'));
  if (phone) {
    for (const v of vouchersSoldTo(db, phone, limit)) accountById(v.customerId, 'phone');
    for (const a of attemptsFromPhone(db, phone, limit)) attempt(a, 'phone');
  }

  const mac = normaliseMac(q);
  if (mac) {
    for (const v of vouchersLockedTo(db, mac, limit)) accountById(v.customerId, 'mac');
    for (const s of listSessions(db, { mac, limit })) accountById(s.customerId, 'mac');
    for (const d of recentDecisions(db, { mac }, { limit })) accountById(d.customerId, 'mac');
  }

  // Customers by phone or registered MAC; parts of usernames, names and phone numbers only when
  // nothing matched exactly (typing "bob" means bob, not bobby too).
  const partial: CustomerSummary[] = [];
  for (const c of searchCustomers(db, q, limit)) {
    if (phone && c.phone === phone) account(c, 'phone');
    else if (mac && c.mac === mac) account(c, 'mac');
    else partial.push(c);
  }
  const lower = q.toLowerCase();
  if (found.size === 0) for (const c of partial) account(c, c.username.toLowerCase().includes(lower) ? 'username' : c.fullName?.toLowerCase().includes(lower) ? 'name' : 'phone');
  // A device no account answers to is a subject itself: its refused logins under names nobody has.
  if (mac && found.size === 0) add({ kind: 'mac', mac, matched: 'mac' });
  return [...found.values()].slice(0, limit);
}

/** The subject for a customer id (the customer page's "Why?" link), or undefined. */
export function accountSubject(db: Db, customerId: number): WhySubject | undefined {
  const customer = findCustomerById(db, customerId);
  if (!customer) return undefined;
  return { kind: 'account', customerId: customer.id, username: customer.username, name: customer.fullName, voucher: voucherCodeOf(db, customer.id) !== undefined, matched: 'username' };
}

/** The subject for a payment attempt (an attempt with no account yet), or its account's. */
export function attemptSubject(db: Db, attemptId: number): WhySubject | undefined {
  const a = findAttempt(db, attemptId);
  if (!a) return undefined;
  if (a.customerId !== null) return accountSubject(db, a.customerId);
  return { kind: 'attempt', attemptId: a.id, provider: a.provider, amountMinor: a.amountMinor, currency: a.currency, matched: 'receipt' };
}

/** A typed MAC as a device subject, or undefined when it is no MAC. */
export function macSubject(text: string): WhySubject | undefined {
  const mac = normaliseMac(text);
  return mac ? { kind: 'mac', mac, matched: 'mac' } : undefined;
}

/** Where a session stands, by how long the router has said nothing about it. */
export function sessionState(session: Pick<SessionView, 'stoppedAt' | 'updatedAt'>, now: number, interimSeconds: number, graceSeconds: number): SessionState {
  if (session.stoppedAt !== null) return 'ended';
  const quiet = now - session.updatedAt;
  // The same limit the login policy and housekeeping use (3 interim updates and the grace).
  if (quiet > (3 * interimSeconds + graceSeconds) * 1000) return 'stale';
  // One interim update missed and the grace gone: the router has most likely lost it.
  if (quiet > (interimSeconds + graceSeconds) * 1000) return 'silent';
  return 'live';
}

/** A flagged attempt staff may credit: approveFlagged's own conditions, with an account to credit. */
function canApplyAttempt(a: Attempt): boolean {
  return a.reviewReason !== null && a.reviewedAt === null && (a.status === 'succeeded' || a.receipt !== null) && a.customerId !== null;
}

const canQueryAttempt = (a: Attempt) => OPEN_ATTEMPT_STATUSES.includes(a.status) && a.nextQueryAt !== null;

/** The interim interval a customer's sessions report at: their plan's, else the daemon's. */
function interimOf(db: Db, customerId: number | null, fallback: number): number {
  if (customerId === null) return fallback;
  const sub = subscriptionOf(db, customerId);
  const plan = sub ? findPlanById(db, sub.planId) : undefined;
  return plan?.interimIntervalSeconds ?? fallback;
}

/**
 * One subject's story, newest first. Each source is read newest first up to `limit` rows
 * through its own domain's read function (attempts, credited payments, decisions, sessions,
 * the CoA/Disconnect of those sessions, SMS), and the plan's period adds its start and end.
 */
export function explain(db: Db, subject: WhySubject, options: ExplainOptions): Explanation {
  const limit = Math.max(1, Math.min(options.limit ?? 20, 200));
  const { now } = options;
  const entries: WhyEntry[] = [];
  const attemptEntry = (a: Attempt): WhyEntry => ({ source: 'attempt', at: a.createdAt, attempt: a, canQueryNow: canQueryAttempt(a), canApply: canApplyAttempt(a) });
  const interims = new Map<number | null, number>();
  const sessionEntries = (rows: SessionView[]) => {
    for (const s of rows) {
      if (!interims.has(s.customerId)) interims.set(s.customerId, interimOf(db, s.customerId, options.interimSeconds));
      const state = sessionState(s, now, interims.get(s.customerId)!, options.graceSeconds);
      entries.push({
        source: 'session',
        at: s.stoppedAt ?? s.updatedAt,
        session: s,
        state,
        silentSeconds: s.stoppedAt === null ? Math.max(0, Math.floor((now - s.updatedAt) / 1000)) : 0,
        canClose: state === 'silent' || state === 'stale',
      });
    }
    for (const action of actionsOfSessions(db, rows.map((s) => s.id), limit)) entries.push({ source: 'action', at: action.finishedAt ?? action.createdAt, action });
  };

  let account: AccountFacts | undefined;
  if (subject.kind === 'account') {
    const customer = findCustomerById(db, subject.customerId);
    if (customer) {
      const sub = subscriptionOf(db, customer.id);
      const plan = sub ? findPlanById(db, sub.planId) : undefined;
      for (const a of listAttempts(db, { customerId: customer.id }, limit)) entries.push(attemptEntry(a));
      for (const p of listPaymentPage(db, { customerId: customer.id }, { limit, offset: 0 })) entries.push({ source: 'payment', at: p.receivedAt, payment: p });
      if (sub?.periodStart != null) entries.push({ source: 'plan', at: sub.periodStart, event: 'activated', plan: customer.plan });
      if (sub?.periodEnd != null && customer.expiresAt !== null) entries.push({ source: 'plan', at: sub.periodEnd, event: sub.periodEnd > now ? 'ends' : 'ended', plan: customer.plan });
      for (const d of recentDecisions(db, { customerId: customer.id }, { limit })) entries.push({ source: 'decision', at: d.at, decision: d });
      const sessions = sessionsOfCustomer(db, customer.id, limit);
      sessionEntries(sessions);
      for (const m of listMessages(db, { customerId: customer.id, limit })) entries.push({ source: 'message', at: m.createdAt, message: sentMessage(m) });
      const interim = interimOf(db, customer.id, options.interimSeconds);
      // Open sessions are few (partial index); the timeline's page of sessions may not hold them all.
      const open = sessionsOfCustomer(db, customer.id, 100, { open: true });
      account = {
        customerId: customer.id,
        username: customer.username,
        name: customer.fullName,
        voucher: voucherCodeOf(db, customer.id) ?? null,
        phone: customer.phone,
        status: customer.status,
        plan: customer.plan,
        activatedAt: customer.activatedAt,
        expiresAt: customer.expiresAt,
        devicesOnline: open.filter((s) => sessionState(s, now, interim, options.graceSeconds) !== 'stale').length,
        deviceLimit: plan?.sharedUsers ?? 1,
      };
    }
  } else if (subject.kind === 'mac') {
    for (const d of recentDecisions(db, { mac: subject.mac }, { limit })) entries.push({ source: 'decision', at: d.at, decision: d });
    sessionEntries(listSessions(db, { mac: subject.mac, limit }));
  } else {
    const a = findAttempt(db, subject.attemptId);
    if (a) entries.push(attemptEntry(a));
  }

  // Newest first; at the same moment a decision before the session it let in, and so on by source.
  const rank: Record<WhyEntry['source'], number> = { action: 0, session: 1, decision: 2, message: 3, payment: 4, attempt: 5, plan: 6 };
  entries.sort((a, b) => b.at - a.at || rank[a.source] - rank[b.source]);
  return { subject, account, entries };
}

function sentMessage(m: Message): SentMessage {
  return { id: m.id, channel: m.channel, template: m.template, status: m.status, createdAt: m.createdAt, sentAt: m.sentAt };
}

/** A decision as staff read it: let in, refused or not answered, and why in the trace's own words. */
export function decisionText(row: DecisionRow, language: Language, zone: string): string {
  return `${t(`trace.result.${row.result}`, {}, language)}: ${describeDecision(row, language, zone)}`;
}

/** A subject as a heading: "Customer alice (Alice W.)", "Voucher K7PQ2M", "Device AA:BB:…". */
export function subjectTitle(subject: WhySubject, language: Language): string {
  const say = (key: string, values: Record<string, unknown>) => t(`staff.why.subjects.${key}` as MessageKey, values, language);
  if (subject.kind === 'account') {
    if (subject.voucher) return say('voucher', { code: subject.username });
    return subject.name ? say('customerNamed', { username: subject.username, name: subject.name }) : say('customer', { username: subject.username });
  }
  if (subject.kind === 'mac') return say('mac', { mac: subject.mac });
  return say('attempt', { id: subject.attemptId, amount: formatMoney(subject.amountMinor, subject.currency, numberLocale(language)), provider: paymentMethodName(subject.provider, language) });
}

/** A timeline entry in words: what happened, and the details beside it (each already plain text). */
export interface EntryWords {
  entry: WhyEntry;
  what: string;
  detail: string[];
}

const numberLocale = (language: Language) => (language === 'ar' ? 'ar-u-nu-latn' : 'en');

/**
 * The timeline in the reader's language and the operator's zone, the same words on the page
 * and in `lango why`. Phones are masked: the page is read by roles that do not see payments.
 */
export function describeEntries(db: Db, story: Explanation, language: Language, zone: string): EntryWords[] {
  const l = language;
  const say = (key: string, values: Record<string, unknown> = {}) => t(`staff.why.${key}` as MessageKey, values, l);
  const time = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
  const money = (minor: number, currency: Attempt['currency']) => formatMoney(minor, currency, numberLocale(l));
  const routers = new Map(listNas(db).map((n) => [n.id, n.name]));
  const parts = (items: Array<string | false | null | undefined>) => items.filter((p): p is string => typeof p === 'string' && p !== '');
  return story.entries.map((entry): EntryWords => {
    switch (entry.source) {
      case 'attempt': {
        const a = entry.attempt;
        const reason = a.reviewReason === null ? undefined : reviewReasonWords(a.reviewReason, l);
        return {
          entry,
          what: say('attempt.title', { provider: paymentMethodName(a.provider, l), amount: money(a.amountMinor, a.currency), status: say(`attempt.statuses.${a.status}`) }),
          detail: parts([
            `#${a.id}`,
            a.purpose === 'hotspot' && say('attempt.hotspot'),
            a.receipt && say('attempt.receipt', { receipt: a.receipt }),
            a.phone && say('attempt.from', { phone: maskPhone(a.phone) }),
            a.accountReference && say('attempt.account', { account: a.accountReference }),
            a.resultDesc && say('attempt.why', { text: a.resultDesc }),
            a.finishedAt !== null && say('attempt.finished', { time: time(a.finishedAt) }),
            a.nextQueryAt !== null && a.finishedAt === null && say('attempt.nextQuery', { time: time(a.nextQueryAt) }),
            reason !== undefined && a.reviewedAt === null && say('attempt.flagged', { reason }),
            a.reviewedBy && say('attempt.reviewed', { actor: a.reviewedBy }),
          ]),
        };
      }
      case 'payment': {
        const p = entry.payment;
        return { entry, what: say('payment.title', { amount: money(p.amountMinor, p.currency), method: paymentMethodName(p.method, l) }), detail: [say('payment.detail', { receipt: p.receiptNumber, reference: p.reference })] };
      }
      case 'plan':
        return { entry, what: say(`plan.${entry.event}`, { plan: entry.plan ?? say('facts.noPlan') }), detail: [] };
      case 'decision': {
        const d = entry.decision;
        const router = d.nasId !== null ? (routers.get(d.nasId) ?? d.nasIp) : say('decision.unknownRouter', { ip: d.nasIp });
        return { entry, what: decisionText(d, l, zone), detail: parts([say('decision.detail', { username: d.username, router }), d.mac && say('decision.device', { mac: d.mac }), d.reply && say('decision.reply', { reply: d.reply })]) };
      }
      case 'session': {
        const s = entry.session;
        const state = say(`session.states.${entry.state}`, { minutes: Math.floor(entry.silentSeconds / 60) });
        return {
          entry,
          what: say('session.title', { router: s.nas, state }),
          detail: parts([
            `#${s.id} ${s.acctSessionId}`,
            say('session.detail', { started: time(s.startedAt), heard: time(s.updatedAt) }),
            s.framedIp && say('session.ip', { ip: s.framedIp }),
            s.callingStationId && say('session.device', { mac: s.callingStationId }),
            say('session.user', { username: s.username }),
            s.stoppedAt !== null && s.terminateCause && say('session.cause', { cause: s.terminateCause }),
          ]),
        };
      }
      case 'action': {
        const a = entry.action;
        const what = a.kind === 'coa' ? say('action.coa', { rate: a.rateLimit ?? '' }) : say('action.disconnect');
        return { entry, what: `${what}: ${say(`action.statuses.${a.status}`)}`, detail: parts([say('action.session', { id: a.sessionId }), say('action.reason', { reason: a.reason }), a.errorCause && say('action.cause', { cause: a.errorCause })]) };
      }
      case 'message': {
        const m = entry.message;
        const kind = m.template === null ? say('message.typed') : isTemplateKey(m.template) ? t(`staff.messages.templates.names.${m.template}`, {}, l) : m.template;
        return { entry, what: say(m.channel === 'email' ? 'message.email' : 'message.sms', { kind }), detail: parts([t(`staff.messages.statuses.${m.status}`, {}, l), m.sentAt !== null && say('message.sent', { time: time(m.sentAt) })]) };
      }
    }
  });
}

// One-step fixes. Each changes one thing, only while it still applies, and records who did it
// in the same transaction.

export type CloseOutcome = { kind: 'closed'; session: SessionView } | { kind: 'not-silent' };

/**
 * Closes an open session the router has gone silent on (see sessionState), so it stops holding
 * a simultaneous-use place now rather than when housekeeping finds it stale.
 */
export function closeSilent(db: Db, input: { sessionId: number; actor: string; now: number; interimSeconds: number; graceSeconds: number }): CloseOutcome {
  return db.transaction((tx) => {
    const d = tx as Db;
    const session = findOpenSession(d, input.sessionId);
    if (!session) return { kind: 'not-silent' as const };
    const interim = interimOf(d, session.customerId, input.interimSeconds);
    const silentSince = input.now - (interim + input.graceSeconds) * 1000;
    if (!closeSilentSession(d, session.id, silentSince, input.now)) return { kind: 'not-silent' as const };
    recordAudit(d, input.actor, 'session.close-stale', session.customerId !== null ? `customer:${session.customerId}` : `session:${session.id}`, { username: session.username, session: session.id, nas: session.nas, lastHeard: session.updatedAt }, input.now);
    return { kind: 'closed' as const, session };
  }, { behavior: 'immediate' });
}

/** At most one re-send of login details per account in this long: a second click is a duplicate, not a second need. */
export const RESEND_GAP_MS = 60_000;

export type ResendOutcome = { kind: 'queued'; phone: string } | { kind: 'no-phone' } | { kind: 'too-soon'; seconds: number } | { kind: 'unknown' };

/**
 * Sends an account's login details again to the phone on it. A voucher whose password is its
 * code (or blank) goes the way the sale's SMS went (a 'credentials' notification, turned into
 * the operator's template by the dispatcher); a customer, or a voucher with a separate PIN,
 * gets the password opened with the key file. A duplicate beats a lost password, but not
 * every click: once a minute per account.
 */
export function resendLogin(db: Db, box: SecretBox, input: { customerId: number; actor: string; now: number }): ResendOutcome {
  const customer = findCustomerById(db, input.customerId);
  if (!customer) return { kind: 'unknown' };
  if (!customer.phone) return { kind: 'no-phone' };
  const phone = customer.phone;
  const subscriber = createSubscriberLookup(db).byUsername(customer.username);
  if (!subscriber) return { kind: 'unknown' };
  const password = box.open(subscriber.passwordSealed);
  return db.transaction((tx) => {
    const d = tx as Db;
    const subject = `customer:${customer.id}`;
    const last = searchAudit(d, { action: 'customer.resend-login', subjects: [subject], from: input.now - RESEND_GAP_MS, limit: 1 })[0];
    if (last) return { kind: 'too-soon' as const, seconds: Math.max(1, Math.ceil((last.at + RESEND_GAP_MS - input.now) / 1000)) };
    const code = voucherCodeOf(d, customer.id);
    const mode = code === undefined ? undefined : password === code ? 'code' : password === '' ? 'blank' : undefined;
    if (code !== undefined && mode !== undefined) {
      notify(d, customer.id, 'credentials', input.now, `voucher:${code}:${mode}`);
    } else {
      const body = t('staff.why.sms.login', { operator: getSetting(d, 'operator.name'), username: customer.username, password }, customer.language);
      // A secret key: the outbox screens and commands never show a text that carries a password.
      queueMessage(d, { key: `${SECRET_KEY_PREFIX}login:${customer.id}:${input.now}`, customerId: customer.id, to: phone, language: customer.language, template: 'credentials', body, critical: true, now: input.now });
    }
    // Never the password nor the phone: the audit log is read by staff who may see neither.
    recordAudit(d, input.actor, 'customer.resend-login', subject, { username: customer.username, voucher: code !== undefined }, input.now);
    return { kind: 'queued' as const, phone };
  }, { behavior: 'immediate' });
}

export type QueryNowOutcome = { kind: 'scheduled'; attempt: Attempt } | { kind: 'not-pending' };

/** Moves a pending attempt's provider query to now; the reconcile worker asks on its next pass (the caller kicks it). */
export function queryPaymentNow(db: Db, input: { attemptId: number; actor: string; now: number }): QueryNowOutcome {
  return db.transaction((tx) => {
    const d = tx as Db;
    const attempt = findAttempt(d, input.attemptId);
    if (!attempt || !queryAttemptNow(d, attempt.id, input.now)) return { kind: 'not-pending' as const };
    recordAudit(d, input.actor, 'payment.query-now', `attempt:${attempt.id}`, { provider: attempt.provider, customerId: attempt.customerId }, input.now);
    return { kind: 'scheduled' as const, attempt };
  }, { behavior: 'immediate' });
}
