import { and, desc, eq, gte, inArray, isNotNull, isNull, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Connection, Db, Sqlite } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { nas, sessions, usageCustomerDays, usageDaily, usageUserDays } from '../db/schema/aaa.js';
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

// SQLite's two-argument max(a, b) / min(a, b) are only aggregates in PostgreSQL: written as CASE
// so both read them. The columns they take are NOT NULL, so SQLite's NULL-if-any-NULL never applied.
const larger = (a: SQLWrapper, b: SQL) => sql`CASE WHEN ${a} >= ${b} THEN ${a} ELSE ${b} END`;
const smaller = (a: SQLWrapper, b: SQL) => sql`CASE WHEN ${a} <= ${b} THEN ${a} ELSE ${b} END`;

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

interface DayTraffic {
  down: number;
  up: number;
}

/**
 * The single writer of the sessions and usage tables. Counters are cumulative per session, so
 * the upsert keeps the larger of stored and incoming values: a retransmitted, delayed or
 * reordered packet can never lower them, and a Stop, once recorded, is never undone by a late
 * Interim-Update. Usage gets only what a packet adds beyond the session's previous maximum, so
 * duplicates, replays after a restart and reordering add nothing.
 *
 * The same deltas feed the daily roll-up (usage_daily per router, usage_user_days per account,
 * usage_customer_days per known customer) on the day each packet arrives in `zone`. They are
 * summed in memory and written once per key at the end of the transaction that holds the
 * session rows (flushDailyUsage, the group commit's beforeCommit), so a group commit of 2000
 * packets costs one upsert per router and per customer heard from, and a crash keeps both or
 * neither.
 */
