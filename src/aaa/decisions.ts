import { and, asc, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db, Sqlite } from '../db/connection.js';
import { authDecisions, type DecisionResult } from '../db/schema/aaa.js';
import { t, type Language, type MessageKey } from '../i18n/index.js';

// The decision trace's data functions: what an Access-Request got and why, for the support
// desk's "Why?" screen and `lango why`. Writing happens off the RADIUS path (the recorder
// batches rows into the accounting group commit); reading is by customer, username or MAC,
// newest first.

export type DecisionRow = typeof authDecisions.$inferSelect;

/**
 * Every way an Access-Request ends, finer than the customer's Reply-Message (which never tells
 * an unknown user from a wrong password). Staff words: `trace.reason.<code>` in src/i18n/trace.ts.
 */
export type DecisionReason =
  | 'accepted'
  /** Overdue, let in on the walled-garden address list to pay (billing.overdueAction = redirect). */
  | 'accepted_overdue'
  | 'unknown_user'
  | 'wrong_password'
  | 'no_credentials'
  | 'too_many_attempts'
  | 'voucher_revoked'
  | 'voucher_unused_expired'
  | 'voucher_wrong_place'
  | 'voucher_locked'
  /** Another device locked the voucher between this one's policy check and its first-login write. */
  | 'voucher_lock_race'
  | 'suspended'
  | 'overdue'
  | 'terminated'
  | 'no_plan'
  | 'plan_paused'
  | 'plan_expired'
  | 'outside_window'
  | 'data_used_up'
  | 'time_used_up'
  | 'simultaneous_use'
  | 'mac_binding'
  // Not answered at all: the packet could not be trusted (src/radius/server.ts drops it).
  | 'unknown_nas'
  | 'missing_message_authenticator'
  | 'bad_message_authenticator'
  | 'proxy_state_without_message_authenticator'
  | 'eap_without_message_authenticator';

// Every code once: the compiler refuses a reason missing here, and the catalogue test walks the list.
const REASONS: Record<DecisionReason, true> = {
  accepted: true, accepted_overdue: true, unknown_user: true, wrong_password: true, no_credentials: true, too_many_attempts: true,
  voucher_revoked: true, voucher_unused_expired: true, voucher_wrong_place: true, voucher_locked: true, voucher_lock_race: true,
  suspended: true, overdue: true, terminated: true, no_plan: true, plan_paused: true, plan_expired: true, outside_window: true,
  data_used_up: true, time_used_up: true, simultaneous_use: true, mac_binding: true,
  unknown_nas: true, missing_message_authenticator: true, bad_message_authenticator: true, proxy_state_without_message_authenticator: true, eap_without_message_authenticator: true,
};
export const decisionReasons = Object.keys(REASONS) as readonly DecisionReason[];

/** The packets the server drops without answering, as src/radius/server.ts names them. */
export type IgnoredReason = Extract<DecisionReason, 'unknown_nas' | 'missing_message_authenticator' | 'bad_message_authenticator' | 'proxy_state_without_message_authenticator' | 'eap_without_message_authenticator'>;
export const ignoredReasons: readonly IgnoredReason[] = ['unknown_nas', 'missing_message_authenticator', 'bad_message_authenticator', 'proxy_state_without_message_authenticator', 'eap_without_message_authenticator'];
export const isIgnoredReason = (reason: string): reason is IgnoredReason => (ignoredReasons as readonly string[]).includes(reason);

/**
 * Values a reason's words need, kept raw (epoch ms, bytes, seconds) and formatted when shown,
 * in the reader's language and the operator's zone: expiresAt / useBefore (ms), used and
 * allowance (bytes or seconds), limit, session / acctSessionId / router (the open session
 * that holds a simultaneous-use place), from / to ("22:00"), method, device, router.
 */
export type DecisionDetail = Record<string, string | number>;

export interface DecisionInput {
  at: number;
  nasId: number | null;
  nasIp: string;
  username: string;
  mac: string | null;
  customerId: number | null;
  result: DecisionResult;
  reason: DecisionReason;
  /** Values the reason's words need; stored as JSON. */
  detail?: DecisionDetail | null;
  /** Reply attributes sent, 'Name=value; Name=value'. */
  reply?: string | null;
}

/** One subject's decisions, newest first: a customer, or a username or MAC nobody owns. */
export type DecisionSubject = { customerId: number } | { username: string } | { mac: string };

export function recentDecisions(db: Db, subject: DecisionSubject, options: { limit?: number; beforeId?: number } = {}): DecisionRow[] {
  const by: SQL =
    'customerId' in subject ? eq(authDecisions.customerId, subject.customerId) : 'username' in subject ? eq(authDecisions.username, subject.username) : eq(authDecisions.mac, subject.mac);
  const where = options.beforeId === undefined ? by : and(by, lt(authDecisions.id, options.beforeId))!;
  return db.select().from(authDecisions).where(where).orderBy(desc(authDecisions.id)).limit(options.limit ?? 50).all();
}

