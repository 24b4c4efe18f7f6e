import { and, eq, like, lt } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { settings as settingsTable } from '../db/schema/operations.js';

// Work that one node of several sharing a database must do alone, because doing it twice
// counts twice: polling routers over their API adds traffic deltas to shared buckets, and the
// open-sessions sampler writes a sample per router per pass. A lease is a row in the settings
// table ('lease.<name>': which node, until when), taken and renewed in an immediate transaction;
// when its node dies it runs out and another node takes over. On SQLite the one daemon always
// holds it.

const ACTOR = 'daemon';

interface Lease {
  node: string;
  until: number;
}

/** Takes or renews the named lease for `node`; false while another node's lease is current. */
export function holdLease(db: Db, name: string, node: string, now: number, ms: number): boolean {
  const key = `lease.${name}`;
  return db.transaction((tx) => {
    const d = tx as Db;
    const current = d.select({ value: settingsTable.value }).from(settingsTable).where(eq(settingsTable.key, key)).get()?.value as Partial<Lease> | undefined;
    if (current && current.node !== node && typeof current.until === 'number' && current.until > now) return false;
    const value: Lease = { node, until: now + ms };
    d.insert(settingsTable)
      .values({ key, value, updatedAt: now, actor: ACTOR })
      .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: now, actor: ACTOR } })
      .run();
    return true;
  }, { behavior: 'immediate' });
}

/** Gives the lease up at a clean stop, so another node takes over at once rather than when it runs out. */
export function releaseLease(db: Db, name: string, node: string): void {
  const key = `lease.${name}`;
  const current = db.select({ value: settingsTable.value }).from(settingsTable).where(eq(settingsTable.key, key)).get()?.value as Partial<Lease> | undefined;
  if (current?.node === node) db.delete(settingsTable).where(eq(settingsTable.key, key)).run();
}

/**
 * Keeps a lease while this node may hold it: tries every third of `ms`, so a held lease never
 * lapses while the node lives, and a dead peer's is taken within `ms` and a third.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private holding = false;
  /** When the lease last taken runs out: a renewal the event loop delayed must not leave `held` true past it. */
  private until = 0;

  constructor(
    private readonly db: Db,
    private readonly name: string,
    private readonly node: string,
    private readonly options: { ms?: number; now?: () => number; onError?: (err: unknown) => void } = {},
  ) {}

  private get ms(): number {
    return this.options.ms ?? 30_000;
  }

  /** Whether this node holds the lease now. */
  get held(): boolean {
    return this.holding && (this.options.now ?? Date.now)() < this.until;
  }

  /** Tries now; what the timer does. */
  renew(): boolean {
    const now = (this.options.now ?? Date.now)();
    try {
      this.holding = holdLease(this.db, this.name, this.node, now, this.ms);
      if (this.holding) this.until = now + this.ms;
    } catch (err) {
      // Unsure whether the database took the renewal: stop the work rather than do it twice.
      this.holding = false;
      this.options.onError?.(err);
    }
    return this.held;
  }

  start(): void {
    this.renew();
    this.timer = setInterval(() => this.renew(), Math.floor(this.ms / 3));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.holding) releaseLease(this.db, this.name, this.node);
    this.holding = false;
  }
}

/**
 * What each node knows that the others need (e.g. when each router last sent it a packet: a
 * router may talk to either node), one settings row per node: 'node.<kind>.<node>'. A row not
 * refreshed for a day belongs to a node long gone and is deleted by the next writer.
 */
export function shareNodeState(db: Db, kind: string, node: string, value: unknown, now: number): void {
  const key = `node.${kind}.${node}`;
  db.transaction((tx) => {
    const d = tx as Db;
    d.insert(settingsTable)
      .values({ key, value, updatedAt: now, actor: ACTOR })
      .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: now, actor: ACTOR } })
      .run();
    d.delete(settingsTable).where(and(like(settingsTable.key, `node.${kind}.%`), lt(settingsTable.updatedAt, now - 86_400_000))).run();
  });
}

/** Every node's shared state of one kind, this node's included. */
export function nodeStates(db: Db, kind: string): Array<{ node: string; value: unknown; updatedAt: number }> {
  return db
    .select({ key: settingsTable.key, value: settingsTable.value, updatedAt: settingsTable.updatedAt })
    .from(settingsTable)
    .where(like(settingsTable.key, `node.${kind}.%`))
    .all()
    .map((row) => ({ node: row.key.slice(`node.${kind}.`.length), value: row.value, updatedAt: row.updatedAt }));
}
