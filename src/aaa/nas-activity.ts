import type { Db } from '../db/connection.js';
import { nodeStates, shareNodeState } from '../settings/leases.js';

/** A router that sent a packet within this long is shown as up. */
export const UP_WITHIN_MS = 10 * 60_000;

/**
 * When each router (by NAS id) last sent this process a packet, in memory only: the staff
 * pages' "last packet seen" and up/down. The RADIUS path pays one Map.set per packet (the
 * entry for a known router already exists, so nothing is allocated after its first packet);
 * no database write, and nothing survives a restart ("never since start").
 */
export class NasActivity {
  private readonly last = new Map<number, number>();

  seen(nasId: number, at: number): void {
    this.last.set(nasId, at);
  }

  /** A live read-only view, not a copy: the pages read it, only `seen` writes it. */
  view(): ReadonlyMap<number, number> {
    return this.last;
  }
}

const SHARED = 'nas-activity';

/**
 * For several nodes on one database: writes this node's last-packet times where the others read
 * them (every housekeeping pass, so at most that old). A router lists all nodes and may talk to
 * any one: judged by one node's packets alone, it would look silent on the others.
 */
export function shareActivity(db: Db, node: string, activity: NasActivity, now: number): void {
  shareNodeState(db, SHARED, node, Object.fromEntries(activity.view()), now);
}

/** The latest packet from each router to any node: this node's own times, and what the others shared. */
export function activityOfAllNodes(db: Db, activity: NasActivity): ReadonlyMap<number, number> {
  const merged = new Map(activity.view());
  for (const { value } of nodeStates(db, SHARED)) {
    for (const [nasId, at] of Object.entries((value ?? {}) as Record<string, unknown>)) {
      const id = Number(nasId);
      if (typeof at === 'number' && Number.isInteger(id) && at > (merged.get(id) ?? -Infinity)) merged.set(id, at);
    }
  }
  return merged;
}

export type RouterState = 'up' | 'down' | 'unknown';

/** Up when a packet came within UP_WITHIN_MS; unknown when none came since the daemon started. */
export function routerState(lastPacketAt: number | undefined, now: number): RouterState {
  if (lastPacketAt === undefined) return 'unknown';
  return now - lastPacketAt <= UP_WITHIN_MS ? 'up' : 'down';
}