/** The values stored with a decision, for its words. */
export function decisionDetail(row: Pick<DecisionRow, 'detail'>): Record<string, string | number> {
  if (!row.detail) return {};
  try {
    return JSON.parse(row.detail) as Record<string, string | number>;
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------- writing

const COLUMNS = 10;
/** Rows per INSERT: one statement per 50 decisions, well under SQLite's and PostgreSQL's parameter limits. */
export const INSERT_CHUNK = 50;

export interface DecisionWriter {
  /** Inserts the rows; answers their ids, in the same order. */
  insert(rows: readonly DecisionInput[]): number[];
  /** Rewrites a row's detail (a repeated decision's count and last time). */
  setDetail(id: number, detail: DecisionDetail): void;
}

/**
 * Multi-row INSERTs prepared once per row count, run inside whatever transaction the
 * connection has open (the recorder runs them in the accounting group commit).
 */
export function createDecisionWriter(sqlite: Sqlite): DecisionWriter {
  const statements = new Map<number, ReturnType<Sqlite['prepare']>>();
  const statementFor = (count: number) => {
    let statement = statements.get(count);
    if (!statement) {
      const values = Array.from({ length: count }, () => `(${Array(COLUMNS).fill('?').join(', ')})`).join(', ');
      // RETURNING's order is not promised, so the rows come back with every column that could
      // tell two of them apart: rows alike in all of them may take each other's id harmlessly.
      statement = sqlite.prepare(
        `INSERT INTO auth_decisions (at, nas_id, nas_ip, username, mac, customer_id, result, reason, detail, reply) VALUES ${values} RETURNING id, at, nas_id AS "nasId", nas_ip AS "nasIp", username, mac, result, reason, detail, reply`,
      );
      statements.set(count, statement);
    }
    return statement;
  };
  const keyOf = (r: { at: number; nasId: number | null; nasIp: string; username: string; mac: string | null; result: string; reason: string; detail: string | null; reply: string | null }) =>
    [r.at, r.nasId ?? '', r.nasIp, r.username, r.mac ?? '', r.result, r.reason, r.detail ?? '', r.reply ?? ''].join('\u0000');
  const setDetail = sqlite.prepare('UPDATE auth_decisions SET detail = ? WHERE id = ?');
  return {
    insert(rows) {
      const ids: number[] = [];
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        const values: unknown[] = [];
        for (const r of chunk) {
          values.push(r.at, r.nasId, r.nasIp, r.username, r.mac, r.customerId, r.result, r.reason, r.detail ? JSON.stringify(r.detail) : null, r.reply ?? null);
        }
        const returned = new Map<string, number[]>();
        type Returned = { id: number | string; at: number | string; nasId: number | string | null; nasIp: string; username: string; mac: string | null; result: string; reason: string; detail: string | null; reply: string | null };
        for (const row of statementFor(chunk.length).all(values) as Returned[]) {
          const key = keyOf({ ...row, at: Number(row.at), nasId: row.nasId === null ? null : Number(row.nasId) });
          returned.set(key, [...(returned.get(key) ?? []), Number(row.id)]);
        }
        for (const r of chunk) ids.push(returned.get(keyOf({ ...r, detail: r.detail ? JSON.stringify(r.detail) : null, reply: r.reply ?? null }))!.shift()!);
      }
      return ids;
    },
    setDetail(id, detail) {
      setDetail.run(JSON.stringify(detail), id);
    },
  };
}

// ---------------------------------------------------------------- retention

/**
 * Deletes the oldest decisions, one chunk of ids per call: those older than `keepDays`, and
 * those beyond the newest `keepRows` ids. Ids grow with time, so both are a range at the low
 * end of the primary key and no index on `at` is needed; ids have few gaps (rows are only
 * deleted from the old end), so the id range stands for the row count. `more`: call again.
 */
export function pruneDecisions(db: Db, options: { now: number; keepDays: number; keepRows: number; chunk?: number }): { deleted: number; more: boolean } {
  const chunk = options.chunk ?? 2000;
  const cutoff = options.now - options.keepDays * 86_400_000;
  const oldest = () => db.select({ id: authDecisions.id, at: authDecisions.at }).from(authDecisions).orderBy(asc(authDecisions.id)).limit(1).get();
  const first = oldest();
  if (!first) return { deleted: 0, more: false };
  const newest = db.select({ id: authDecisions.id }).from(authDecisions).orderBy(desc(authDecisions.id)).limit(1).get()!.id;
  const beyondRows = newest - options.keepRows;
  const upTo = first.id + chunk - 1;
  const deleted = db
    .delete(authDecisions)
    .where(and(lt(authDecisions.id, upTo + 1), or(lt(authDecisions.id, beyondRows + 1), lt(authDecisions.at, cutoff))))
    .run().changes;
  const next = oldest();
  return { deleted, more: next !== undefined && (next.at < cutoff || next.id <= beyondRows) };
}

// ---------------------------------------------------------------- personal data

/** A customer's decisions for their personal-data export, oldest first. */
export function decisionsOf(db: Db, customerId: number) {
  return db
    .select({ at: authDecisions.at, nasIp: authDecisions.nasIp, username: authDecisions.username, mac: authDecisions.mac, result: authDecisions.result, reason: authDecisions.reason, detail: authDecisions.detail, reply: authDecisions.reply })
    .from(authDecisions)
    .where(eq(authDecisions.customerId, customerId))
    .orderBy(asc(authDecisions.id))
    .all()
    .map((row) => ({ ...row, detail: decisionDetail(row) }));
}

/**
 * Blanks who and which device in a customer's decisions (username, MAC; the detail and reply,
 * which can name a device or a static address); when, where and why stay for the statistics.
 * Also the refusals of their username before it was theirs or while it was unknown. Run inside
 * the erasure's transaction.
 */
export function eraseDecisionPersonalData(db: Db, customerId: number, username: string): void {
  db.update(authDecisions)
    .set({ username: '', mac: null, detail: null, reply: null })
    .where(username ? or(eq(authDecisions.customerId, customerId), eq(authDecisions.username, username)) : eq(authDecisions.customerId, customerId))
    .run();
}

// ---------------------------------------------------------------- words

const METHODS: Record<string, string> = { pap: 'PAP', chap: 'CHAP', mschapv1: 'MS-CHAPv1', mschapv2: 'MS-CHAPv2' };

/** "14:02" on the decision's own day, else "2026-11-03 14:02", in the operator's zone. */
function moment(ms: number, decidedAt: number, zone: string): string {
  const when = DateTime.fromMillis(ms, { zone });
  return when.hasSame(DateTime.fromMillis(decidedAt, { zone }), 'day') ? when.toFormat('HH:mm') : when.toFormat('yyyy-MM-dd HH:mm');
}

/** Decimal units, as plans are sold: "5.0 GB" used, "5 GB" allowed. */
function amount(bytes: number, fixed: boolean): string {
  const [unit, size] = bytes >= 1e12 ? ['TB', 1e12] : bytes >= 1e9 ? ['GB', 1e9] : bytes >= 1e6 ? ['MB', 1e6] : bytes >= 1e3 ? ['KB', 1e3] : ['B', 1];
  const value = bytes / size;
  return `${fixed && size > 1 ? value.toFixed(1) : String(Math.round(value * 1000) / 1000)} ${unit}`;
}

/** Seconds as hours and minutes, "2:05". */
function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * A stored decision in words, for staff: "Plan expired at 14:02", "Data allowance used (5.0 GB
 * of 5 GB)". Pure: the "Why?" screen, `lango why` and `lango decisions` all call it.
 */
