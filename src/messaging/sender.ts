import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import { messages } from '../db/schema/messaging.js';
import type { SmsGateway, SmsRequest, SmsSendResult } from './gateway.js';
import { applyStoredReports } from './delivery.js';

/** Sends after 8 attempts in all are given up: about two hours of back-off. */
export const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 3_600_000;

/** Wait before the next try after `attempts` tries: 30 s, 1 min, 2 min, … at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
}

/** Where the messages of one drain ended up. */
export interface DrainResult {
  /** Accepted by the gateway. */
  sent: number;
  /** Refused for good, or out of attempts. */
  failed: number;
  /** Back in the queue for a later try (a retry answer, or an unknown answer for a critical message). */
  retried: number;
  /** Left 'unknown': bulk messages the gateway may or may not have sent, never re-sent. */
  unknown: number;
}

export interface SmsSender {
  /** Recovers messages a crash left 'sending', then drains now and every `pollMs`. */
  start(): void;
  /** Stops polling and waits for the send in flight to be recorded. */
  stop(): Promise<void>;
  /** Drain soon (after a commit that queued a message); coalesces with a drain in progress. */
  kick(): void;
  drainOnce(): Promise<DrainResult>;
}

export interface SenderOptions {
  db: Db;
  gateway: SmsGateway;
  logger: Logger;
  now?: () => number;
  /** Picks up messages other processes (the CLI) queued, and retries that fell due. */
  pollMs?: number;
  /**
   * Longest a send call may take. A call cut short may have reached the gateway, so its
   * messages are treated as unknown answers, not as retries.
   */
  sendTimeoutMs?: number;
  /**
   * Which of the outbox's channels this sender delivers ('sms' when absent): the SMS gateway
   * and the email gateway (src/messaging/email.ts) each drain their own, with the same states,
   * retries and back-off.
   */
  channel?: MessageChannel;
  /**
   * This process is the only one sending (a SQLite database has one daemon): at start, every
   * message left 'sending' is its dead predecessor's. Otherwise (several nodes on PostgreSQL) a
   * message left 'sending' is taken back only once its claim runs out, as a peer may be sending it.
   */
  alone?: boolean;
}

/** Added to the send timeout for a claim's lease: a live sender always records its answer before the lease runs out. */
export const CLAIM_MARGIN_MS = 30_000;

export type MessageChannel = (typeof messages.$inferSelect)['channel'];

type Claimed = Pick<typeof messages.$inferSelect, 'id' | 'recipient' | 'subject' | 'body' | 'critical' | 'attempts'>;
type Outcome = SmsSendResult | { status: 'thrown'; description: string };

