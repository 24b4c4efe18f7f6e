import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

/**
 * Durable scheduled work. A job exists once per `key` (e.g. `billing-run:2026-11-24`), so a
 * scheduler tick, a restart and a manual run all find the same row; a job found `running` at
 * start was interrupted and runs again (its steps are idempotent).
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    runAt: integer('run_at').notNull(),
    status: text('status').$type<JobStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    /** What the run did, or why it failed, for `lango jobs`. */
    summary: text('summary'),
  },
  (t) => [uniqueIndex('jobs_key').on(t.key), index('jobs_due').on(t.status, t.runAt)],
);

/** Operator settings, one JSON value per key, validated by the owning domain's zod schema. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at').notNull(),
  actor: text('actor').notNull(),
});

/** Staff actions, append-only: who changed what, from the CLI or the web. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index('audit_by_subject').on(t.subject, t.at),
    index('audit_by_actor').on(t.actor, t.at),
    index('audit_by_at').on(t.at),
    // "On what" searches by a username written in the detail (vouchers, staff sign-ins…).
    index('audit_by_username').on(sql`json_extract(${t.detail}, '$.username')`),
  ],
);

/**
 * Idempotency keys of forms that change something (a cash payment recorded at a counter, a
 * ticket opened): a form queued offline and sent twice by a flaky link is carried out once.
 * The key is written in the same transaction as the change; `result` is what the first
 * request answered (a redirect location), returned again to a retry.
 */
export const requestKeys = sqliteTable(
  'request_keys',
  {
    key: text('key').primaryKey(),
    /** Who sent it ('staff:alice', 'customer:12'): a key is only honoured for its own sender. */
    sender: text('sender').notNull(),
    /** What it did ('payments.record'), for the log and the pruning. */
    action: text('action').notNull(),
    result: text('result').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('request_keys_by_age').on(t.createdAt)],
);