export function createSessionWriter(
  { db, sqlite }: Pick<Connection, 'db' | 'sqlite'>,
  options: {
    /** The operator's zone: usage_daily's days are its calendar days. */
    zone?: string;
    /** Arrival time of the packet being recorded (tests move it across midnight). */
    clock?: () => number;
    /**
     * Other nodes write this database too (several daemons on PostgreSQL): a router may send a
     * session's packets, or a customer's other device, to any of them, so what this process
     * wrote is not all there is. The mirror is then not trusted: every packet and login reads
     * the session's and the customer's figures from disk, inside the write's transaction.
     */
    shared?: boolean;
  } = {},
) {
  const zone = options.zone ?? 'UTC';
  const shared = options.shared === true;
  const clock = options.clock ?? Date.now;
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
        startedAt: smaller(sessions.startedAt, sql`excluded.started_at`),
        updatedAt: larger(sessions.updatedAt, sql`excluded.updated_at`),
        stoppedAt: sql`coalesce(${sessions.stoppedAt}, excluded.stopped_at)`,
        sessionTime: larger(sessions.sessionTime, sql`excluded.session_time`),
        inputOctets: larger(sessions.inputOctets, sql`excluded.input_octets`),
        outputOctets: larger(sessions.outputOctets, sql`excluded.output_octets`),
        inputPackets: larger(sessions.inputPackets, sql`excluded.input_packets`),
        outputPackets: larger(sessions.outputPackets, sql`excluded.output_packets`),
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
  const addUsageQuery = () =>
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
          updatedAt: larger(usage.updatedAt, sql`excluded.updated_at`),
        },
      });
  const addUsage = compileStatement(sqlite, addUsageQuery());
  // Shared: the period's totals after the addition come back from the write itself (no second
  // round trip), and include what other nodes added.
  const addUsageReturning = compileStatement(sqlite, addUsageQuery().returning({ input: usage.inputOctets, output: usage.outputOctets, seconds: usage.onlineSeconds }));
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
  // ahead of the disk. Usage is written only here; sessions are also closed outside this writer
  // (`lango router sync` runs in its own process and closes those the router forgot), so the
  // open-session count can be stale: usageNow asks the disk before it would refuse a login.
  const sessionMax = new Map<string, SessionMaxima>();
  const customerLive = new Map<number, CustomerLive>();
  const MIRROR_LIMIT = 200_000;

  const maximaOf = (key: { nasId: number; acctSessionId: string; username: string }, mapKey: string): SessionMaxima | undefined => {
    const known = shared ? undefined : sessionMax.get(mapKey);
    if (known) return known;
    const row = previous.get(key);
    return row && { input: row.inputOctets, output: row.outputOctets, seconds: row.sessionTime, customerId: row.customerId, periodStart: row.periodStart };
  };
  // Shared: a customer's period figures and open sessions in one statement, since on PostgreSQL
  // each statement is a round trip to the server, on the Access-Request path.
  const figuresOnDisk = shared
    ? sqlite.prepare(
        `SELECT COALESCE((SELECT input_octets FROM usage WHERE customer_id = ? AND period_start = ?), 0) AS input,
           COALESCE((SELECT output_octets FROM usage WHERE customer_id = ? AND period_start = ?), 0) AS output,
           COALESCE((SELECT online_seconds FROM usage WHERE customer_id = ? AND period_start = ?), 0) AS seconds,
           (SELECT COUNT(*) FROM sessions WHERE customer_id = ? AND stopped_at IS NULL AND updated_at > ?) AS open`,
      )
    : undefined;
  const figuresOf = (customerId: number, periodStart: number, staleBefore: number) =>
    figuresOnDisk!.get(customerId, periodStart, customerId, periodStart, customerId, periodStart, customerId, staleBefore) as { input: number; output: number; seconds: number; open: number };
  const liveOf = (customerId: number, periodStart: number): CustomerLive => {
    const known = shared ? undefined : customerLive.get(customerId);
    if (known && known.periodStart === periodStart) return known;
    const used = usageRow.get({ customerId, periodStart });
    const live: CustomerLive = {
      periodStart,
      input: used?.input ?? 0,
      output: used?.output ?? 0,
      seconds: used?.seconds ?? 0,
      open: new Map(openOfCustomer.all({ customerId }).map((o) => [o.id, o.updatedAt])),
    };
    if (shared) return live;
    if (customerLive.size >= MIRROR_LIMIT) customerLive.clear();
    customerLive.set(customerId, live);
    return live;
  };


  // The daily roll-up. Today's bounds come from luxon once a day (DST makes days 23 or 25 hours
  // long), not per packet. Accounts already counted today are remembered, so a user-day is
  // inserted once per process per day rather than once per packet.
  const addDaily = compileStatement(
    sqlite,
    db
      .insert(usageDaily)
      .values({ day: sql.placeholder('day'), nasId: sql.placeholder('nasId'), bytesDown: sql.placeholder('down'), bytesUp: sql.placeholder('up') })
      .onConflictDoUpdate({
        target: [usageDaily.day, usageDaily.nasId],
        set: { bytesDown: sql`${usageDaily.bytesDown} + excluded.bytes_down`, bytesUp: sql`${usageDaily.bytesUp} + excluded.bytes_up` },
      }),
  );
  const addUserDay = compileStatement(
    sqlite,
    db.insert(usageUserDays).values({ day: sql.placeholder('day'), user: sql.placeholder('user') }).onConflictDoNothing(),
  );
  const addCustomerDay = compileStatement(
    sqlite,
    db
      .insert(usageCustomerDays)
      .values({ customerId: sql.placeholder('customerId'), day: sql.placeholder('day'), bytesDown: sql.placeholder('down'), bytesUp: sql.placeholder('up') })
      .onConflictDoUpdate({
        target: [usageCustomerDays.customerId, usageCustomerDays.day],
        set: { bytesDown: sql`${usageCustomerDays.bytesDown} + excluded.bytes_down`, bytesUp: sql`${usageCustomerDays.bytesUp} + excluded.bytes_up` },
      }),
  );
  let today = { day: '', start: 0, end: -Infinity };
  const customersToday = new Set<number>();
  const namesToday = new Set<string>();
  /** Not yet written: day -> NAS id -> bytes, day -> customer id -> bytes, and [day, user] pairs. */
  const pendingTraffic = new Map<string, Map<number, DayTraffic>>();
  const pendingCustomers = new Map<string, Map<number, DayTraffic>>();
  const pendingUsers: Array<[string, string]> = [];

  const dayNow = (): string => {
    const now = clock();
    if (now >= today.end || now < today.start) {
      const start = DateTime.fromMillis(now, { zone }).startOf('day');
      today = { day: start.toISODate()!, start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
      customersToday.clear();
      namesToday.clear();
    }
    return today.day;
  };
  const addTo = (sums: Map<number, DayTraffic>, id: number, down: number, up: number) => {
    const known = sums.get(id);
    if (known) {
      known.down += down;
      known.up += up;
    } else sums.set(id, { down, up });
  };
  const stageDaily = (nasId: number, customerId: number | null, username: string, down: number, up: number) => {
    const day = dayNow();
    if (customerId !== null) {
      if (!customersToday.has(customerId)) {
        customersToday.add(customerId);
        pendingUsers.push([day, String(customerId)]);
      }
    } else if (!namesToday.has(username)) {
      // Bounded like the mirrors: a router sending millions of made-up names must not grow the
      // daemon. Forgetting only costs repeat inserts, which the table ignores.
      if (namesToday.size >= MIRROR_LIMIT) namesToday.clear();
      namesToday.add(username);
      pendingUsers.push([day, `u:${username}`]);
    }
    if (down === 0 && up === 0) return;
    let byNas = pendingTraffic.get(day);
    if (!byNas) pendingTraffic.set(day, (byNas = new Map()));
    addTo(byNas, nasId, down, up);
    if (customerId === null) return;
    let byCustomer = pendingCustomers.get(day);
    if (!byCustomer) pendingCustomers.set(day, (byCustomer = new Map()));
    addTo(byCustomer, customerId, down, up);
  };
  const flushDaily = () => {
    for (const [day, byNas] of pendingTraffic) for (const [nasId, { down, up }] of byNas) addDaily.run({ day, nasId, down, up });
    for (const [day, byCustomer] of pendingCustomers) for (const [customerId, { down, up }] of byCustomer) addCustomerDay.run({ customerId, day, down, up });
    for (const [day, user] of pendingUsers) addUserDay.run({ day, user });
    pendingTraffic.clear();
    pendingCustomers.clear();
    pendingUsers.length = 0;
  };
  /** What was staged did not reach the disk; whom we think we counted today may not have either. */
  const dropDaily = () => {
    pendingTraffic.clear();
    pendingCustomers.clear();
    pendingUsers.length = 0;
    customersToday.clear();
    namesToday.clear();
  };

  const closeOpen = db
    .update(sessions)
    .set({
      stoppedAt: sql.placeholder('at') as unknown as number,
      updatedAt: larger(sessions.updatedAt, sql`${sql.placeholder('at')}`),
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
      // Never negative: a retransmitted or reordered packet with smaller totals adds nothing.
      const addedInput = Math.max(0, input - (before?.input ?? 0));
      const addedOutput = Math.max(0, output - (before?.output ?? 0));
      stageDaily(r.nasId, counted?.customerId ?? null, r.username, addedOutput, addedInput);
      if (r.stop) sessionMax.delete(mapKey);
      else if (!shared) {
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
        input: addedInput,
        output: addedOutput,
        seconds: Math.max(0, r.sessionTime - (before?.seconds ?? 0)),
      };
      if (added.input === 0 && added.output === 0 && added.seconds === 0) return null;
      const after = shared ? (addUsageReturning.get({ ...counted, ...added, at: r.eventTime }) as { input_octets: number; output_octets: number; online_seconds: number }) : undefined;
      if (!shared) addUsage.run({ ...counted, ...added, at: r.eventTime });
      // A customer not yet mirrored is read after the write, so the delta is in what is read.
      const totals = tracked ?? (after ? { input: after.input_octets, output: after.output_octets, seconds: after.online_seconds } : liveOf(counted.customerId, counted.periodStart));
      if (tracked) {
        tracked.input += added.input;
        tracked.output += added.output;
        tracked.seconds += added.seconds;
      }
      return { sessionId: row.id, owner: counted, added, totals: { input: totals.input, output: totals.output, seconds: totals.seconds } };
    },
    /**
     * What Access-Request policy needs about a customer, from the mirror: period usage and the
     * open sessions that reported after `staleBefore`. `openLimit` is the customer's
     * simultaneous-use limit: only when the mirror's count would refuse the login are the open
     * sessions read again from disk.
     */
    usageNow(customerId: number, periodStart: number, staleBefore: number, openLimit = 1): UsageNow {
      if (shared) {
        const figures = figuresOf(customerId, periodStart, staleBefore);
        return { input: figures.input, output: figures.output, seconds: figures.seconds, openSessions: figures.open };
      }
      const live = liveOf(customerId, periodStart);
      const count = () => {
        let n = 0;
        for (const updatedAt of live.open.values()) if (updatedAt > staleBefore) n++;
        return n;
      };
      let openSessions = count();
      // A session the router forgot may have been closed outside this writer (`lango router
      // sync` runs in its own process): before refusing on it, ask the disk.
      if (openSessions >= openLimit) {
        live.open = new Map(openOfCustomer.all({ customerId }).map((o) => [o.id, o.updatedAt]));
        openSessions = count();
      }
      return { input: live.input, output: live.output, seconds: live.seconds, openSessions };
    },
    /** The mirror may be ahead of the disk: a transaction rolled back. Start again from disk. */
    forget(): void {
      sessionMax.clear();
      customerLive.clear();
      dropDaily();
    },
    /**
     * Writes the roll-up staged by the records since the last call: the group commit's
     * beforeCommit, so it commits or rolls back with the session rows it came from (forget()
     * drops it on a rollback). Callers recording outside a group commit (tests, tools) call it
     * themselves.
     */
    flushDailyUsage(): void {
      flushDaily();
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
  return db
    .update(sessions)
    .set({ stoppedAt: now, terminateCause: 'Lango-Stale' })
    .where(staleOpen(now, defaultInterimSeconds, graceSeconds))
    .run().changes;
}

/**
 * Closes the router's open sessions `ids` that its own list (RouterOS API) no longer shows: the
 * Stop was lost. Only sessions with no sign of life after `quietSince` (start or last update),
 * so a Start or Interim in flight while the router was asked is never closed.
 */
export function closeSessionsGoneFromRouter(db: Db, nasId: number, ids: readonly number[], quietSince: number, now: number): number {
  if (ids.length === 0) return 0;
  return db
    .update(sessions)
    .set({ stoppedAt: now, terminateCause: 'Lango-Router-Sync' })
    .where(and(eq(sessions.nasId, nasId), inArray(sessions.id, [...ids]), isNull(sessions.stoppedAt), lt(sessions.startedAt, quietSince), lt(sessions.updatedAt, quietSince)))
    .run().changes;
}

/** The terminate cause of a session staff closed from the "Why?" screen after the router went silent on it. */
export const SILENT_CLOSED_CAUSE = 'Lango-Stale-Closed';

/**
 * Staff close one open session the router has gone silent on: lost without a Stop, it would
 * hold a simultaneous-use place until closeStaleSessions reaches it. Only if it is still open
 * and has reported nothing since `silentSince`, so a session that has just spoken again is left
 * alone. The accounting writer's mirror still counts it, and reads the disk before refusing on it.
 */
export function closeSilentSession(db: Db, id: number, silentSince: number, now: number): boolean {
  return (
    db
      .update(sessions)
      .set({ stoppedAt: now, terminateCause: SILENT_CLOSED_CAUSE })
      .where(and(eq(sessions.id, id), isNull(sessions.stoppedAt), lt(sessions.updatedAt, silentSince)))
      .run().changes === 1
  );
}

function staleOpen(now: number, defaultInterimSeconds: number, graceSeconds: number): SQL {
  const interim = sql`coalesce((SELECT p.interim_interval_seconds FROM subscriptions s JOIN plans p ON p.id = s.plan_id WHERE s.customer_id = ${sessions.customerId}), ${defaultInterimSeconds})`;
  return and(isNull(sessions.stoppedAt), sql`${sessions.updatedAt} < ${now} - 1000 * (3 * ${interim} + ${graceSeconds})`)!;
}

/**
 * For the start-up report after an unclean stop: sessions still open, and how many of them
 * are already past the stale limit (closeStaleSessions closes those on its next pass).
 */
export function openAndStaleSessions(db: Db, now: number, defaultInterimSeconds: number, graceSeconds: number): { open: number; stale: number } {
  const open = db.select({ n: sql<number>`count(*)` }).from(sessions).where(isNull(sessions.stoppedAt)).get()?.n ?? 0;
  const stale = db.select({ n: sql<number>`count(*)` }).from(sessions).where(staleOpen(now, defaultInterimSeconds, graceSeconds)).get()?.n ?? 0;
  return { open, stale };
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

export interface SessionFilter {
  /** Open sessions only (live). */
  active?: boolean;
  /** Closed sessions only (history). */
  ended?: boolean;
  username?: string;
  nasId?: number;
  /** Framed-IP-Address, exactly. */
  ip?: string;
  /** Calling-Station-Id (the device's MAC), as the router sent it or in any usual spelling. */
  mac?: string;
  /** Started at or after (ms). */
  from?: number;
  /** Started before (ms). */
  to?: number;
  limit?: number;
  offset?: number;
}

/**
 * Sessions newest first, a page at a time. Live sessions by user or router come from the
 * partial indexes on open sessions; history walks sessions_started newest first, stopping at
 * the page's end, so a page costs what it shows plus what the filters skip.
 */
export function listSessions(db: Db, options: SessionFilter = {}): SessionView[] {
  const macs = options.mac === undefined ? undefined : macSpellings(options.mac);
  const where = and(
    options.active ? isNull(sessions.stoppedAt) : undefined,
    options.ended ? isNotNull(sessions.stoppedAt) : undefined,
    options.username === undefined ? undefined : eq(sessions.username, options.username),
    options.nasId === undefined ? undefined : eq(sessions.nasId, options.nasId),
    options.ip === undefined ? undefined : eq(sessions.framedIp, options.ip),
    macs === undefined ? undefined : inArray(sql`upper(${sessions.callingStationId})`, macs),
    options.from === undefined ? undefined : gte(sessions.startedAt, options.from),
    options.to === undefined ? undefined : lt(sessions.startedAt, options.to),
  );
  return listSessionsWhere(db, where, options.limit ?? 1000, options.offset ?? 0);
}

/** Routers send a MAC as AA-BB-CC-…, aa:bb:cc:… or AABB.CC…: every spelling of the one typed, upper-cased. */
export function macSpellings(mac: string): string[] {
  const hex = mac.toUpperCase().replace(/[^0-9A-F]/g, '');
  if (hex.length !== 12) return [mac.trim().toUpperCase()];
  const pairs = hex.match(/../g)!;
  return [pairs.join(':'), pairs.join('-'), hex, `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`];
}

function listSessionsWhere(db: Db, where: SQL | undefined, limit: number, offset = 0): SessionView[] {
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
    .offset(offset)
    .all();
}

/**
 * A customer's sessions, newest first, at most `limit` (sessions_by_customer, or the partial
 * index of open ones): MAC logins included, whose User-Name is the MAC.
 */
export function sessionsOfCustomer(db: Db, customerId: number, limit: number, options: { open?: boolean } = {}): SessionView[] {
  return listSessionsWhere(db, and(eq(sessions.customerId, customerId), options.open ? isNull(sessions.stoppedAt) : undefined), limit);
}

export function findOpenSession(db: Db, id: number): SessionView | undefined {
  return listSessionsWhere(db, and(eq(sessions.id, id), isNull(sessions.stoppedAt)), 1)[0];
}
