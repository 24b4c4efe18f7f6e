import type { Sqlite } from './connection.js';

export interface GroupCommitStats {
  size: number;
  seconds: number;
}

export interface GroupCommit {
  /**
   * Runs `work` inside the next batch's transaction. `done` is called once the batch is durable
   * on disk (no error), or with the error when this item or the whole commit failed; in that
   * case nothing of this item was kept, and the caller must not acknowledge it.
   */
  submit(work: () => void, done: (err?: Error) => void): void;
  /** Commits what is queued now, synchronously. Used at shutdown. */
  flush(): void;
  readonly pending: number;
}

interface Item {
  work: () => void;
  done: (err?: Error) => void;
}

/**
 * Group commit: everything submitted during one turn of the event loop shares one transaction
 * and so one fsync (about 0.2 ms here), and the replies leave after it. One fsync per packet
 * would cap accounting near 5k/s; one per batch keeps durability without costing throughput.
 * Batches run optimistically without savepoints (each costs two statements per record); if a
 * record throws, the batch is rolled back and replayed with one savepoint per record, so one
 * bad record still cannot take its batch-mates down.
 */
export function createGroupCommit(
  sqlite: Sqlite,
  options: {
    maxBatch?: number;
    onBatch?: (stats: GroupCommitStats) => void;
    onCallbackError?: (err: Error) => void;
    /** Called whenever a transaction or a record's savepoint of this group commit rolled back, before any replay. */
    onRollback?: () => void;
    /**
     * Runs last inside each transaction (and each record's savepoint when a batch is replayed),
     * for writes that sum up the batch's records (the daily usage roll-up): they commit or roll
     * back with the records they came from.
     */
    beforeCommit?: () => void;
    /** Longest a record waits for batch-mates while packets keep arriving (ms). */
    maxWaitMs?: number;
  } = {},
): GroupCommit {
  const maxBatch = options.maxBatch ?? 2000;
  const maxWaitMs = options.maxWaitMs ?? 2;
  let queue: Item[] = [];
  let scheduled = false;
  let firstQueuedAt = 0;
  let lengthAtLastTurn = 0;

  const beforeCommit = options.beforeCommit ?? (() => {});
  const runAll = sqlite.transaction((items: Item[]) => {
    for (const item of items) item.work();
    beforeCommit();
  });
  const runInSavepoint = sqlite.transaction((work: () => void) => {
    work();
    beforeCommit();
  });
  const runEachAlone = sqlite.transaction((items: Item[], failed: Map<Item, Error>) => {
    for (const item of items) {
      try {
        runInSavepoint(item.work);
      } catch (err) {
        failed.set(item, err as Error);
        // What the record staged for beforeCommit went with its savepoint.
        options.onRollback?.();
      }
    }
  });
  const runBatch = (items: Item[], failed: Map<Item, Error>) => {
    try {
      runAll.immediate(items);
    } catch {
      // better-sqlite3 has rolled the batch back. Replaying with savepoints either isolates the
      // record that threw, or fails again (BEGIN or COMMIT itself) and every record gets the error.
      options.onRollback?.();
      try {
        runEachAlone.immediate(items, failed);
      } catch (err) {
        options.onRollback?.();
        throw err;
      }
    }
  };

  // libuv reads at most 32 datagrams per socket per poll; a turn that added that many means
  // the kernel probably holds more. The fsync blocks the event loop, so nothing can join a
  // batch while it runs: instead of committing every 32 records, take another turn to read
  // while the burst lasts (bounded by maxWaitMs and maxBatch). A lone packet still commits at
  // once, so light load pays no extra latency.
  const READS_PER_POLL = 32;
  function onTurnEnd(): void {
    const added = queue.length - lengthAtLastTurn;
    lengthAtLastTurn = queue.length;
    if (added >= READS_PER_POLL && queue.length < maxBatch && Date.now() - firstQueuedAt < maxWaitMs) {
      setImmediate(onTurnEnd);
      return;
    }
    flush();
  }

  function flush(): void {
    scheduled = false;
    lengthAtLastTurn = 0;
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    const failed = new Map<Item, Error>();
    const started = process.hrtime.bigint();
    let commitError: Error | undefined;
    try {
      runBatch(items, failed);
    } catch (err) {
      commitError = err as Error;
    }
    options.onBatch?.({ size: items.length, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    for (const item of items) {
      // One caller's broken callback must not cost the others their acknowledgement.
      try {
        item.done(commitError ?? failed.get(item));
      } catch (err) {
        (options.onCallbackError ?? ((e: Error) => process.emitWarning(e)))(err as Error);
      }
    }
  }

  return {
    submit(work, done) {
      queue.push({ work, done });
      if (queue.length >= maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        firstQueuedAt = Date.now();
        // setImmediate runs after the poll phase, so every datagram libuv read in this turn
        // joins the batch before the fsync.
        setImmediate(onTurnEnd);
      }
    },
    flush,
    get pending() {
      return queue.length;
    },
  };
}
