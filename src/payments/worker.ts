import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/connection.js';
import { reconcilePayments, type ReconcileResult } from './reconcile.js';
import type { ProviderRegistry } from './registry.js';
import { callbackUrl } from './tokens.js';

/**
 * Runs reconciliation every `intervalMs` and whenever kicked (a callback asked for
 * confirmation), one pass at a time. Provider HTTP calls happen here, never on the RADIUS path
 * and never inside a database transaction.
 */
export class ReconcileWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: { db: Db; box: SecretBox; providers: ProviderRegistry; zone: string; logger: Logger; intervalMs?: number; onResult?: (result: ReconcileResult) => void },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.abort.signal.aborted) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    const { db, box, providers, zone, logger } = this.options;
    try {
      const result = await reconcilePayments(db, providers, {
        now: Date.now,
        zone,
        logger,
        box,
        signal: this.abort.signal,
        callbackUrl: (name) => callbackUrl(db, box, providers.require(name)),
      });
      if (result.asked + result.settled + result.expired + result.reprocessed > 0) logger.info(result, 'payment reconciliation');
      this.options.onResult?.(result);
    } catch (err) {
      if (!this.abort.signal.aborted) logger.error({ err }, 'payment reconciliation failed; next pass retries');
    }
  }
}
