import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { currentRateLimit, type Subscriber } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { enforcementActions, notificationEvents, sessions, type EnforcementKind, type EnforcementStatus, type NotificationKind } from '../db/schema/aaa.js';
import { customers, subscriptions } from '../db/schema/billing.js';
import type { CoaClient, DynamicAuthResult } from '../radius/coa-client.js';
import type { RadiusClient } from '../radius/server.js';
import { attribute, type AaaAttributes } from './attributes.js';
import type { UsageChange } from './sessions.js';
import { countedBytes } from './usage.js';

// Live enforcement: what a session's new usage calls for (a slower FUP speed, a disconnect,
// a notification), queued in the same transaction as the accounting write that caused it,
// then sent to the router as CoA or Disconnect-Request (RFC 5176) with the answer recorded.

export interface Consequences {
  /** New speed for every open session of the customer (an FUP tier was crossed). */
  coaRate: string | null;
  /** Why every open session must end (an allowance ran out). */
  disconnect: string | null;
  notifications: NotificationKind[];
}

/** Pure: what crossing from the totals before this packet to the totals after it calls for. */
export function consequencesOf(change: UsageChange, s: Subscriber): Consequences {
  const after = { input: change.totals.input, output: change.totals.output };
  const before = { input: after.input - change.added.input, output: after.output - change.added.output };
  const usedBefore = countedBytes(before, s.dataCounts);
  const usedAfter = countedBytes(after, s.dataCounts);
  const secondsAfter = change.totals.seconds;
  const secondsBefore = secondsAfter - change.added.seconds;
  const crossed = (limit: number | null, from: number, to: number) => limit !== null && from < limit && to >= limit;

  const notifications: NotificationKind[] = [];
  if (s.dataBytes !== null && crossed(Math.ceil(s.dataBytes * 0.8), usedBefore, usedAfter)) notifications.push('data_80');
  if (crossed(s.dataBytes, usedBefore, usedAfter)) notifications.push('data_100');
  if (crossed(s.timeAllowanceSeconds, secondsBefore, secondsAfter)) notifications.push('time_100');

  let disconnect: string | null = null;
  if (crossed(s.dataBytes, usedBefore, usedAfter)) disconnect = 'data allowance used up';
  else if (crossed(s.timeAllowanceSeconds, secondsBefore, secondsAfter)) disconnect = 'time allowance used up';

  const tiers = { rateLimit: s.rateLimit, fupTiers: s.fupTiers ?? [] };
  const rateBefore = currentRateLimit(tiers, usedBefore);
  const rateAfter = currentRateLimit(tiers, usedAfter);
  const coaRate = !disconnect && rateAfter !== null && rateAfter !== rateBefore ? rateAfter : null;
  return { coaRate, disconnect, notifications };
}

export interface PendingAction {
  id: number;
  kind: EnforcementKind;
  reason: string;
  rateLimit: string | null;
  nasId: number;
  username: string;
  acctSessionId: string;
  framedIp: string | null;
}

export interface ActionView {
  id: number;
  sessionId: number;
  kind: EnforcementKind;
  reason: string;
  rateLimit: string | null;
  status: EnforcementStatus;
  attempts: number;
  errorCause: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** The data functions of the enforcement queue; `db` may be a transaction. */
export function enqueueForSession(db: Db, sessionId: number, kind: EnforcementKind, reason: string, rateLimit: string | null = null, now = Date.now()): void {
  db.insert(enforcementActions).values({ sessionId, kind, reason, rateLimit, createdAt: now }).run();
}

/** One action per open session of the customer; returns how many were queued. */
export function enqueueForCustomer(db: Db, customerId: number, kind: EnforcementKind, reason: string, rateLimit: string | null = null, now = Date.now()): number {
  const open = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.customerId, customerId), isNull(sessions.stoppedAt)))
    .all();
  for (const session of open) enqueueForSession(db, session.id, kind, reason, rateLimit, now);
  return open.length;
}

