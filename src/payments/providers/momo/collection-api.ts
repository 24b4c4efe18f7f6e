import type { MomoConfig } from './config.js';
import { createTokenCache, type IssuedToken } from './token-cache.js';

// The three Collections calls Lango makes (§2.3–2.5), with the token handled: Basic auth for
// the token, Bearer for the rest, one refresh-and-retry when MoMo answers 401. Every result is
// data, never a thrown error, and no description carries a key, a token or a header.

export type CallResult =
  | { kind: 'answer'; status: number; body: unknown }
  /** No HTTP answer: timeout, refused or reset connection, or the caller aborted. */
  | { kind: 'no-answer'; description: string }
  /** The token call failed, so the call itself was never sent. */
  | { kind: 'no-token'; status: number | null; description: string };

export interface RequestToPayBody {
  amount: string;
  currency: string;
  externalId: string;
  payer: { partyIdType: 'MSISDN'; partyId: string };
  payerMessage: string;
  payeeNote: string;
}

export interface CollectionApi {
  requestToPay(referenceId: string, body: RequestToPayBody, callbackUrl: string | null, signal?: AbortSignal): Promise<CallResult>;
  status(referenceId: string, signal?: AbortSignal): Promise<CallResult>;
}

/** MoMo's `{code, message}` error body, as one short line. */
export function describeAnswer(answer: { status: number; body: unknown }): string {
  const body = answer.body;
  if (body !== null && typeof body === 'object') {
    const { code, message } = body as { code?: unknown; message?: unknown };
    const parts = [typeof code === 'string' ? code : null, typeof message === 'string' ? message.slice(0, 200) : null].filter(Boolean);
    if (parts.length > 0) return `MoMo answered HTTP ${answer.status}: ${parts.join(': ')}`;
  }
  return `MoMo answered HTTP ${answer.status}`;
}

/** The `code` of MoMo's error body, if any. */
export function answerCode(body: unknown): string | null {
  const code = body !== null && typeof body === 'object' ? (body as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length > 0 ? code : null;
}

function describeFailure(err: unknown, timeoutMs: number, signal?: AbortSignal): string {
  if (signal?.aborted) return 'the call to MoMo was abandoned (shutting down)';
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `MoMo did not answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.name : 'error';
  return `no answer from MoMo (${code})`;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}

export function createCollectionApi(config: MomoConfig, now: () => number): CollectionApi {
  async function call(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<CallResult> {
    const timeout = AbortSignal.timeout(config.timeoutMs);
    try {
      const response = await fetch(`${config.baseUrl}${path}`, {
        method,
        headers: { 'Ocp-Apim-Subscription-Key': config.subscriptionKey, ...headers },
        body,
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      return { kind: 'answer', status: response.status, body: await readBody(response) };
    } catch (err) {
      return { kind: 'no-answer', description: describeFailure(err, config.timeoutMs, signal) };
    }
  }

  const tokens = createTokenCache(async (): Promise<IssuedToken> => {
    const basic = Buffer.from(`${config.apiUser}:${config.apiKey}`).toString('base64');
    // No body at all: MoMo answers 400 to a token request with one (§2.3).
    const result = await call('POST', '/collection/token/', { Authorization: `Basic ${basic}` }, undefined);
    if (result.kind !== 'answer') throw new TokenError(null, `MoMo token request: ${result.kind === 'no-answer' ? result.description : 'no answer'}`);
    const body = result.body as { access_token?: unknown; expires_in?: unknown } | null;
    if (result.status < 200 || result.status > 299 || typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new TokenError(result.status, `MoMo token request: ${describeAnswer(result)}`);
    }
    const expiresIn = Number(body.expires_in);
    return { token: body.access_token, expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
  }, now);

  async function authorised(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal): Promise<CallResult> {
    for (let attempt = 0; ; attempt += 1) {
      let token: string;
      try {
        token = await tokens.get();
      } catch (err) {
        return err instanceof TokenError
          ? { kind: 'no-token', status: err.status, description: err.message }
          : { kind: 'no-token', status: null, description: 'MoMo token request: unexpected failure' };
      }
      const result = await call(method, path, { ...headers, Authorization: `Bearer ${token}`, 'X-Target-Environment': config.targetEnvironment }, body, signal);
      // A token MoMo no longer takes (revoked, clock skew): one fresh token, one more try.
      if (result.kind === 'answer' && result.status === 401 && attempt === 0) {
        tokens.invalidate(token);
        continue;
      }
      return result;
    }
  }

  return {
    requestToPay(referenceId, body, callbackUrl, signal) {
      const headers: Record<string, string> = { 'X-Reference-Id': referenceId, 'Content-Type': 'application/json' };
      if (callbackUrl) headers['X-Callback-Url'] = callbackUrl;
      return authorised('POST', '/collection/v1_0/requesttopay', headers, JSON.stringify(body), signal);
    },
    status(referenceId, signal) {
      return authorised('GET', `/collection/v1_0/requesttopay/${encodeURIComponent(referenceId)}`, {}, undefined, signal);
    },
  };
}

class TokenError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}
