import { describeAnswer, exchange } from './transport.js';

/** Thrown when no access token could be had. The message names the cause, never the credentials. */
export class TokenError extends Error {
  constructor(
    message: string,
    /** true: the credentials were refused (configuration); false: Daraja could not be reached or answered oddly. */
    readonly refused: boolean,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface TokenSourceOptions {
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  timeoutMs: number;
  now: () => number;
}

// Daraja invalidates a token as soon as another one is issued for the same app, so a process must
// hold exactly one and never fetch two at once: concurrent callers share one in-flight request.
export class TokenSource {
  private cached: { token: string; refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly options: TokenSourceOptions) {}

  /** A token believed valid. Waits for the shared request when one is needed. */
  async get(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.options.now() < this.cached.refreshAt) return this.cached.token;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return signal ? abortable(this.inFlight, signal) : this.inFlight;
  }

  /** Forget `token` after Daraja refused it; a newer token already cached is kept. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  // Not tied to any one caller's signal: an impatient caller must not cancel the token others wait for.
  private async fetchToken(): Promise<string> {
    const { baseUrl, consumerKey, consumerSecret, timeoutMs, now } = this.options;
    const answer = await exchange({
      url: `${baseUrl}/oauth/v1/generate?grant_type=client_credentials`,
      method: 'GET',
      headers: { Authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`, Accept: 'application/json' },
      timeoutMs,
    });
    if (answer.kind === 'transport') throw new TokenError(`M-Pesa token: ${answer.description}`, false);
    if (answer.kind === 'error') {
      // Wrong key or secret comes back as 400/401, sometimes with an empty body; 5xx is Daraja's own trouble.
      throw new TokenError(`M-Pesa token refused (${describeAnswer(answer)}); check the consumer key and secret`, answer.status < 500);
    }
    const token = answer.body.access_token;
    // Documented as a number, delivered as the string "3599".
    const ttlSeconds = Number(answer.body.expires_in);
    if (typeof token !== 'string' || token === '') throw new TokenError('M-Pesa token answer has no access_token', false);
    const lifetime = Number.isFinite(ttlSeconds) && ttlSeconds > 0 ? ttlSeconds : 3599;
    // Refresh a minute early so a token never dies mid-request; short test lifetimes refresh at half-life.
    const usable = lifetime > 120 ? lifetime - 60 : lifetime / 2;
    this.cached = { token, refreshAt: now() + usable * 1000 };
    return token;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