export function recordNotifications(db: Db, customerId: number, periodStart: number, kinds: NotificationKind[], now = Date.now()): void {
  for (const kind of kinds) {
    db.insert(notificationEvents).values({ customerId, kind, periodStart, createdAt: now }).onConflictDoNothing().run();
  }
}

export function listNotifications(db: Db, customerId: number) {
  return db.select().from(notificationEvents).where(eq(notificationEvents.customerId, customerId)).orderBy(asc(notificationEvents.id)).all();
}

/**
 * How long one node's claim on an action holds: longer than a CoA client gives up (30 s) plus a
 * RouterOS API fallback. A node that dies mid-send leaves the action to another after this.
 */
export const ACTION_CLAIM_MS = 180_000;

/**
 * An action is sent by whichever node claims it, once: 'pending' with no claim, or with a
 * claim that ran out. While claimed, finished_at holds when the claim runs out (a pending
 * action has no finish time of its own), so the schema needs no column for it.
 */
const unclaimed = (now: number) => sql`(${enforcementActions.finishedAt} IS NULL OR ${enforcementActions.finishedAt} <= ${now})`;

/**
 * Takes the pending actions no node has claimed for this node, in one immediate transaction (one
 * write for the lot, and two nodes never take the same one).
 */
export function claimPendingActions(db: Db, limit = 100, now = Date.now()): PendingAction[] {
  return db.transaction((tx) => {
    const d = tx as Db;
    const due = pendingActions(d, limit, now);
    if (due.length > 0) {
      d.update(enforcementActions)
        .set({ finishedAt: now + ACTION_CLAIM_MS })
        .where(inArray(enforcementActions.id, due.map((a) => a.id)))
        .run();
    }
    return due;
  }, { behavior: 'immediate' });
}

export function pendingActions(db: Db, limit = 100, now = Date.now()): PendingAction[] {
  return db
    .select({
      id: enforcementActions.id,
      kind: enforcementActions.kind,
      reason: enforcementActions.reason,
      rateLimit: enforcementActions.rateLimit,
      nasId: sessions.nasId,
      username: sessions.username,
      acctSessionId: sessions.acctSessionId,
      framedIp: sessions.framedIp,
    })
    .from(enforcementActions)
    .innerJoin(sessions, eq(enforcementActions.sessionId, sessions.id))
    .where(and(eq(enforcementActions.status, 'pending'), unclaimed(now)))
    .orderBy(asc(enforcementActions.id))
    .limit(limit)
    .all();
}

export function finishAction(db: Db, id: number, result: DynamicAuthResult | { outcome: 'failed'; attempts: number; errorCauseName?: string }, now = Date.now()): void {
  db.update(enforcementActions)
    .set({
      status: result.outcome as EnforcementStatus,
      attempts: result.attempts,
      errorCause: 'errorCauseName' in result ? (result.errorCauseName ?? null) : null,
      finishedAt: now,
    })
    .where(eq(enforcementActions.id, id))
    .run();
}

export function listActions(db: Db, sessionId?: number): ActionView[] {
  return db
    .select()
    .from(enforcementActions)
    .where(sessionId === undefined ? undefined : eq(enforcementActions.sessionId, sessionId))
    .orderBy(desc(enforcementActions.id))
    .limit(200)
    .all()
    // A pending action's finished_at is a node's claim, not a finish time.
    .map((row) => (row.status === 'pending' ? { ...row, finishedAt: null } : row));
}

/** CoA and Disconnect requests for these sessions, newest first, at most `limit` (the "Why?" timeline). */
export function actionsOfSessions(db: Db, sessionIds: readonly number[], limit: number): ActionView[] {
  if (sessionIds.length === 0) return [];
  return db
    .select()
    .from(enforcementActions)
    .where(inArray(enforcementActions.sessionId, [...sessionIds]))
    .orderBy(desc(enforcementActions.id))
    .limit(limit)
    .all()
    .map((row) => (row.status === 'pending' ? { ...row, finishedAt: null } : row));
}

