// One HTTP call to an SMS gateway, with a time limit, told apart by what Lango can know
// afterwards: an answer; no connection at all (the message certainly did not leave); or no
// answer after sending (the gateway may have it). Descriptions never carry URLs or headers,
// which can hold credentials.

export type GatewayCall =
  | { kind: 'answer'; status: number; text: string }
  | { kind: 'not-sent'; description: string }
  | { kind: 'no-answer'; description: string };

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

function causeCode(err: unknown): string | null {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; errors?: Array<{ code?: unknown }> } | undefined) : undefined;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

export async function callGateway(gateway: string, url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<GatewayCall> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
    return { kind: 'answer', status: response.status, text: await response.text() };
  } catch (err) {
    if (signal?.aborted) return { kind: 'no-answer', description: `the call to ${gateway} was abandoned (shutting down)` };
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return { kind: 'no-answer', description: `${gateway} did not answer within ${timeoutMs} ms` };
    }
    const code = causeCode(err);
    if (code !== null && NOT_CONNECTED.has(code)) return { kind: 'not-sent', description: `could not connect to ${gateway} (${code})` };
    if (err instanceof TypeError && code === null && /invalid url|failed to parse url/i.test(err.message)) {
      return { kind: 'not-sent', description: `${gateway}: the configured URL is not valid` };
    }
    return { kind: 'no-answer', description: `no answer from ${gateway} (${code ?? (err instanceof Error ? err.name : 'error')})` };
  }
}

/** A gateway's answer body, shortened for an error text. */
export function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