export function createSmsSender(options: SenderOptions): SmsSender {
  const { db, gateway, logger } = options;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 5_000;
  const sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
  const batchSize = Math.max(1, Math.trunc(gateway.batchSize));
  const channel = options.channel ?? 'sms';
  const leaseMs = sendTimeoutMs + CLAIM_MARGIN_MS;
  // Log lines say which channel, so an SMTP outage is not read as an SMS one.
  const label = channel === 'sms' ? 'SMS' : 'Email';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<DrainResult> | undefined;
  let again = false;
  let stopped = false;
  let pausedUntil = 0;

  async function drain(): Promise<DrainResult> {
    const total: DrainResult = { sent: 0, failed: 0, retried: 0, unknown: 0 };
    // Messages a node claimed and never answered for (it died mid-send) are handled like an
    // interrupted send, once their claim has run out.
    const lapsed = recoverInterrupted(db, now(), channel);
    if (lapsed.retried + lapsed.unknown + lapsed.failed > 0) logger.warn({ gateway: gateway.name, ...lapsed }, `${label} claimed by a node that stopped answering: critical ones re-queued, bulk ones marked unknown`);
    // Batch after batch until nothing is due; answers put retried messages in the future, so
    // the loop ends even when the gateway refuses everything.
    while (now() >= pausedUntil) {
      const batch = claim(db, gateway.name, now(), batchSize, channel, leaseMs);
      if (batch.length === 0) break;
      const outcomes = await send(batch);
      const { result, failures } = record(db, gateway.name, batch, outcomes, now());
      for (const key of Object.keys(total) as Array<keyof DrainResult>) total[key] += result[key];
      // Some refusals need the operator (no credit, sender id not approved): say which and why.
      if (failures.length > 0) logger.warn({ gateway: gateway.name, failures }, `${label} not sent`);
      // A gateway that is down or unconfigured refuses every batch: pausing until this batch's
      // retry keeps the rest of the queue from using up its attempts during the outage.
      if (outcomes.every((o) => o.status === 'retry' || o.status === 'thrown')) {
        pausedUntil = now() + Math.min(...batch.map((m) => retryDelayMs(m.attempts)));
      }
      if (stopped) break;
    }
    if (total.sent + total.failed + total.retried + total.unknown > 0) logger.info({ gateway: gateway.name, ...total }, `${label} drain`);
    return total;
  }

  async function send(batch: Claimed[]): Promise<Outcome[]> {
    const requests: SmsRequest[] = batch.map((m) => ({ id: m.id, to: m.recipient, text: m.body, subject: m.subject }));
    const signal = AbortSignal.timeout(sendTimeoutMs);
    try {
      const results = await gateway.send(requests, signal);
      // A driver that answers for fewer messages than it was given leaves the rest in doubt.
      return batch.map((_, i) => results[i] ?? { status: 'unknown', description: 'no answer from the gateway driver for this message' });
    } catch (err) {
      const description = scrub(err instanceof Error ? err.message : String(err));
      logger.warn({ gateway: gateway.name, messages: batch.map((m) => m.id), err: description }, `${label} gateway call failed`);
      return batch.map(() => (signal.aborted ? { status: 'unknown', description: `timed out after ${sendTimeoutMs} ms` } : { status: 'thrown', description }));
    }
  }

  function drainOnce(): Promise<DrainResult> {
    if (running) return running.catch(() => undefined).then(() => drainOnce());
    const current = drain().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    drainOnce()
      .catch((err: unknown) => logger.error({ err, gateway: gateway.name }, `${label} drain failed`))
      .finally(() => {
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    start() {
      if (timer) return;
      stopped = false;
      const recovered = recoverInterrupted(db, now(), channel, options.alone === true ? 'all' : 'lapsed');
      if (recovered.retried + recovered.unknown + recovered.failed > 0) logger.warn({ gateway: gateway.name, ...recovered }, `${label} left sending by an earlier stop: critical ones re-queued, bulk ones marked unknown`);
      timer = setInterval(kick, pollMs);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    kick,
    drainOnce,
  };
}

/**
 * Takes the next due messages for one send call: 'sending', one more attempt, this gateway.
 * Critical messages first, so a receipt does not wait behind a ten-thousand-message campaign.
 * One immediate transaction, so two nodes never take the same message; while 'sending', a
 * message's next_attempt_at is when the claim runs out (the sender answers within `leaseMs`).
 */
export function claim(db: Db, gatewayName: string, at: number, limit: number, channel: MessageChannel = 'sms', leaseMs = 60_000 + CLAIM_MARGIN_MS): Claimed[] {
  return db.transaction((tx) => {
    const due = tx
      .select({ id: messages.id, recipient: messages.recipient, subject: messages.subject, body: messages.body, critical: messages.critical, attempts: messages.attempts })
      .from(messages)
      .where(and(eq(messages.status, 'queued'), lte(messages.nextAttemptAt, at), eq(messages.channel, channel)))
      .orderBy(desc(messages.critical), asc(messages.nextAttemptAt), asc(messages.id))
      .limit(limit)
      .all();
    if (due.length === 0) return [];
    tx.update(messages)
      .set({ status: 'sending', attempts: sql`${messages.attempts} + 1`, gateway: gatewayName, nextAttemptAt: at + leaseMs })
      .where(and(inArray(messages.id, due.map((m) => m.id)), eq(messages.status, 'queued')))
      .run();
    return due.map((m) => ({ ...m, attempts: m.attempts + 1 }));
  }, { behavior: 'immediate' });
}

/**
 * Records one send call's answers in one transaction; only rows still 'sending' move. Returns
 * the final failures too, for the log (ids and gateway codes, never bodies).
 */
export function record(db: Db, gatewayName: string, batch: Claimed[], outcomes: Outcome[], at: number): { result: DrainResult; failures: Array<{ id: number; error: string }> } {
  const result: DrainResult = { sent: 0, failed: 0, retried: 0, unknown: 0 };
  const failures: Array<{ id: number; error: string }> = [];
  db.transaction((tx) => {
    const d = tx as Db;
    batch.forEach((message, i) => {
      const outcome = outcomes[i]!;
      const where = and(eq(messages.id, message.id), eq(messages.status, 'sending'));
      if (outcome.status === 'accepted') {
        d.update(messages).set({ status: 'sent', gatewayMessageId: outcome.gatewayMessageId, cost: outcome.cost, sentAt: at, lastError: null }).where(where).run();
        // A delivery report can overtake this write (the gateway answers the callback first).
        if (outcome.gatewayMessageId !== null) applyStoredReports(d, message.id, gatewayName, outcome.gatewayMessageId, at);
        result.sent++;
        return;
      }
      const error = scrub(outcome.status === 'rejected' || outcome.status === 'retry' ? `${outcome.code}: ${outcome.description}` : outcome.description);
      const finish = (status: 'failed' | 'unknown') => {
        d.update(messages).set({ status, lastError: error, finishedAt: at }).where(where).run();
        result[status]++;
        if (status === 'failed') failures.push({ id: message.id, error });
      };
      const again = () => {
        d.update(messages).set({ status: 'queued', lastError: error, nextAttemptAt: at + retryDelayMs(message.attempts) }).where(where).run();
        result.retried++;
      };
      const outOfAttempts = message.attempts >= MAX_ATTEMPTS;
      if (outcome.status === 'rejected') finish('failed');
      else if (outcome.status === 'retry' || outcome.status === 'thrown') {
        if (outOfAttempts) finish('failed');
        else again();
      }
      // No idempotency key at the gateway: only messages worth a duplicate are sent again.
      else if (message.critical && !outOfAttempts) again();
      else finish('unknown');
    });
  }, { behavior: 'immediate' });
  return { result, failures };
}

/**
 * Error texts go to the log and the outbox row. A driver's error may quote the URL it called,
 * and a generic HTTP gateway may carry its password in the query string: values are masked.
 */
function scrub(text: string): string {
  return text.replace(/([?&][^=&\s]+=)[^&\s]*/g, '$1***').replace(/\/\/[^/@\s]+@/g, '//***@').slice(0, 500);
}

/**
 * Messages a crash or kill left 'sending' may or may not have reached the gateway: each is
 * handled as an unknown answer. 'all' is for the only sending process, before its first drain
 * (its predecessor died); otherwise only claims that ran out move, as a live peer may be
 * sending the rest. For one channel only (the other channel's sender may have a send in flight).
 */
export function recoverInterrupted(db: Db, at: number, channel: MessageChannel = 'sms', scope: 'all' | 'lapsed' = 'lapsed'): DrainResult {
  // Read and moved in one immediate transaction: two nodes never both take back the same message.
  return db.transaction((tx) => {
    const d = tx as Db;
    const stuck = d
      .select({ id: messages.id, recipient: messages.recipient, subject: messages.subject, body: messages.body, critical: messages.critical, attempts: messages.attempts })
      .from(messages)
      .where(and(eq(messages.status, 'sending'), eq(messages.channel, channel), scope === 'all' ? undefined : lte(messages.nextAttemptAt, at)))
      .all();
    if (stuck.length === 0) return { sent: 0, failed: 0, retried: 0, unknown: 0 };
    return record(d, '', stuck, stuck.map(() => ({ status: 'unknown', description: 'interrupted while sending (process stopped)' })), at).result;
  }, { behavior: 'immediate' });
}
