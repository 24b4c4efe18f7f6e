// One HTTP exchange with Daraja, reduced to the three things callers act on: a JSON answer, an
// error answer (Daraja's `{requestId, errorCode, errorMessage}` or anything else non-2xx), or no
// answer at all. Nothing here ever echoes the request (it carries the token and the password).

export type DarajaAnswer =
  | { kind: 'ok'; status: number; body: Record<string, unknown> }
  | { kind: 'error'; status: number; errorCode?: string; errorMessage?: string }
  /** No usable answer: timeout, connection failure, abort, or a 2xx that is not a JSON object. */
  | { kind: 'transport'; description: string };

export interface Exchange {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function exchange(request: Exchange): Promise<DarajaAnswer> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  let status: number;
  let text: string;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.body === undefined ? request.headers : { ...request.headers, 'Content-Type': 'application/json' },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    return { kind: 'transport', description: describeFailure(err, timeout, request) };
  }
  const body = parseObject(text);
  if (status >= 200 && status < 300) {
    return body ? { kind: 'ok', status, body } : { kind: 'transport', description: `HTTP ${status} with a body that is not a JSON object` };
  }
  const errorCode = body && typeof body.errorCode === 'string' ? body.errorCode : undefined;
  const errorMessage = body && typeof body.errorMessage === 'string' ? body.errorMessage : undefined;
  return { kind: 'error', status, ...(errorCode !== undefined && { errorCode }), ...(errorMessage !== undefined && { errorMessage }) };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeFailure(err: unknown, timeout: AbortSignal, request: Exchange): string {
  const path = new URL(request.url).pathname;
  if (timeout.aborted) return `no answer from Daraja ${path} within ${request.timeoutMs} ms`;
  if (request.signal?.aborted) return `call to Daraja ${path} abandoned by the caller`;
  // undici hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`; neither carries headers or body.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  return `could not reach Daraja ${path}: ${code ?? (err instanceof Error ? err.message : 'unknown error')}`;
}

/** Daraja's answers meaning "that token is no good": refresh once and retry once. */
const TOKEN_INVALID_CODES = new Set(['404.001.03', '400.003.01', '401.003.01']);

export function isTokenInvalid(answer: DarajaAnswer): boolean {
  return answer.kind === 'error' && answer.errorCode !== undefined && TOKEN_INVALID_CODES.has(answer.errorCode);
}

/** A short text for a non-ok answer, for outcome descriptions and logs. */
export function describeAnswer(answer: DarajaAnswer): string {
  if (answer.kind === 'transport') return answer.description;
  if (answer.kind === 'ok') return `HTTP ${answer.status}`;
  const detail = [answer.errorCode, answer.errorMessage].filter(Boolean).join(' ');
  return detail ? `HTTP ${answer.status}: ${detail}` : `HTTP ${answer.status} without a Daraja error code`;
}
