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

export type RouterState = 'up' | 'down' | 'unknown';

/** Up when a packet came within UP_WITHIN_MS; unknown when none came since the daemon started. */
export function routerState(lastPacketAt: number | undefined, now: number): RouterState {
  if (lastPacketAt === undefined) return 'unknown';
  return now - lastPacketAt <= UP_WITHIN_MS ? 'up' : 'down';
}
