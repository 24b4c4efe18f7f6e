import { normaliseMac } from '../billing/index.js';
import type { Sqlite } from '../db/connection.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { DecisionResult } from '../db/schema/aaa.js';
import { decodePacket } from '../radius/codec.js';
import type { Dictionary } from '../radius/dictionary.js';
import type { Packet } from '../radius/packet.js';
import { readRaw, readText, type AaaAttributes } from './attributes.js';
import { createDecisionWriter, isIgnoredReason, type DecisionDetail, type DecisionInput, type DecisionReason } from './decisions.js';
import { describeAttributes } from './reply-preview.js';

// The decision trace's writer. The Access-Request path never waits for it: after the reply has
// left, a decision that repeats one from the last minute is counted in memory, and a new one
// becomes a row (MAC and reply in words made then, from the packet) written in the accounting
// group commit, sharing its transaction and fsync.

/** A decision as the access handler knows it when it answers. */
export interface PendingDecision {
  at: number;
  nasId: number | null;
  nasIp: string;
  username: string;
  customerId: number | null;
  result: DecisionResult;
  reason: DecisionReason;
  detail?: DecisionDetail;
  /** The Access-Request: its Calling-Station-Id becomes the row's MAC. */
  request?: Packet;
  /** The encoded reply attributes, written as 'Name=value; …' without secrets. */
  reply?: Buffer;
  /** From an unknown router: the datagram, decoded (User-Name, MAC) only when it makes a new row. */
  datagram?: Buffer;
}

export interface DecisionSink {
  /**
   * Counts a decision on its open row when the same one (router, user, device, result, reason)
   * came within the minute: the common case on the RADIUS path, and it allocates nothing.
   * False: it needs a row of its own, call record().
   */
  repeat(at: number, nasId: number | null, nasIp: string, username: string, result: DecisionResult, reason: DecisionReason, detail: DecisionDetail | undefined, request: Packet | undefined): boolean;
  record(decision: PendingDecision): void;
}

/** An Access-Request the server dropped without answering (src/radius/server.ts's observer). */
export interface IgnoredRequest {
  reason: string;
  /** The address it came from. */
  source: string;
  /** The router it claims to be from; absent for an unknown NAS. */
  client?: { id: number; name: string };
  /** Decoded when the router is known. */
  packet?: Packet;
  /** The datagram as received, for an unknown NAS (decoded only if a row is written). */
  datagram?: Buffer;
}

export interface DecisionRecorder extends DecisionSink {
  /** Records a dropped Access-Request (throttled like any repeated decision: one row a minute per address, or per router and user). */
  ignored(request: IgnoredRequest): void;
  /** Closes every open row and hands everything to the group commit now (at shutdown, before the commit's own flush). */
  flush(): void;
  /** Rows waiting for the group commit. */
  readonly pending: number;
  /** Rows given up since start: over the bound, or in a commit that failed. */
  readonly dropped: number;
}

export interface DecisionRecorderOptions {
  sqlite: Sqlite;
  commit: GroupCommit;
  dictionary: Dictionary;
  attributes: AaaAttributes;
  /** New rows held while the database is slow; beyond this they are dropped and counted. */
  maxPending?: number;
  /**
   * Longest a new row waits for a group commit to ride (ms). Accounting traffic commits every
   * turn anyway and the rows join it; with logins alone, one commit (and fsync) per turn just
   * for the trace would cost more than the logins themselves, so they wait this long instead.
   */
  delayMs?: number;
  /**
   * The same decision again (same router, user, device, result and reason) within this long of
   * the first is counted on the first row instead of written again (ms).
   */
  repeatWindowMs?: number;
  /** Called with how many rows were given up (bound reached, or their commit failed). */
  onDropped?: (rows: number, err?: Error) => void;
  /** Whose username this is, so a dropped request shows on the customer's "Why?" too (an in-memory lookup). */
  customerOf?: (username: string) => number | undefined;
  now?: () => number;
}

/** Reply attributes never written down: passwords, the MS-CHAPv2 proof and session keys. */
const SECRET_ATTRIBUTES = new Set(['User-Password', 'CHAP-Password', 'MS-CHAP2-Success', 'MS-MPPE-Send-Key', 'MS-MPPE-Recv-Key', 'MS-CHAP-MPPE-Keys']);
/** Rows whose repeats are still being counted; beyond this the oldest is closed early. */
const OPEN_ROWS_KEPT = 100_000;
/**
 * New rows a minute for packets from addresses that are no router of ours. Their source can be
 * forged, so each new address would otherwise be a row written at packet rate; past this many the
 * rest of the minute is only counted (lango_decision_trace_dropped_total), as the server's drop
 * counters already count every such packet.
 */
const UNKNOWN_NAS_ROWS_PER_MINUTE = 100;

