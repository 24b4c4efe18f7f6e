import { and, asc, desc, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { deliveryReports, messages } from '../db/schema/messaging.js';
import type { DeliveryReport } from './gateway.js';

export interface DeliveryOutcome {
  /** False for a report received before (same gateway, id and status). */
  stored: boolean;
  /** The outbox message it is about; null for an id Lango never sent (kept, otherwise ignored). */
  messageId: number | null;
  /** True when the message moved forward (sent → delivered or failed). */
  moved: boolean;
}

/**
 * A delivery report as the gateway driver translated it. Gateways send them late, twice and
 * out of order, so each is kept once and a message only moves forward: an interim 'sent' after
 * 'delivered' changes nothing, and a final state is never replaced.
 */
export function applyDeliveryReport(db: Db, gatewayName: string, report: DeliveryReport, now: number): DeliveryOutcome {
  return db.transaction((tx) => {
    const d = tx as Db;
    const stored =
      d
        .insert(deliveryReports)
        .values({ gateway: gatewayName, gatewayMessageId: report.gatewayMessageId, status: report.status, failureReason: report.failureReason, receivedAt: now })
        .onConflictDoNothing()
        .run().changes > 0;
    const message = d
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.gateway, gatewayName), eq(messages.gatewayMessageId, report.gatewayMessageId)))
      .get();
    if (!message) return { stored, messageId: null, moved: false };
    return { stored, messageId: message.id, moved: advance(d, message.id, report, now) };
  }, { behavior: 'immediate' });
}

function advance(db: Db, messageId: number, report: Pick<DeliveryReport, 'status' | 'failureReason'>, now: number): boolean {
  if (report.status === 'sent') return false;
  return (
    db
      .update(messages)
      .set(report.status === 'delivered' ? { status: 'delivered', finishedAt: now } : { status: 'failed', finishedAt: now, lastError: `not delivered: ${report.failureReason ?? 'no reason given'}` })
      .where(and(eq(messages.id, messageId), eq(messages.status, 'sent')))
      .run().changes > 0
  );
}

/**
 * Applies a final report that arrived before the sender recorded the gateway's id (the gateway
 * called back faster than the send call returned). Runs in the sender's recording transaction.
 */
export function applyStoredReports(db: Db, messageId: number, gatewayName: string, gatewayMessageId: string, now: number): void {
  const early = db
    .select({ status: deliveryReports.status, failureReason: deliveryReports.failureReason })
    .from(deliveryReports)
    .where(and(eq(deliveryReports.gateway, gatewayName), eq(deliveryReports.gatewayMessageId, gatewayMessageId), inArray(deliveryReports.status, ['delivered', 'failed'])))
    .orderBy(asc(deliveryReports.id))
    .get();
  if (early) advance(db, messageId, early as Pick<DeliveryReport, 'status' | 'failureReason'>, now);
}

export interface LastReport {
  status: string;
  failureReason: string | null;
  receivedAt: number;
}

/** The newest delivery report of each message that has one, for the outbox screen (by message id). */
export function lastReports(db: Db, list: ReadonlyArray<{ id: number; gateway: string | null; gatewayMessageId: string | null }>): Map<number, LastReport> {
  const byGatewayId = new Map<string, number>();
  for (const m of list) if (m.gateway !== null && m.gatewayMessageId !== null) byGatewayId.set(`${m.gateway}\u0000${m.gatewayMessageId}`, m.id);
  const found = new Map<number, LastReport>();
  if (byGatewayId.size === 0) return found;
  // By gateway, then ids: the order of the reports' unique index, so a page reads a few index entries.
  const idsByGateway = new Map<string, string[]>();
  for (const m of list) if (m.gateway !== null && m.gatewayMessageId !== null) idsByGateway.set(m.gateway, [...(idsByGateway.get(m.gateway) ?? []), m.gatewayMessageId]);
  const rows = db
    .select()
    .from(deliveryReports)
    .where(or(...[...idsByGateway].map(([gateway, ids]) => and(eq(deliveryReports.gateway, gateway), inArray(deliveryReports.gatewayMessageId, ids)))))
    .orderBy(desc(deliveryReports.id))
    .all();
  for (const row of rows) {
    const id = byGatewayId.get(`${row.gateway}\u0000${row.gatewayMessageId}`);
    if (id !== undefined && !found.has(id)) found.set(id, { status: row.status, failureReason: row.failureReason, receivedAt: row.receivedAt });
  }
  return found;
}
