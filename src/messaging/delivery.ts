import { and, asc, eq, inArray } from 'drizzle-orm';
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