/**
 * Customers whose access ended while sessions are still open: a prepaid period ran out, the
 * subscription stopped (expired, paused, cancelled) or the account was suspended, by staff or
 * by the billing run. Their sessions must end; the next login gets the reason as Reply-Message.
 */
export function enqueueExpired(db: Db, now = Date.now()): number {
  const barred = db
    .selectDistinct({ customerId: sessions.customerId, status: customers.status, periodEnd: subscriptions.periodEnd, subscriptionStatus: subscriptions.status })
    .from(sessions)
    .innerJoin(customers, eq(sessions.customerId, customers.id))
    .leftJoin(subscriptions, eq(subscriptions.customerId, customers.id))
    .where(
      and(
        isNull(sessions.stoppedAt),
        sql`(${customers.status} <> 'active' OR ${subscriptions.status} <> 'active'
            OR (${subscriptions.billingKind} = 'prepaid' AND ${subscriptions.periodEnd} < ${now}))`,
      ),
    )
    .all();
  let queued = 0;
  for (const { customerId, status, subscriptionStatus } of barred) {
    // One Disconnect per session is enough: skip sessions that already have one waiting or sent.
    const waiting = db
      .select({ n: sql<number>`count(*)` })
      .from(enforcementActions)
      .innerJoin(sessions, eq(enforcementActions.sessionId, sessions.id))
      .where(and(eq(sessions.customerId, customerId!), isNull(sessions.stoppedAt), eq(enforcementActions.kind, 'disconnect')))
      .get();
    const reason = status !== 'active' ? `account ${status}` : subscriptionStatus !== 'active' ? `subscription ${subscriptionStatus}` : 'plan expired';
    if ((waiting?.n ?? 0) === 0) queued += enqueueForCustomer(db, customerId!, 'disconnect', reason, null, now);
  }
  return queued;
}

/** Prepaid periods ending within a day get one 'expiry_24h' event each. */
export function recordExpiryWarnings(db: Db, now = Date.now()): number {
  // One statement for every customer due, not one per customer: on PostgreSQL each statement
  // is a round trip, and a pass over 10,000 prepaid customers ending together held the event
  // loop for seconds. The WHERE clause also keeps SQLite's parser from reading ON CONFLICT as
  // part of the SELECT.
  return db.run(sql`
    INSERT INTO notification_events (customer_id, kind, period_start, created_at)
    SELECT s.customer_id, 'expiry_24h', s.period_start, CAST(${now} AS INTEGER)
    FROM subscriptions s
    WHERE s.billing_kind = 'prepaid' AND s.status = 'active' AND s.period_end > ${now} AND s.period_end <= ${now + 86_400_000} AND s.period_start IS NOT NULL
    ON CONFLICT DO NOTHING`).changes;
}

/** Error-Cause (RFC 5176) Session-Context-Not-Found: the router has no such session. */
const SESSION_CONTEXT_NOT_FOUND = 503;

/** What an enforcement action shows as its Error-Cause when the RouterOS API did the Disconnect. */
export const API_FALLBACK_CAUSE = 'by RouterOS API';

/**
 * Drains the queue through the CoA client. Rows come from the accounting path (kicked right
 * after its commit) and from other processes such as the CLI (picked up by the poll). A CoA
 * the router refuses or never answers falls back to Disconnect: the router re-authenticates
 * and gets the new limits in the Access-Accept.
 */
export class EnforcementWorker {
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private draining = false;
  /** Set by stop(): Disconnects the closing CoA client resolves as timeouts are not retried another way. */
  private stopped = false;

  constructor(
    private readonly deps: {
      db: Db;
      coa: CoaClient;
      routerById: (id: number) => RadiusClient | undefined;
      coaPort: number;
      attributes: AaaAttributes;
      logger: Logger;
      /**
       * Logs the user off another way (main.ts: the RouterOS API, createApiKicker) when a
       * Disconnect was sent but not acknowledged: resolves true when it did. Absent, an
       * unanswered Disconnect stays recorded as such.
       */
      apiFallback?: (action: { nasId: number; username: string; framedIp: string | null; acctSessionId: string }) => Promise<boolean>;
    },
  ) {}

