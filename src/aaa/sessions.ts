import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Connection, Db } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { nas, sessions } from '../db/schema/aaa.js';
import { usage } from '../db/schema/billing.js';
import type { UsageNow } from './usage.js';

/** One accounting event reduced to what the sessions table keeps. Times are UTC ms. */
export interface AccountingRecord {
  nasId: number;
  acctSessionId: string;
  username: string;
  eventTime: number;
  /** Seconds online according to the NAS; 0 on Start. */
  sessionTime: number;
  inputOctets: number;
  outputOctets: number;
  inputPackets: number;
  outputPackets: number;
  framedIp: string | null;
  callingStationId: string | null;
  calledStationId: string | null;
  nasPortId: string | null;
  /** Set on Stop only. */
  stop: { cause: string } | null;
  /** Whether the NAS sent Acct-*-Gigawords: without them a 32-bit counter can wrap. */
  gigawords: boolean;
}

/** Whose usage a session counts into: the customer and the plan period it began in. */
export interface UsageOwner {
  customerId: number;
  periodStart: number;
}

/** What one accounting packet added, and the period totals after it, for enforcement. */
export interface UsageChange {
  sessionId: number;
  owner: UsageOwner;
  added: { input: number; output: number; seconds: number };
  totals: { input: number; output: number; seconds: number };
}

const WRAP = 2 ** 32;

interface SessionMaxima {
  input: number;
  output: number;
  seconds: number;
  customerId: number | null;
  periodStart: number | null;
}

interface CustomerLive {
  periodStart: number;
  input: number;
  output: number;
  seconds: number;
  /** Open session row id -> its last accounting time. */
  open: Map<number, number>;
}

/**
 * A counter that went down is either a late packet (ignore it) or a 32-bit counter that
 * wrapped on a NAS sending no Gigawords (add the wraps back). A fall of more than half the
 * 32-bit range can only be a wrap.
 */
export function unwrapCounter(previous: number, incoming: number, gigawords: boolean): number {
  if (incoming >= previous || gigawords || previous - incoming <= WRAP / 2) return incoming;
  return incoming + Math.ceil((previous - incoming) / WRAP) * WRAP;
}

/**
 * The single writer of the sessions and usage tables. Counters are cumulative per session, so
 * the upsert keeps the larger of stored and incoming values: a retransmitted, delayed or
 * reordered packet can never lower them, and a Stop, once recorded, is never undone by a late
 * Interim-Update. Usage gets only what a packet adds beyond the session's previous maximum, so
 * duplicates, replays after a restart and reordering add nothing.
 */
