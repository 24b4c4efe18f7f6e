import { TokenError, TokenSource } from './token.js';
import { exchange, isTokenInvalid, type DarajaAnswer } from './transport.js';

export type CallAnswer = DarajaAnswer | { kind: 'no-token'; refused: boolean; description: string };

export interface DarajaClientOptions {
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  timeoutMs: number;
  now: () => number;
}

/** Authenticated POSTs to Daraja: one cached token, and one refresh-and-retry when Daraja refuses it. */
export class DarajaClient {
  private readonly tokens: TokenSource;

  constructor(private readonly options: DarajaClientOptions) {
    this.tokens = new TokenSource(options);
  }

  async post(path: string, body: unknown, signal?: AbortSignal): Promise<CallAnswer> {
    for (let attempt = 1; ; attempt++) {
      let token: string;
      try {
        token = await this.tokens.get(signal);
      } catch (err) {
        if (err instanceof TokenError) return { kind: 'no-token', refused: err.refused, description: err.message };
        // The caller gave up while the token was on its way: nothing reached `path`.
        return { kind: 'no-token', refused: false, description: `call to Daraja ${path} abandoned by the caller before it was sent` };
      }
      const answer = await exchange({
        url: `${this.options.baseUrl}${path}`,
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        body,
        timeoutMs: this.options.timeoutMs,
        ...(signal && { signal }),
      });
      // Tokens die early when someone else (another process with the same app) asks for a new one.
      if (attempt === 1 && isTokenInvalid(answer)) {
        this.tokens.invalidate(token);
        continue;
      }
      return answer;
    }
  }
}
