import { and, desc, eq, gte, inArray, isNull, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import type { Language } from '../db/schema/billing.js';
import { messages, SECRET_KEY_PREFIX, type MessageStatus } from '../db/schema/messaging.js';
import { LangoError } from '../errors.js';
import { recordAudit } from '../staff/index.js';
import { countSmsParts, preferGsm7 } from './segments.js';
import { MAX_BODY_LENGTH } from './templates.js';

export type Message = typeof messages.$inferSelect;

export interface QueueInput {
  /** What the message is for, once: 'event:<id>', 'campaign:<id>:<customer>', 'credentials:<voucher>'. */
  key: string;
  customerId?: number | null | undefined;
  /** E.164 with '+'. */
  to: string;
  language: Language;
  /** Template it was rendered from; null or absent for free text. */
  template?: string | null | undefined;
  body: string;
  critical: boolean;
  campaignId?: number | null | undefined;
  now: number;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** E.164 with '+', as billing stores phone numbers; anything else is never handed to a gateway. */
export function isSendableNumber(phone: string): boolean {
  return E164.test(phone);
}

/**
 * Stores a message for the sender, inside the caller's transaction, so it exists exactly when
 * what caused it does. The same key a second time changes nothing and returns the first row's
 * id (`created: false`): a retried cause cannot send twice.
 */
export function queueMessage(db: Db, input: QueueInput): { id: number; created: boolean } {
  if (!isSendableNumber(input.to)) throw new LangoError('INPUT_BAD_PHONE', { value: input.to });
  const body = preferGsm7(input.body.trim());
  if (body.length === 0 || body.length > MAX_BODY_LENGTH) throw new LangoError('INPUT_BAD_MESSAGE', { max: MAX_BODY_LENGTH });
  const { parts, encoding } = countSmsParts(body);
  return insertQueued(db, {
    key: input.key,
    customerId: input.customerId ?? null,
    recipient: input.to,
    language: input.language,
    template: input.template ?? null,
    body,
    parts,
    encoding,
    critical: input.critical,
    campaignId: input.campaignId ?? null,
    now: input.now,
  });
}

/**
 * The one way a message row is written, SMS or email: queued, due now, under its key. The same
 * key a second time changes nothing and returns the first row's id.
 */
export function insertQueued(
  db: Db,
  row: Omit<typeof messages.$inferInsert, 'status' | 'nextAttemptAt' | 'createdAt' | 'id'> & { now: number },
): { id: number; created: boolean } {
  const { now, ...values } = row;
  const inserted = db
    .insert(messages)
    .values({ ...values, status: 'queued', nextAttemptAt: now, createdAt: now })
    .onConflictDoNothing({ target: messages.key })
    .returning({ id: messages.id })
    .get();
  if (inserted) return { id: inserted.id, created: true };
  const existing = db.select({ id: messages.id }).from(messages).where(eq(messages.key, row.key)).get();
  return { id: existing!.id, created: false };
}

export interface MessageFilter {
  /** 'sms' or 'email'; both when absent. */
  channel?: 'sms' | 'email' | undefined;
  status?: MessageStatus | readonly MessageStatus[] | undefined;
  customerId?: number | undefined;
  campaignId?: number | undefined;
  /** E.164 with '+', exactly as stored. */
  recipient?: string | undefined;
  /** A template key; null = free text (manual messages and campaigns). */
  template?: string | null | undefined;
  /** Created at or after (ms). */
  createdFrom?: number | undefined;
  /** Created before (ms). */
  createdBefore?: number | undefined;
  /** Paging: only messages with a smaller id (the list is newest first). */
  beforeId?: number | undefined;
  /** At most 1000; 100 when absent. */
  limit?: number | undefined;
  /** Paging for screens: rows to skip. */
  offset?: number | undefined;
}

export { SECRET_KEY_PREFIX };
const HIDDEN_BODY = '••••••';

const shown = (row: Message): Message => (row.key.startsWith(SECRET_KEY_PREFIX) ? { ...row, body: HIDDEN_BODY } : row);

/** Newest first. Bodies are included (hidden for secret messages): they are for staff screens, never for logs. */
export function listMessages(db: Db, filter: MessageFilter = {}): Message[] {
  const statuses = filter.status === undefined ? undefined : typeof filter.status === 'string' ? [filter.status] : filter.status;
  const conditions: Array<SQL | undefined> = [
    statuses === undefined ? undefined : inArray(messages.status, [...statuses]),
    filter.channel === undefined ? undefined : eq(messages.channel, filter.channel),
    filter.customerId === undefined ? undefined : eq(messages.customerId, filter.customerId),
    filter.campaignId === undefined ? undefined : eq(messages.campaignId, filter.campaignId),
    filter.recipient === undefined ? undefined : eq(messages.recipient, filter.recipient),
    filter.template === undefined ? undefined : filter.template === null ? isNull(messages.template) : eq(messages.template, filter.template),
    filter.createdFrom === undefined ? undefined : gte(messages.createdAt, filter.createdFrom),
    filter.createdBefore === undefined ? undefined : lt(messages.createdAt, filter.createdBefore),
    filter.beforeId === undefined ? undefined : lt(messages.id, filter.beforeId),
  ];
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 100)), 1000);
  const offset = Math.max(0, Math.trunc(filter.offset ?? 0));
  return db.select().from(messages).where(and(...conditions)).orderBy(desc(messages.id)).limit(limit).offset(offset).all().map(shown);
}

export function findMessage(db: Db, id: number): Message | undefined {
  const row = db.select().from(messages).where(eq(messages.id, id)).get();
  return row && shown(row);
}

/**
 * Staff withdraw a message that has not left yet. One in flight ('sending') or already
 * answered cannot be called back from the gateway, so only 'queued' can be cancelled.
 */
export function cancelMessage(db: Db, id: number, actor: string, now = Date.now()): Message {
  return db.transaction((tx) => {
    const cancelled = tx
      .update(messages)
      .set({ status: 'cancelled', finishedAt: now, lastError: `cancelled by ${actor}` })
      .where(and(eq(messages.id, id), eq(messages.status, 'queued')))
      .returning()
      .get();
    if (!cancelled) {
      const current = findMessage(tx as Db, id);
      if (!current) throw new LangoError('INPUT_UNKNOWN_MESSAGE', { id });
      throw new LangoError('INPUT_MESSAGE_NOT_QUEUED', { id, status: current.status });
    }
    recordAudit(tx as Db, actor, 'sms.cancel', `message:${id}`, { key: cancelled.key, recipient: cancelled.recipient }, now);
    return cancelled;
  }, { behavior: 'immediate' });
}