export function createSessionWriter({ db, sqlite }: Pick<Connection, 'db' | 'sqlite'>) {
  const upsert = compileStatement(
    sqlite,
    db
    .insert(sessions)
    .values({
      nasId: sql.placeholder('nasId'),
      acctSessionId: sql.placeholder('acctSessionId'),
      username: sql.placeholder('username'),
      startedAt: sql.placeholder('startedAt'),
      updatedAt: sql.placeholder('eventTime'),
      stoppedAt: sql.placeholder('stoppedAt'),
      sessionTime: sql.placeholder('sessionTime'),
      inputOctets: sql.placeholder('inputOctets'),
      outputOctets: sql.placeholder('outputOctets'),
      inputPackets: sql.placeholder('inputPackets'),
      outputPackets: sql.placeholder('outputPackets'),
      framedIp: sql.placeholder('framedIp'),
      callingStationId: sql.placeholder('callingStationId'),
      calledStationId: sql.placeholder('calledStationId'),
      nasPortId: sql.placeholder('nasPortId'),
      terminateCause: sql.placeholder('terminateCause'),
      customerId: sql.placeholder('customerId'),
      periodStart: sql.placeholder('periodStart'),
    })
    .onConflictDoUpdate({
      target: [sessions.nasId, sessions.acctSessionId, sessions.username],
      set: {
        startedAt: sql`min(${sessions.startedAt}, excluded.started_at)`,
        updatedAt: sql`max(${sessions.updatedAt}, excluded.updated_at)`,
        stoppedAt: sql`coalesce(${sessions.stoppedAt}, excluded.stopped_at)`,
        sessionTime: sql`max(${sessions.sessionTime}, excluded.session_time)`,
        inputOctets: sql`max(${sessions.inputOctets}, excluded.input_octets)`,
        outputOctets: sql`max(${sessions.outputOctets}, excluded.output_octets)`,
        inputPackets: sql`max(${sessions.inputPackets}, excluded.input_packets)`,
        outputPackets: sql`max(${sessions.outputPackets}, excluded.output_packets)`,
        framedIp: sql`coalesce(excluded.framed_ip, ${sessions.framedIp})`,
        callingStationId: sql`coalesce(${sessions.callingStationId}, excluded.calling_station_id)`,
        calledStationId: sql`coalesce(${sessions.calledStationId}, excluded.called_station_id)`,
        nasPortId: sql`coalesce(${sessions.nasPortId}, excluded.nas_port_id)`,
        terminateCause: sql`coalesce(${sessions.terminateCause}, excluded.terminate_cause)`,
        customerId: sql`coalesce(${sessions.customerId}, excluded.customer_id)`,
        periodStart: sql`coalesce(${sessions.periodStart}, excluded.period_start)`,
      },
    })
    .returning({ id: sessions.id }),
  );
  // Reads go through drizzle's own prepared queries, which map column names to fields.
  const previous = db
    .select({
      inputOctets: sessions.inputOctets,
      outputOctets: sessions.outputOctets,
      sessionTime: sessions.sessionTime,
      customerId: sessions.customerId,
      periodStart: sessions.periodStart,
    })
    .from(sessions)
    .where(
      and(
        eq(sessions.nasId, sql.placeholder('nasId')),
        eq(sessions.acctSessionId, sql.placeholder('acctSessionId')),
        eq(sessions.username, sql.placeholder('username')),
      ),
    )
    .prepare();
  const addUsage = compileStatement(
    sqlite,
    db
      .insert(usage)
      .values({
        customerId: sql.placeholder('customerId'),
        periodStart: sql.placeholder('periodStart'),
        inputOctets: sql.placeholder('input'),
        outputOctets: sql.placeholder('output'),
        onlineSeconds: sql.placeholder('seconds'),
        updatedAt: sql.placeholder('at'),
      })
      .onConflictDoUpdate({
        target: [usage.customerId, usage.periodStart],
        set: {
          inputOctets: sql`${usage.inputOctets} + excluded.input_octets`,
          outputOctets: sql`${usage.outputOctets} + excluded.output_octets`,
          onlineSeconds: sql`${usage.onlineSeconds} + excluded.online_seconds`,
          updatedAt: sql`max(${usage.updatedAt}, excluded.updated_at)`,
        },
      }),
  );
  const usageRow = db
    .select({ input: usage.inputOctets, output: usage.outputOctets, seconds: usage.onlineSeconds })
    .from(usage)
    .where(and(eq(usage.customerId, sql.placeholder('customerId')), eq(usage.periodStart, sql.placeholder('periodStart'))))
    .prepare();
  const openOfCustomer = db
    .select({ id: sessions.id, updatedAt: sessions.updatedAt })
    .from(sessions)
    .where(and(eq(sessions.customerId, sql.placeholder('customerId')), isNull(sessions.stoppedAt)))
    .prepare();

  // The mirror: what this writer has put on disk, kept in memory so the Access-Request path
  // and the next accounting packet need no query. Filled from the database on a miss, updated
  // by each write, and emptied whenever a transaction rolls back (forget()), so it is never
  // ahead of the disk. Nothing else writes sessions or usage, so nothing else can make it stale.
  const sessionMax = new Map<string, SessionMaxima>();
  const customerLive = new Map<number, CustomerLive>();
  const MIRROR_LIMIT = 200_000;

  const maximaOf = (key: { nasId: number; acctSessionId: string; username: string }, mapKey: string): SessionMaxima | undefined => {
    const known = sessionMax.get(mapKey);
    if (known) return known;
    const row = previous.get(key);
    return row && { input: row.inputOctets, output: row.outputOctets, seconds: row.sessionTime, customerId: row.customerId, periodStart: row.periodStart };
  };
  const liveOf = (customerId: number, periodStart: number): CustomerLive => {
    const known = customerLive.get(customerId);
    if (known && known.periodStart === periodStart) return known;
    const used = usageRow.get({ customerId, periodStart });
    const live: CustomerLive = {
      periodStart,
      input: used?.input ?? 0,
      output: used?.output ?? 0,
      seconds: used?.seconds ?? 0,
      open: new Map(openOfCustomer.all({ customerId }).map((o) => [o.id, o.updatedAt])),
    };
    if (customerLive.size >= MIRROR_LIMIT) customerLive.clear();
    customerLive.set(customerId, live);
    return live;
  };


  const closeOpen = db
    .update(sessions)
    .set({
      stoppedAt: sql.placeholder('at') as unknown as number,
      updatedAt: sql`max(${sessions.updatedAt}, ${sql.placeholder('at')})`,
      terminateCause: sql.placeholder('cause') as unknown as string,
    })
    .where(and(eq(sessions.nasId, sql.placeholder('nasId')), isNull(sessions.stoppedAt)))
    .prepare();

  return {
    /**
     * Writes one Start/Interim/Stop. `owner` says whose usage a new session counts into (the
     * session keeps the first owner it was given). Returns what was added, or null when the
     * packet added nothing or belongs to nobody Lango knows.
     */
    record(r: AccountingRecord, owner: UsageOwner | null): UsageChange | null {
      const key = { nasId: r.nasId, acctSessionId: r.acctSessionId, username: r.username };
      const mapKey = `${r.nasId}|${r.acctSessionId}|${r.username}`;
      const before = maximaOf(key, mapKey);
      const input = unwrapCounter(before?.input ?? 0, r.inputOctets, r.gigawords);
      const output = unwrapCounter(before?.output ?? 0, r.outputOctets, r.gigawords);
      const row = upsert.get({
        ...key,
        // An Interim or Stop whose Start was lost still tells us when the session began.
        startedAt: r.eventTime - r.sessionTime * 1000,
        eventTime: r.eventTime,
        stoppedAt: r.stop ? r.eventTime : null,
        sessionTime: r.sessionTime,
        inputOctets: input,
        outputOctets: output,
        inputPackets: r.inputPackets,
        outputPackets: r.outputPackets,
        framedIp: r.framedIp,
        callingStationId: r.callingStationId,
        calledStationId: r.calledStationId,
        nasPortId: r.nasPortId,
        terminateCause: r.stop?.cause ?? null,
        customerId: owner?.customerId ?? null,
        periodStart: owner?.periodStart ?? null,
      }) as { id: number };
      const counted: UsageOwner | null =
        before?.customerId != null && before.periodStart != null ? { customerId: before.customerId, periodStart: before.periodStart } : owner;
      if (r.stop) sessionMax.delete(mapKey);
      else {
        if (sessionMax.size >= MIRROR_LIMIT) sessionMax.clear();
        sessionMax.set(mapKey, {
          input: Math.max(before?.input ?? 0, input),
          output: Math.max(before?.output ?? 0, output),
          seconds: Math.max(before?.seconds ?? 0, r.sessionTime),
          customerId: counted?.customerId ?? null,
          periodStart: counted?.periodStart ?? null,
        });
      }
      if (!counted) return null;

      const live = customerLive.get(counted.customerId);
      // Open sessions belong to the customer whatever period they count into: a session that
      // began before a renewal still holds a device until its Stop.
      if (live) {
        if (r.stop) live.open.delete(row.id);
        else live.open.set(row.id, Math.max(live.open.get(row.id) ?? 0, r.eventTime));
      }
      const tracked = live && live.periodStart === counted.periodStart ? live : undefined;
      const added = {
        input: Math.max(0, input - (before?.input ?? 0)),
        output: Math.max(0, output - (before?.output ?? 0)),
        seconds: Math.max(0, r.sessionTime - (before?.seconds ?? 0)),
      };
      if (added.input === 0 && added.output === 0 && added.seconds === 0) return null;
      addUsage.run({ ...counted, ...added, at: r.eventTime });
      // A customer not yet mirrored is read after the write, so the delta is in what is read.
      const totals = tracked ?? liveOf(counted.customerId, counted.periodStart);
      if (tracked) {
        tracked.input += added.input;
        tracked.output += added.output;
        tracked.seconds += added.seconds;
      }
      return { sessionId: row.id, owner: counted, added, totals: { input: totals.input, output: totals.output, seconds: totals.seconds } };
    },
    /**
     * What Access-Request policy needs about a customer, from the mirror: period usage and the
     * open sessions that reported after `staleBefore`.
     */
    usageNow(customerId: number, periodStart: number, staleBefore: number): UsageNow {
      const live = liveOf(customerId, periodStart);
      let openSessions = 0;
      for (const updatedAt of live.open.values()) if (updatedAt > staleBefore) openSessions++;
      return { input: live.input, output: live.output, seconds: live.seconds, openSessions };
    },
    /** The mirror may be ahead of the disk: a transaction rolled back. Start again from disk. */
    forget(): void {
      sessionMax.clear();
      customerLive.clear();
    },
    /** Sessions silent for too long; see closeStaleSessions. */
    closeStale(now: number, defaultInterimSeconds: number, graceSeconds: number): number {
      const closed = closeStaleSessions(db, now, defaultInterimSeconds, graceSeconds);
      if (closed > 0) customerLive.clear();
      return closed;
    },
    /** Accounting-On/Off: the router rebooted or is going down, so none of its sessions survive. */
    closeNasSessions(nasId: number, at: number, cause: string): number {
      const closed = closeOpen.run({ nasId, at, cause }).changes;
      if (closed > 0) customerLive.clear();
      return closed;
    },
  };
}
export type SessionWriter = ReturnType<typeof createSessionWriter>;

