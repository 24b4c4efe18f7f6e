import type { Logger } from 'pino';
import { normaliseMac, periodEnd, usagePeriodStart, type Subscriber, type SubscriberLookup } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { GroupCommit } from '../db/group-commit.js';
import { errorMessage, type ErrorCode } from '../errors.js';
import { Code } from '../radius/packet.js';
import type { Handler, HandlerResult } from '../radius/server.js';
import { attribute, readText, type AaaAttributes } from './attributes.js';
import { authenticate, detectMethod, failure, type AuthOutcome } from './authenticate.js';
import type { DecisionSink, PendingDecision } from './decision-recorder.js';
import type { DecisionDetail, DecisionReason } from './decisions.js';
import type { PolicyContext } from './policy/context.js';
import { policies, simultaneousLimit } from './policy/rules.js';
import { buildAcceptAttributes } from './reply.js';
import { GuessLimiter } from './guess-limiter.js';
import type { OpenSessionRef, UsageNow } from './usage.js';

export interface AccessDependencies {
  subscribers: SubscriberLookup;
  /**
   * The customer's period usage and open sessions. `openLimit` is their simultaneous-use limit,
   * so a reader that caches may check the disk only when its count would refuse them.
   */
  usage: (customerId: number, periodStart: number, staleBefore: number, openLimit: number) => UsageNow;
  /** One open session holding a simultaneous-use place (read only for a refusal, to name it in the trace). */
  openSession?: (customerId: number, staleBefore: number) => OpenSessionRef | undefined;
  /**
   * Starts a first-login plan's period (and locks a voucher to `lockMac`); runs inside the group
   * commit. False: another device got the voucher's lock first (billing's activateCustomer).
   */
  activate: (customerId: number, activatedAt: number, expiresAt: number | null, lockMac?: string) => boolean | void;
  commit: GroupCommit;
  box: SecretBox;
  attributes: AaaAttributes;
  interimSeconds: number;
  staleGraceSeconds: number;
  zone: string;
  logger: Logger;
  /** The router address list overdue customers are let in on, or null to refuse them (billing.overdueAction). */
  overdueAddressList?: () => string | null;
  guessLimiter?: GuessLimiter;
  /** The decision trace (decision-recorder.ts): every answer, written later in the group commit. */
  decisions?: DecisionSink;
}

/**
 * The Access-Request path after the protocol checks: authorize (find the subject by username,
 * or by device MAC for MAC authentication), authenticate (prove the password), policy (may
 * they connect now), reply (what the router enforces). Synchronous and free of network calls;
 * only a first login of a first-login plan waits for a group commit, so the period it starts
 * is on disk before the customer is let in.
 */
