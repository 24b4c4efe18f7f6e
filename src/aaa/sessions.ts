import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Connection, Db } from '../db/connection.js';
import { compileStatement } from '../db/compiled-statement.js';
import { nas, sessions } from '../db/schema/aaa.js';

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
}

/**
 * The single writer of the sessions table. Counters are cumulative per session, so the upsert
 * keeps the larger of stored and incoming values: a retransmitted, delayed or reordered packet
 * can never lower them, and a Stop, once recorded, is never undone by a late Interim-Update.
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
      },
    }),
  );

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
    record(r: AccountingRecord): void {
      upsert.run({
        nasId: r.nasId,
        acctSessionId: r.acctSessionId,
        username: r.username,
        // An Interim or Stop whose Start was lost still tells us when the session began.
        startedAt: r.eventTime - r.sessionTime * 1000,
        eventTime: r.eventTime,
        stoppedAt: r.stop ? r.eventTime : null,
        sessionTime: r.sessionTime,
        inputOctets: r.inputOctets,
        outputOctets: r.outputOctets,
        inputPackets: r.inputPackets,
        outputPackets: r.outputPackets,
        framedIp: r.framedIp,
        callingStationId: r.callingStationId,
        calledStationId: r.calledStationId,
        nasPortId: r.nasPortId,
        terminateCause: r.stop?.cause ?? null,
      });
    },
    /** Accounting-On/Off: the router rebooted or is going down, so none of its sessions survive. */
    closeNasSessions(nasId: number, at: number, cause: string): number {
      return closeOpen.run({ nasId, at, cause }).changes;
    },
  };
}
export type SessionWriter = ReturnType<typeof createSessionWriter>;

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
}

export function listSessions(db: Db, options: { active?: boolean; limit?: number } = {}): SessionView[] {
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
    })
    .from(sessions)
    .innerJoin(nas, eq(sessions.nasId, nas.id))
    .where(options.active ? isNull(sessions.stoppedAt) : undefined)
    .orderBy(desc(sessions.startedAt), desc(sessions.id))
    .limit(options.limit ?? 1000)
    .all();
}
