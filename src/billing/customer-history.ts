import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { sessions } from '../db/schema/aaa.js';
import { customerEvents, type TimelineKind } from '../db/schema/billing.js';
import { messages, SECRET_KEY_PREFIX, type MessageStatus } from '../db/schema/messaging.js';

/**
 * One line of a customer's history as staff read it: the account's own events (payments,
 * invoices, credit notes, plan and status changes: customer_events), sessions starting and
 * stopping (RADIUS accounting) and the SMS sent to them (the outbox).
 */
export type HistoryItem =
  | { source: 'event'; at: number; id: number; kind: TimelineKind; actor: string; detail: Record<string, unknown> }
  | { source: 'session'; at: number; id: number; kind: 'session_started' | 'session_stopped'; ip: string | null; mac: string | null; cause: string | null; seconds: number; inputOctets: number; outputOctets: number }
  | { source: 'message'; at: number; id: number; kind: 'message'; recipient: string; body: string; status: MessageStatus; template: string | null };

/**
 * A customer's history, newest first, `limit` items from `offset`. Each source is read newest
 * first up to offset + limit and the lists merged, so a page costs three short index reads
 * however long the history is (deep pages read more).
 */
export function customerHistory(db: Db, customerId: number, options: { offset?: number; limit?: number } = {}): HistoryItem[] {
  const offset = Math.max(0, options.offset ?? 0);
  const limit = Math.max(1, Math.min(options.limit ?? 50, 500));
  const take = offset + limit;
  const events: HistoryItem[] = db
    .select()
    .from(customerEvents)
    .where(eq(customerEvents.customerId, customerId))
    .orderBy(desc(customerEvents.at), desc(customerEvents.id))
    .limit(take)
    .all()
    .map((e) => ({ source: 'event', at: e.at, id: e.id, kind: e.kind, actor: e.actor, detail: e.detail }));
  const sessionOf = (s: typeof sessions.$inferSelect, kind: 'session_started' | 'session_stopped'): HistoryItem => ({
    source: 'session',
    at: kind === 'session_started' ? s.startedAt : s.stoppedAt!,
    id: s.id,
    kind,
    ip: s.framedIp,
    mac: s.callingStationId,
    cause: s.terminateCause,
    seconds: s.sessionTime,
    inputOctets: s.inputOctets,
    outputOctets: s.outputOctets,
  });
  const started = db.select().from(sessions).where(eq(sessions.customerId, customerId)).orderBy(desc(sessions.startedAt), desc(sessions.id)).limit(take).all().map((s) => sessionOf(s, 'session_started'));
  const stopped = db
    .select()
    .from(sessions)
    .where(and(eq(sessions.customerId, customerId), isNotNull(sessions.stoppedAt)))
    .orderBy(desc(sessions.stoppedAt), desc(sessions.id))
    .limit(take)
    .all()
    .map((s) => sessionOf(s, 'session_stopped'));
  const sent: HistoryItem[] = db
    .select()
    .from(messages)
    .where(eq(messages.customerId, customerId))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(take)
    .all()
    .map((m) => ({ source: 'message', at: m.createdAt, id: m.id, kind: 'message', recipient: m.recipient, body: m.key.startsWith(SECRET_KEY_PREFIX) ? '••••••' : m.body, status: m.status, template: m.template }));
  // Newest first; at the same moment a stop comes after its start, and a fixed source order keeps pages stable.
  const rank = { message: 0, event: 1, session: 2 } as const;
  return [...events, ...started, ...stopped, ...sent]
    .sort((a, b) => b.at - a.at || rank[a.source] - rank[b.source] || (a.kind === 'session_stopped' ? -1 : 0) - (b.kind === 'session_stopped' ? -1 : 0) || b.id - a.id)
    .slice(offset, offset + limit);
}