/**
 * Closes open sessions that missed three interim updates and a grace period: the router lost
 * them (power cut, reboot without Accounting-On), and they must stop counting against
 * simultaneous use. The plan's interim interval applies where it has one.
 */
export function closeStaleSessions(db: Db, now: number, defaultInterimSeconds: number, graceSeconds: number): number {
  const interim = sql`coalesce((SELECT p.interim_interval_seconds FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.customer_id = ${sessions.customerId}), ${defaultInterimSeconds})`;
  return db
    .update(sessions)
    .set({ stoppedAt: now, terminateCause: 'Lango-Stale' })
    .where(and(isNull(sessions.stoppedAt), sql`${sessions.updatedAt} < ${now} - 1000 * (3 * ${interim} + ${graceSeconds})`))
    .run().changes;
}

export interface SessionView {
  id: number;
  nas: string;
  acctSessionId: string;
  username: string;
  startedAt: number;
  updatedAt: number;
  stoppedAt: number | null;
  sessionTime: number;
  inputOctets: number;
  outputOctets: number;
  framedIp: string | null;
  callingStationId: string | null;
  terminateCause: string | null;
  customerId: number | null;
}

export function listSessions(db: Db, options: { active?: boolean; limit?: number } = {}): SessionView[] {
  return listSessionsWhere(db, options.active ? isNull(sessions.stoppedAt) : undefined, options.limit ?? 1000);
}

function listSessionsWhere(db: Db, where: SQL | undefined, limit: number): SessionView[] {
  return db
    .select({
      id: sessions.id,
      nas: nas.name,
      acctSessionId: sessions.acctSessionId,
      username: sessions.username,
      startedAt: sessions.startedAt,
      updatedAt: sessions.updatedAt,
      stoppedAt: sessions.stoppedAt,
      sessionTime: sessions.sessionTime,
      inputOctets: sessions.inputOctets,
      outputOctets: sessions.outputOctets,
      framedIp: sessions.framedIp,
      callingStationId: sessions.callingStationId,
      terminateCause: sessions.terminateCause,
      customerId: sessions.customerId,
    })
    .from(sessions)
    .innerJoin(nas, eq(sessions.nasId, nas.id))
    .where(where)
    .orderBy(desc(sessions.startedAt), desc(sessions.id))
    .limit(limit)
    .all();
}

export function findOpenSession(db: Db, id: number): SessionView | undefined {
  return listSessionsWhere(db, and(eq(sessions.id, id), isNull(sessions.stoppedAt)), 1)[0];
}