  start(pollMs = 1000): void {
    this.timer = setInterval(() => this.kick(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /**
   * Whether to try the API after this Disconnect result: not on an ACK, not when it was never
   * sent (attempts 0: closed while queued, or shutting down), and not on a NAK saying the router
   * has no such session (Error-Cause 503): it is already gone.
   */
  private wantsFallback(kind: EnforcementKind, result: DynamicAuthResult): boolean {
    return (
      kind === 'disconnect' &&
      this.deps.apiFallback !== undefined &&
      !this.stopped &&
      result.outcome !== 'ack' &&
      result.attempts > 0 &&
      result.errorCause !== SESSION_CONTEXT_NOT_FOUND
    );
  }

  kick(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      // Claimed first: another node sharing the database never sends the same action.
      for (const action of claimPendingActions(this.deps.db)) {
        if (!this.inFlight.has(action.id)) this.send(action);
      }
    });
  }

  private send(action: PendingAction): void {
    const { db, coa, attributes: a, logger } = this.deps;
    const router = this.deps.routerById(action.nasId);
    if (!router) {
      finishAction(db, action.id, { outcome: 'failed', attempts: 0, errorCauseName: 'router no longer configured' });
      return;
    }
    this.inFlight.add(action.id);
    // Identify the session exactly as the router reported it (mikrotik.md §5): User-Name and
    // Acct-Session-Id, plus Framed-IP-Address for hotspot sessions.
    const identity = [attribute(a.userName, action.username), attribute(a.acctSessionId, action.acctSessionId)];
    if (action.framedIp) identity.push(attribute(a.framedIpAddress, action.framedIp));
    if (action.kind === 'coa' && action.rateLimit) identity.push(attribute(a.mikrotikRateLimit, action.rateLimit));
    coa
      .send(action.kind, { address: router.ip, port: this.deps.coaPort, secret: router.secret, name: router.name }, Buffer.concat(identity))
      .then(async (result) => {
        if (this.deps.apiFallback && this.wantsFallback(action.kind, result)) {
          const who = { nasId: action.nasId, username: action.username, framedIp: action.framedIp, acctSessionId: action.acctSessionId };
          const removed = await this.deps.apiFallback(who).catch((err: unknown) => {
            logger.warn({ nas: router.name, user: action.username, err: (err as Error).message }, 'logging off through the router API failed too');
            return false;
          });
          if (removed) {
            // Done, though not by RADIUS: recorded as acknowledged, with the way it was done where the Error-Cause goes.
            logger.info({ nas: router.name, user: action.username, session: action.acctSessionId, reason: action.reason, coa: result.outcome }, `Disconnect for ${action.username}: ${result.outcome}; logged off through the RouterOS API instead`);
            finishAction(db, action.id, { outcome: 'ack', attempts: result.attempts, seconds: result.seconds, errorCauseName: API_FALLBACK_CAUSE });
            return;
          }
        }
        finishAction(db, action.id, result);
        logger.info(
          { nas: router.name, user: action.username, session: action.acctSessionId, kind: action.kind, reason: action.reason, outcome: result.outcome, errorCause: result.errorCauseName },
          `${action.kind === 'coa' ? 'CoA' : 'Disconnect'} for ${action.username}: ${result.outcome}`,
        );
        if (action.kind === 'coa' && result.outcome !== 'ack') {
          const session = db.select({ sessionId: enforcementActions.sessionId }).from(enforcementActions).where(eq(enforcementActions.id, action.id)).get();
          if (session) enqueueForSession(db, session.sessionId, 'disconnect', `CoA ${result.outcome}: ${action.reason}`);
          this.kick();
        }
      })
      .catch((err: unknown) => {
        logger.error({ err, action: action.id }, 'could not send CoA/Disconnect');
        finishAction(db, action.id, { outcome: 'failed', attempts: 0, errorCauseName: (err as Error).message.slice(0, 200) });
      })
      .finally(() => this.inFlight.delete(action.id));
  }
}

