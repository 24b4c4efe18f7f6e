/**
 * Duplicate detection as RFC 5080 §2.2.2 and FreeRADIUS's process.c describe it: a request is
 * keyed by where it came from and its Identifier; the same key with the same authenticator is
 * a retransmission and gets the cached reply bytes again (or nothing, while the first copy is
 * still being processed) — never a second decision or a second accounting write. The same key
 * with a new authenticator is a new request and replaces the entry, so the cache is bounded by
 * the key space (256 ids per source port), not by traffic.
 */
export type DedupeResult =
  | { kind: 'new' }
  | { kind: 'replay'; reply: Buffer }
  | { kind: 'in_flight' };

interface Entry {
  authenticator: Buffer;
  reply: Buffer | null;
  at: number;
}

export class DedupeCache {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  constructor(private readonly ttlMs = 30_000) {}

  static key(address: string, port: number, identifier: number): string {
    return `${address}|${port}|${identifier}`;
  }

  check(key: string, authenticator: Buffer, now = Date.now()): DedupeResult {
    if (now - this.lastSweep > 1000) this.sweep(now);
    const entry = this.entries.get(key);
    if (entry && now - entry.at <= this.ttlMs && entry.authenticator.equals(authenticator)) {
      return entry.reply ? { kind: 'replay', reply: entry.reply } : { kind: 'in_flight' };
    }
    // Delete first so the re-inserted key moves to the end: the map stays in time order,
    // which lets sweep() stop at the first live entry.
    this.entries.delete(key);
    this.entries.set(key, { authenticator: Buffer.from(authenticator), reply: null, at: now });
    return { kind: 'new' };
  }

  complete(key: string, authenticator: Buffer, reply: Buffer): void {
    const entry = this.entries.get(key);
    if (entry && entry.authenticator.equals(authenticator)) entry.reply = reply;
  }

  /** The request failed without a reply: let the NAS's retransmission be processed afresh. */
  forget(key: string, authenticator: Buffer): void {
    const entry = this.entries.get(key);
    if (entry && entry.authenticator.equals(authenticator)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, entry] of this.entries) {
      if (now - entry.at <= this.ttlMs) break;
      this.entries.delete(key);
    }
  }
}
