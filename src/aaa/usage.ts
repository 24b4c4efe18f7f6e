import type { Connection } from '../db/connection.js';

/** What policy needs to know about a customer right now. */
export interface UsageNow {
  input: number;
  output: number;
  seconds: number;
  /** Open sessions that have reported recently enough not to be stale. */
  openSessions: number;
}

/**
 * One statement for everything the Access-Request policies read (every SQLite statement costs
 * a read transaction, so the period's usage and the open-session count come together).
 * Reads only: sessions.ts is the single writer of these tables.
 */
export function createUsageReader({ sqlite }: Pick<Connection, 'sqlite'>) {
  const statement = sqlite.prepare(`
    SELECT
      coalesce(u.input_octets, 0)   AS input,
      coalesce(u.output_octets, 0)  AS output,
      coalesce(u.online_seconds, 0) AS seconds,
      (SELECT count(*) FROM sessions s
        WHERE s.customer_id = @customerId AND s.stopped_at IS NULL AND s.updated_at > @staleBefore) AS "openSessions"
    FROM (SELECT 1) one LEFT JOIN usage u ON u.customer_id = @customerId AND u.period_start = @periodStart`);
  return (customerId: number, periodStart: number, staleBefore: number): UsageNow =>
    statement.get({ customerId, periodStart, staleBefore }) as UsageNow;
}
export type UsageReader = ReturnType<typeof createUsageReader>;

/** The bytes the data allowance and FUP count: both directions, or the download only. */
export function countedBytes(usage: { input: number; output: number }, dataCounts: 'total' | 'download' | null): number {
  // RFC 2866: Output = sent to the user = download.
  return dataCounts === 'download' ? usage.output : usage.input + usage.output;
}

/** An open session, as a simultaneous-use refusal names it for staff. */
export interface OpenSessionRef {
  /** sessions.id, for "close this stale session". */
  id: number;
  acctSessionId: string;
  router: string;
}

/**
 * The open session that has reported least recently (the likeliest to be stale) among those
 * still counted against the customer's simultaneous-use limit. Read only when a login is
 * refused for it, so the accept path pays nothing.
 */
export function createOpenSessionFinder({ sqlite }: Pick<Connection, 'sqlite'>) {
  const statement = sqlite.prepare(`
    SELECT s.id AS id, s.acct_session_id AS "acctSessionId", coalesce(n.name, '#' || s.nas_id) AS router
    FROM sessions s LEFT JOIN nas n ON n.id = s.nas_id
    WHERE s.customer_id = ? AND s.stopped_at IS NULL AND s.updated_at > ?
    ORDER BY s.updated_at, s.id LIMIT 1`);
  return (customerId: number, staleBefore: number): OpenSessionRef | undefined => statement.get(customerId, staleBefore) as OpenSessionRef | undefined;
}