export function describeDecision(row: Pick<DecisionRow, 'reason' | 'detail' | 'nasIp' | 'at'>, language: Language, zone: string): string {
  const d = decisionDetail(row);
  const say = (key: string, values: Record<string, unknown> = {}) => t(`trace.${key}` as MessageKey, values, language);
  const num = (key: string) => (typeof d[key] === 'number' ? (d[key] as number) : undefined);
  const words = reasonWords(row, d, say, num, zone);
  const repeats = num('repeats');
  return repeats !== undefined && repeats > 1 ? say('repeated', { words, count: repeats, until: moment(num('lastAt') ?? row.at, row.at, zone) }) : words;
}

function reasonWords(
  row: Pick<DecisionRow, 'reason' | 'nasIp' | 'at'>,
  d: Record<string, string | number>,
  say: (key: string, values?: Record<string, unknown>) => string,
  num: (key: string) => number | undefined,
  zone: string,
): string {
  switch (row.reason as DecisionReason) {
    case 'wrong_password':
    case 'unknown_user':
      return say(`reason.${row.reason}`, { method: METHODS[String(d.method)] ?? String(d.method ?? '?') });
    case 'plan_expired':
      return num('expiresAt') === undefined ? say('undated.plan_expired') : say('reason.plan_expired', { at: moment(num('expiresAt')!, row.at, zone) });
    case 'voucher_unused_expired':
      return num('useBefore') === undefined ? say('undated.voucher_unused_expired') : say('reason.voucher_unused_expired', { at: moment(num('useBefore')!, row.at, zone) });
    case 'data_used_up':
      return say('reason.data_used_up', { used: amount(num('used') ?? 0, true), allowance: amount(num('allowance') ?? 0, false) });
    case 'time_used_up':
      return say('reason.time_used_up', { used: duration(num('used') ?? 0), allowance: duration(num('allowance') ?? 0) });
    case 'simultaneous_use':
      return d.acctSessionId === undefined
        ? say('undated.simultaneous_use', { limit: d.limit ?? 1 })
        : say('reason.simultaneous_use', { limit: d.limit ?? 1, session: d.acctSessionId, router: d.router ?? '?' });
    case 'unknown_nas':
      return say('reason.unknown_nas', { ip: row.nasIp });
    default:
      if (!(decisionReasons as readonly string[]).includes(row.reason)) return row.reason;
      return say(`reason.${row.reason}`, { ...d, router: d.router ?? row.nasIp });
  }
}
