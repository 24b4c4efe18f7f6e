// The Collections access token (§2.3): fetched once, shared by concurrent callers while the
// request is in flight, refreshed before it expires, and dropped when MoMo answers 401.

export interface IssuedToken {
  token: string;
  /** Lifetime MoMo announced (expires_in). */
  expiresInSeconds: number;
}

export interface TokenCache {
  /** The shared token request is not tied to any caller's signal: one caller giving up must not fail the others. */
  get(): Promise<string>;
  /** Forget `token` if it is still the cached one (a 401 said it is no longer good). */
  invalidate(token: string): void;
}

/** Refresh this long before expiry: half the lifetime, at most five minutes. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(5 * 60_000, lifetimeMs / 2);
}

export function createTokenCache(issue: () => Promise<IssuedToken>, now: () => number): TokenCache {
  let cached: { token: string; refreshAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  return {
    get() {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      if (inFlight) return inFlight;
      const started = now();
      inFlight = issue()
        .then(({ token, expiresInSeconds }) => {
          const lifetimeMs = Math.max(0, expiresInSeconds) * 1000;
          cached = { token, refreshAt: started + lifetimeMs - refreshMargin(lifetimeMs) };
          return token;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
  };
}
