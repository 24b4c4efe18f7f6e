import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Sqlite } from './connection.js';
import { createGroupCommit, type GroupCommitStats } from './group-commit.js';

interface Outcome {
  id: number;
  err: Error | undefined;
  /** What a second connection saw at the moment `done` ran. */
  visible: number[];
}

describe('group commit', () => {
  let dir: string;
  let file: string;
  let writer: Sqlite;
  let reader: Sqlite;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lango-group-commit-'));
    file = path.join(dir, 'test.db');
    writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = FULL');
    writer.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    reader = new Database(file);
  });

  afterEach(() => {
    writer.close();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const committed = (): number[] => reader.prepare('SELECT id FROM rows ORDER BY id').pluck().all() as number[];
  const insert = (id: number) => () => {
    writer.prepare('INSERT INTO rows (id, note) VALUES (?, ?)').run(id, `row ${id}`);
  };

  /** Submits each work item and resolves once every `done` has run. */
  function submitAll(gc: ReturnType<typeof createGroupCommit>, works: Array<[number, () => void]>): Promise<Outcome[]> {
    return Promise.all(
      works.map(
        ([id, work]) =>
          new Promise<Outcome>((resolve) => {
            gc.submit(work, (err) => resolve({ id, err, visible: committed() }));
          }),
      ),
    );
  }

  it('commits everything submitted in one turn of the event loop as one batch', async () => {
    const batches: GroupCommitStats[] = [];
    const gc = createGroupCommit(writer, { onBatch: (s) => batches.push(s) });
    const pending = submitAll(gc, [1, 2, 3, 4, 5].map((id) => [id, insert(id)]));
    expect(gc.pending).toBe(5);
    expect(committed()).toEqual([]);
    const outcomes = await pending;
    expect(batches).toHaveLength(1);
    expect(batches[0]!.size).toBe(5);
    expect(batches[0]!.seconds).toBeGreaterThanOrEqual(0);
    expect(outcomes.every((o) => o.err === undefined)).toBe(true);
    expect(gc.pending).toBe(0);
  });

  it('calls done only after the transaction committed, so another connection already sees the rows', async () => {
    const gc = createGroupCommit(writer);
    const outcomes = await submitAll(gc, [1, 2, 3].map((id) => [id, insert(id)]));
    for (const o of outcomes) expect(o.visible).toEqual([1, 2, 3]);
  });

  it('gives a throwing item its own error while its batch-mates still commit', async () => {
    const batches: GroupCommitStats[] = [];
    const gc = createGroupCommit(writer, { onBatch: (s) => batches.push(s) });
    const outcomes = await submitAll(gc, [
      [1, insert(1)],
      [2, () => {
        // Half-done work must not survive: the savepoint rolls this row back.
        insert(2)();
        throw new Error('bad record');
      }],
      [3, insert(3)],
      [4, insert(1)], // primary-key clash with item 1: a database error, not a thrown Error
    ]);
    expect(batches).toEqual([expect.objectContaining({ size: 4 })]);
    expect(outcomes.map((o) => o.err?.message)).toEqual([undefined, 'bad record', undefined, expect.stringMatching(/UNIQUE/)]);
    expect(committed()).toEqual([1, 3]);
  });

  it('flushes synchronously when maxBatch items are queued', () => {
    const batches: number[] = [];
    const done: Array<Error | undefined> = [];
    const gc = createGroupCommit(writer, { maxBatch: 3, onBatch: (s) => batches.push(s.size) });
    gc.submit(insert(1), (err) => done.push(err));
    gc.submit(insert(2), (err) => done.push(err));
    expect(batches).toEqual([]);
    gc.submit(insert(3), (err) => done.push(err));
    // No await in between: the third submit itself committed the batch.
    expect(batches).toEqual([3]);
    expect(done).toEqual([undefined, undefined, undefined]);
    expect(committed()).toEqual([1, 2, 3]);
    expect(gc.pending).toBe(0);
  });

  it('commits what is queued now on flush(), and the scheduled run then has nothing to do', async () => {
    const batches: number[] = [];
    const gc = createGroupCommit(writer, { onBatch: (s) => batches.push(s.size) });
    let acknowledged = 0;
    gc.submit(insert(1), () => acknowledged++);
    gc.submit(insert(2), () => acknowledged++);
    gc.flush();
    expect(acknowledged).toBe(2);
    expect(committed()).toEqual([1, 2]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([2]);
  });

  it('does nothing on flush() with an empty queue', () => {
    const batches: number[] = [];
    const gc = createGroupCommit(writer, { onBatch: (s) => batches.push(s.size) });
    gc.flush();
    expect(batches).toEqual([]);
  });

  it('starts a new batch for items submitted after the previous one committed', async () => {
    const batches: number[] = [];
    const gc = createGroupCommit(writer, { onBatch: (s) => batches.push(s.size) });
    await submitAll(gc, [[1, insert(1)], [2, insert(2)]]);
    await submitAll(gc, [[3, insert(3)]]);
    expect(batches).toEqual([2, 1]);
  });

  it('fails every item when the batch cannot begin because another writer holds the lock', async () => {
    writer.pragma('busy_timeout = 0');
    reader.exec('BEGIN IMMEDIATE');
    const gc = createGroupCommit(writer);
    const outcomes = await submitAll(gc, [[1, insert(1)], [2, insert(2)]]);
    reader.exec('ROLLBACK');
    for (const o of outcomes) expect(o.err?.message).toMatch(/locked|busy/i);
    expect(committed()).toEqual([]);
  });

  it('fails every item, even the good ones, when COMMIT itself fails', async () => {
    // A deferred foreign key is only checked at COMMIT, after every savepoint was released.
    writer.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
    writer.pragma('foreign_keys = ON');
    const gc = createGroupCommit(writer);
    const outcomes = await submitAll(gc, [
      [1, insert(1)],
      [2, () => void writer.prepare('INSERT INTO child (id, parent_id) VALUES (1, 99)').run()],
      [3, insert(3)],
    ]);
    for (const o of outcomes) expect(o.err?.message).toMatch(/FOREIGN KEY/);
    expect(committed()).toEqual([]);
    expect(writer.inTransaction).toBe(false);
  });

  it('fails every item when the database was closed', async () => {
    const gc = createGroupCommit(writer);
    writer.close();
    const outcomes = await submitAll(gc, [[1, insert(1)]]);
    expect(outcomes[0]!.err).toBeInstanceOf(Error);
  });
});

describe('group commit under a burst', () => {
  it('lets a batch grow across turns while every turn brings a full read, and still commits a lone record at once', async () => {
    const conn = openDatabase(':memory:');
    conn.sqlite.exec('CREATE TABLE t (v INTEGER)');
    const sizes: number[] = [];
    const commit = createGroupCommit(conn.sqlite, { onBatch: (s) => sizes.push(s.size), maxWaitMs: 1000 });
    const insert = conn.sqlite.prepare('INSERT INTO t VALUES (?)');
    let done = 0;
    // Three turns of 40 records each (more than libuv's 32 reads per poll), then a quiet turn.
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 40; i++) commit.submit(() => insert.run(i), () => done++);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(120);
    expect(sizes).toEqual([120]);
    commit.submit(() => insert.run(1), () => done++);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sizes).toEqual([120, 1]);
    conn.close();
  });
});
