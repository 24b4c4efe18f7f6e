/**
 * Refuses a device that keeps getting codes wrong, so a voucher cannot be found by trying
 * codes from one phone: after `maxFailures` wrong logins within `windowMs`, every login from
 * that device (Calling-Station-Id: its MAC on a MikroTik hotspot) is refused until the window
 * passes, even with a right code. In memory: a restart forgives, which is fine for a lock that
 * only needs to make guessing slow.
 */
export class GuessLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly options: { maxFailures?: number; windowMs?: number; remember?: number } = {}) {}

  /**
   * True while some device has failures inside the window. Expired entries are dropped from
   * the front first (a Map keeps insertion order, and an entry is re-inserted when its window
   * restarts, so the oldest windows come first): once guessing stops, the Access-Request path
   * stops reading Calling-Station-Id again.
   */
  watching(now: number): boolean {
    const windowMs = this.options.windowMs ?? 300_000;
    for (const [device, entry] of this.failures) {
      if (now - entry.since <= windowMs) break;
      this.failures.delete(device);
    }
    return this.failures.size > 0;
  }

  blocked(device: string, now: number): boolean {
    const entry = this.failures.get(device);
    if (!entry) return false;
    if (now - entry.since > (this.options.windowMs ?? 300_000)) {
      this.failures.delete(device);
      return false;
    }
    return entry.count >= (this.options.maxFailures ?? 10);
  }

  failed(device: string, now: number): void {
    if (!device) return;
    const entry = this.failures.get(device);
    if (entry && now - entry.since <= (this.options.windowMs ?? 300_000)) {
      entry.count++;
      return;
    }
    this.failures.delete(device);
    this.failures.set(device, { count: 1, since: now });
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    const limit = this.options.remember ?? 50_000;
    for (const key of this.failures.keys()) {
      if (this.failures.size <= limit) break;
      this.failures.delete(key);
    }
  }
}