export function createAccessHandler(deps: AccessDependencies): Handler {
  const a = deps.attributes;
  const guesses = deps.guessLimiter ?? new GuessLimiter();
  /**
   * An overdue customer let in only to pay: on the operator's address list (which the router
   * firewalls to the payment page), told why, and sent to log in again within five minutes so
   * the full plan applies soon after the payment clears.
   */
  const overdueAccept = (addressList: string, auth: AuthOutcome): HandlerResult => ({
    kind: 'reply',
    code: Code.AccessAccept,
    attributes: Buffer.concat([
      attribute(a.replyMessage, errorMessage('AAA_OVERDUE', 'en')),
      attribute(a.mikrotikAddressList, addressList),
      attribute(a.sessionTimeout, 300),
      ...auth.attributes,
    ]),
    result: 'accept',
  });
  const debug = () => deps.logger.isLevelEnabled('debug');

  return (request, respond) => {
    const { packet, client } = request;
    const now = Date.now();
    const method = detectMethod(packet, a);

    /**
     * Answers first, then hands the decision to the trace (decision-recorder.ts: a repeat is
     * counted, a new row is written later in the group commit) and, at debug level, to the log.
     */
    const finish = (result: HandlerResult, userName: string, customerId: number | null, reason: DecisionReason, detail?: DecisionDetail) => {
      respond(result);
      const reply = result.kind === 'reply' ? result : undefined;
      const outcome = reply?.code === Code.AccessAccept ? 'accept' : 'reject';
      const trace = deps.decisions;
      // The same decision as a moment ago (a retrying phone, a load test) is only counted.
      if (trace && !trace.repeat(now, client.id, client.ip, userName, outcome, reason, detail, packet)) {
        const decision: PendingDecision = { at: now, nasId: client.id, nasIp: client.ip, username: userName, customerId, result: outcome, reason, detail, request: packet, reply: reply?.attributes };
        trace.record(decision);
      }
      if (debug()) deps.logger.debug({ nas: client.name, user: userName, method, result: outcome, reason, detail }, outcome === 'accept' ? 'Access-Accept' : 'Access-Reject');
    };
    const refuse = (
      reason: ErrorCode,
      auth: AuthOutcome | undefined,
      userName: string,
      why: { customerId: number | null; decision: DecisionReason; detail?: DecisionDetail },
      values?: Record<string, string | number>,
    ) =>
      finish(
        {
          kind: 'reply',
          code: Code.AccessReject,
          attributes: Buffer.concat([attribute(a.replyMessage, errorMessage(reason, 'en', values)), ...(auth?.attributes ?? [])]),
          result: 'reject',
        },
        userName,
        why.customerId,
        why.decision,
        why.detail,
      );

    // Stage 4, authorize. FreeRADIUS's filter_username habit: clean the name before any lookup.
    const userName = (readText(packet, a.userName) ?? '').trim();
    // A device that keeps guessing codes is refused before any lookup (only read while some device has failed).
    const caller = guesses.watching(now) ? (readText(packet, a.callingStationId) ?? '') : '';
    if (caller && guesses.blocked(caller, now)) return refuse('AAA_TOO_MANY_ATTEMPTS', undefined, userName, { customerId: null, decision: 'too_many_attempts' });
    const wrong = () => guesses.failed(readText(packet, a.callingStationId) ?? '', now);
    // Only MAC login and MAC binding look at the device, so most requests skip the parsing.
    let deviceMac: string | undefined;
    const device = () => (deviceMac ??= normaliseMac(readText(packet, a.callingStationId) ?? ''));
    let subscriber = userName ? deps.subscribers.byUsername(userName) : undefined;
    // MAC authentication: MikroTik's login-by=mac sends the MAC as User-Name. It counts only
    // when the MAC in User-Name is the device actually calling.
    const nameAsMac = subscriber ? undefined : normaliseMac(userName);
    const macLogin = nameAsMac !== undefined && nameAsMac === device();
    if (macLogin) subscriber = deps.subscribers.byMac(nameAsMac);
    if (method === 'none' && !macLogin) return refuse('AAA_NO_CREDENTIALS', undefined, userName, { customerId: subscriber?.id ?? null, decision: 'no_credentials' });
    // An unknown user is refused exactly like a wrong password, so usernames cannot be probed
    // (only the trace, for staff, tells the two apart).
    if (!subscriber) {
      wrong();
      return refuse('AAA_BAD_CREDENTIALS', failure(method, packet, a), userName, { customerId: null, decision: 'unknown_user', detail: { method } });
    }

    // Stage 5, authenticate. A MAC login carries the router's mac-auth password, not the
    // customer's; the registered device is the credential. Passwords are checked before any
    // account state is revealed.
    const auth: AuthOutcome = macLogin
      ? { ok: true, method, attributes: [] }
      : authenticate(method, packet, a, { userName, password: deps.box.open(subscriber.passwordSealed), secret: client.secret });
    if (!auth.ok) {
      wrong();
      return refuse('AAA_BAD_CREDENTIALS', auth, userName, { customerId: subscriber.id, decision: 'wrong_password', detail: { method } });
    }

    // Stage 6, policy, on the period as it is or as this login would start it.
    const activation = firstLoginActivation(subscriber, now, deps.zone);
    const activatedAt = activation?.activatedAt ?? subscriber.activatedAt;
    const expiresAt = activation ? activation.expiresAt : subscriber.expiresAt;
    const interim = subscriber.interimIntervalSeconds ?? deps.interimSeconds;
    const staleBefore = now - (3 * interim + deps.staleGraceSeconds) * 1000;
    const customerId = subscriber.id;
    const context: PolicyContext = {
      subscriber,
      now,
      zone: deps.zone,
      expiresAt,
      deviceMac: subscriber.macBinding || subscriber.macLock ? device() : undefined,
      nasId: client.id,
      usage: deps.usage(customerId, usagePeriodStart(activatedAt, subscriber, now, deps.zone), staleBefore, simultaneousLimit(subscriber)),
      openSession: deps.openSession && (() => deps.openSession!(customerId, staleBefore)),
    };
    for (const [, check] of policies) {
      const verdict = check(context);
      if (verdict.kind !== 'reject') continue;
      const walledGarden = verdict.reason === 'AAA_OVERDUE' ? (deps.overdueAddressList?.() ?? null) : null;
      if (walledGarden) return finish(overdueAccept(walledGarden, auth), userName, customerId, 'accepted_overdue', { addressList: walledGarden });
      return refuse(verdict.reason, failure(method, packet, a), userName, { customerId, decision: verdict.decision, detail: verdict.detail }, verdict.values);
    }

    // Stage 7, reply.
    const attributes = Buffer.concat([...buildAcceptAttributes(context, a, deps.interimSeconds), ...auth.attributes]);
    const accept: HandlerResult = { kind: 'reply', code: Code.AccessAccept, attributes, result: 'accept' };
    if (!activation) return finish(accept, userName, customerId, 'accepted');
    const lockMac = subscriber.macLock && subscriber.lockedMac === null ? context.deviceMac : undefined;
    let locked: boolean | void = true;
    deps.commit.submit(
      () => {
        locked = deps.activate(customerId, activation.activatedAt, activation.expiresAt, lockMac);
      },
      // Another device took the voucher between this one's check and its lock: refused as a wrong device.
      (err) =>
        err
          ? respond(err)
          : locked === false
            ? refuse('AAA_WRONG_DEVICE', failure(method, packet, a), userName, { customerId, decision: 'voucher_lock_race' })
            : finish(accept, userName, customerId, 'accepted'),
    );
  };
}

/** A first-login plan that has not started yet starts now; a voucher always starts at its first login. */
function firstLoginActivation(s: Subscriber, now: number, zone: string): { activatedAt: number; expiresAt: number | null } | null {
  if (s.planId === null || (s.validityStarts !== 'first_login' && s.kind !== 'voucher') || s.activatedAt !== null) return null;
  return { activatedAt: now, expiresAt: periodEnd(now, s, zone) };
}
