import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { settings as settingsTable } from '../db/schema/operations.js';

/**
 * Whether the daemon's last run stopped cleanly. The daemon stores this row when it starts
 * serving and deletes it as the last write of a clean shutdown, so a row found at start means
 * the previous run was killed, crashed or lost power. It lives in the database (not in a file
 * beside it) so it travels with a copied or restored database; synchronous=FULL makes both
 * writes durable.
 */
const KEY = 'daemon.running';
const ACTOR = 'daemon';

/**
 * Each node on a shared PostgreSQL database keeps its own marker: otherwise a node starting
 * beside a live one would take the peer's marker for its own unclean stop, and a clean stop
 * would clear the peer's. A SQLite database has one daemon, and `lango restore` reads the
 * plain key.
 */
const keyFor = (node: string | undefined) => (node ? `${KEY}:${node}` : KEY);

export interface RunMarker {
  pid: number;
  startedAt: number;
}

/** The marker the previous run left, or undefined when it stopped cleanly (or never ran). */
export function previousRun(db: Db, node?: string): RunMarker | undefined {
  const row = db.select({ value: settingsTable.value }).from(settingsTable).where(eq(settingsTable.key, keyFor(node))).get();
  if (!row) return undefined;
  const value = row.value as Partial<RunMarker> | null;
  return { pid: typeof value?.pid === 'number' ? value.pid : 0, startedAt: typeof value?.startedAt === 'number' ? value.startedAt : 0 };
}

export function markRunning(db: Db, pid: number, now = Date.now(), node?: string): void {
  const value: RunMarker = { pid, startedAt: now };
  db.insert(settingsTable)
    .values({ key: keyFor(node), value, updatedAt: now, actor: ACTOR })
    .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: now, actor: ACTOR } })
    .run();
}

/** The last step of a clean shutdown. */
export function markStopped(db: Db, node?: string): void {
  db.delete(settingsTable).where(eq(settingsTable.key, keyFor(node))).run();
}