/** One row of the trace: its first decision, and how often the same decision came again. */
interface TraceRow {
  /** What makes a later decision "the same": router, User-Name, device (raw Calling-Station-Id), result, reason and its detail. */
  nasId: number | null;
  nasIp: string;
  username: string;
  device: string;
  result: DecisionResult;
  reason: DecisionReason;
  /** The row as written, made once (strings only: no packet or reply buffer is kept alive). */
  input: DecisionInput;
  repeats: number;
  lastAt: number;
  /** Once inserted. */
  id?: number;
  /** The count the database has. */
  written: number;
}

/**
 * Turns decisions into rows. A phone retrying a wrong password every few seconds, or a load
 * test logging the same users in many times a second, gives one row per minute with a count,
 * not one per request: the support desk reads "37 times, the last at 10:14", and the database
 * writes a few hundred rows a second at most, which is what keeps the trace off the RADIUS
 * path's budget. The count is written when the minute closes.
 */
export function createDecisionRecorder(options: DecisionRecorderOptions): DecisionRecorder {
  const { commit, dictionary, attributes: a } = options;
  const maxPending = options.maxPending ?? 20_000;
  const repeatWindowMs = options.repeatWindowMs ?? 60_000;
  const delayMs = options.delayMs ?? 100;
  const now = options.now ?? Date.now;
  const writer = createDecisionWriter(options.sqlite);
  // Rows per transaction stay small enough that RADIUS never waits long for one commit.
  const submitAt = 2_000;
  let inserts: TraceRow[] = [];
  let updates: TraceRow[] = [];
  let submitted = false;
  let timer: NodeJS.Timeout | undefined;
  let dropped = 0;

  const drop = (rows: number, err?: Error) => {
    dropped += rows;
    options.onDropped?.(rows, err);
  };

  const replyText = (reply: Buffer): string | null => {
    if (reply.length === 0) return null;
    const shown = describeAttributes(reply, dictionary).filter((row) => !SECRET_ATTRIBUTES.has(row.name) && (dictionary.byName(row.name)?.encrypt ?? 0) === 0);
    return shown.length === 0 ? null : shown.map((row) => `${row.name}=${row.value}`).join('; ');
  };

  const detailOf = (row: TraceRow): DecisionDetail | null => {
    const base = row.input.detail;
    if (row.repeats < 2) return base ?? null;
    return { ...base, repeats: row.repeats, lastAt: row.lastAt };
  };

  /** A new row's values, made when its first decision arrives (the reply has already left). */
  const inputOf = (d: PendingDecision): DecisionInput => {
    let request = d.request;
    let username = d.username;
    let customerId = d.customerId;
    // An unknown router's datagram was never decoded on the RADIUS path.
    if (!request && d.datagram) {
      try {
        request = decodePacket(d.datagram, dictionary);
        username = (readText(request, a.userName) ?? '').trim();
        customerId = (username && options.customerOf?.(username)) || null;
      } catch {
        request = undefined;
      }
    }
    const callingStation = request && readText(request, a.callingStationId);
    return {
      at: d.at,
      nasId: d.nasId,
      nasIp: d.nasIp,
      username,
      mac: (callingStation && normaliseMac(callingStation)) ?? null,
      customerId,
      result: d.result,
      reason: d.reason,
      detail: d.detail ?? null,
      reply: d.reply ? replyText(d.reply) : null,
    };
  };

  const rowOf = (row: TraceRow): DecisionInput => ({ ...row.input, detail: detailOf(row) });

  /** Empties the queues: the next change submits a new item. */
  const take = () => {
    const taken = { inserts, updates };
    inserts = [];
    updates = [];
    submitted = false;
    return taken;
  };

  /** One group-commit item writes the new rows and the closed rows' counts queued when it runs. */
  const submit = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    submitted = true;
    let work: { inserts: TraceRow[]; updates: TraceRow[]; rows: DecisionInput[]; counts: number[] } | undefined;
    commit.submit(
      () => {
        // A batch that failed is replayed record by record: the same rows, taken once.
        if (!work) {
          const taken = take();
          work = { ...taken, rows: taken.inserts.map(rowOf), counts: taken.inserts.map((r) => r.repeats) };
        }
        const ids = writer.insert(work.rows);
        work.inserts.forEach((row, i) => {
          row.id = ids[i];
          row.written = work!.counts[i]!;
        });
        for (const row of work.updates) {
          writer.setDetail(row.id!, detailOf(row) ?? {});
          row.written = row.repeats;
        }
      },
      (err) => {
        if (!err) return;
        // The transaction failed, before or after this item ran: its rows are given up, not retried forever.
        const lost = work ?? take();
        for (const row of lost.inserts) row.id = undefined;
        drop(lost.inserts.length, err);
      },
    );
  };

  const schedule = () => {
    if (submitted) return;
    // A batch is forming this turn (accounting): ride it. Otherwise wait a little for one.
    if (commit.pending > 0 || inserts.length >= submitAt || delayMs === 0) submit();
    else if (!timer) {
      timer = setTimeout(submit, delayMs);
      timer.unref();
    }
  };

  // Rows with their repeats still counted, by User-Name (whose hash the subscriber lookup has
  // already computed): a repeated decision costs a Map read and a few comparisons.
  const open = new Map<string, TraceRow[]>();
  let openRows = 0;
  /** In first-seen order, for closing the oldest first; rows before `head` are closed already. */
  let byAge: TraceRow[] = [];
  let head = 0;

  /** The row's minute is over: its count goes to the database with the next item. */
  const close = (row: TraceRow) => {
    const rows = open.get(row.username);
    const at = rows ? rows.indexOf(row) : -1;
    if (at < 0) return;
    if (rows!.length === 1) open.delete(row.username);
    else rows!.splice(at, 1);
    openRows--;
    if (row.id !== undefined && row.repeats > row.written) {
      updates.push(row);
      schedule();
    }
  };

  const closeOlderThan = (cutoff: number) => {
    while (head < byAge.length) {
      const row = byAge[head]!;
      if (row.input.at > cutoff && openRows <= OPEN_ROWS_KEPT) break;
      close(row);
      head++;
    }
    // Moving the head keeps a full memory's worth of open rows from costing a copy per packet;
    // the closed front is dropped once it is most of the array.
    if (head > 1024 && head * 2 > byAge.length) {
      byAge = byAge.slice(head);
      head = 0;
    }
  };
  let unknownNasMinute = 0;
  let unknownNasRows = 0;

  // Rows whose minute is over are closed a few times a minute.
  const sweeper = setInterval(() => closeOlderThan(now() - repeatWindowMs), Math.max(1000, repeatWindowMs / 4));
  sweeper.unref();

  /** Whether the raw Calling-Station-Id is `text`, without making a string of it. */
  const sameDevice = (raw: Buffer | undefined, text: string) => {
    if (raw === undefined) return text === '';
    if (raw.length !== text.length) return false;
    for (let i = 0; i < raw.length; i++) if (raw[i] !== text.charCodeAt(i)) return false;
    return true;
  };

  /** Shallow: details are a few numbers and words (the method, a limit, an expiry). */
  const sameDetail = (x: DecisionDetail | null | undefined, y: DecisionDetail | null | undefined) => {
    if (!x || !y) return !x && !y;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) if (x[key] !== y[key]) return false;
    return true;
  };

  const repeat: DecisionSink['repeat'] = (at, nasId, nasIp, username, result, reason, detail, request) => {
    const rows = open.get(username);
    if (!rows) return false;
    const raw = request ? readRaw(request, a.callingStationId) : undefined;
    for (const known of rows) {
      if (known.nasId !== nasId || known.reason !== reason || known.result !== result || known.nasIp !== nasIp || !sameDevice(raw, known.device) || !sameDetail(detail, known.input.detail)) continue;
      if (at - known.input.at >= repeatWindowMs) {
        // Its minute is over: the decision starts a new row.
        close(known);
        return false;
      }
      known.repeats++;
      known.lastAt = at;
      return true;
    }
    return false;
  };

  const record = (decision: PendingDecision) => {
    if (repeat(decision.at, decision.nasId, decision.nasIp, decision.username, decision.result, decision.reason, decision.detail, decision.request)) return;
    if (inserts.length >= maxPending) return drop(1);
    const raw = decision.request ? readRaw(decision.request, a.callingStationId) : undefined;
    const row: TraceRow = {
      nasId: decision.nasId,
      nasIp: decision.nasIp,
      username: decision.username,
      device: raw ? raw.toString('latin1') : '',
      result: decision.result,
      reason: decision.reason,
      input: inputOf(decision),
      repeats: 1,
      lastAt: decision.at,
      written: 0,
    };
    const same = open.get(row.username);
    if (same) same.push(row);
    else open.set(row.username, [row]);
    openRows++;
    byAge.push(row);
    if (openRows > OPEN_ROWS_KEPT) closeOlderThan(Number.NEGATIVE_INFINITY);
    inserts.push(row);
    schedule();
  };

  return {
    repeat,
    record,
    flush() {
      closeOlderThan(Number.POSITIVE_INFINITY);
      if (!submitted && inserts.length + updates.length > 0) submit();
    },
    ignored(event) {
      if (!isIgnoredReason(event.reason)) return;
      const at = now();
      const username = event.packet ? (readText(event.packet, a.userName) ?? '').trim() : '';
      const detail = event.client ? { router: event.client.name } : undefined;
      const nasId = event.client?.id ?? null;
      if (repeat(at, nasId, event.source, username, 'ignored', event.reason, detail, event.packet)) return;
      if (event.reason === 'unknown_nas') {
        const minute = Math.floor(at / 60_000);
        if (minute !== unknownNasMinute) {
          unknownNasMinute = minute;
          unknownNasRows = 0;
        }
        if (++unknownNasRows > UNKNOWN_NAS_ROWS_PER_MINUTE) return drop(1);
      }
      record({
        at,
        nasId,
        nasIp: event.source,
        username,
        customerId: (username && options.customerOf?.(username)) || null,
        result: 'ignored',
        reason: event.reason,
        detail,
        request: event.packet,
        datagram: event.packet ? undefined : event.datagram,
      });
    },
    get pending() {
      return inserts.length;
    },
    get dropped() {
      return dropped;
    },
  };
}
