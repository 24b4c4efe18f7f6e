import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { closeServer, flatHeaders, json, listen, listenArgs, readBody, runIfMain, serveUntilSignalled } from './http-kit.js';

// An MTN MoMo Open API Collections emulator for tests and demos, speaking the wire contract of
// docs payments.md §2.2–2.7: sandbox provisioning, the token, request to pay with MoMo's
// validation, a scheduled transition per payer MSISDN, the status GET and the one-shot callback.
//
// In-process: `const momo = await startMomo({ targetEnvironment: 'mtnuganda', currency: 'UGX' })`.
// As a process: `node dist/scripts/emulators/momo.js --port 8082 --target-environment mtnuganda
// --currency UGX` prints one JSON line {"url": …, "apiUser": …, …} and runs until SIGTERM.
// Control over HTTP: POST /__emulator/script {msisdn, status, …}, POST /__emulator/fault,
// POST /__emulator/expire-tokens, POST /__emulator/reset, GET /__emulator/state.

export type MomoStatus = 'SUCCESSFUL' | 'FAILED' | 'PENDING';

export interface MomoScript {
  /** Where the payment ends; PENDING = it never leaves PENDING. */
  status: MomoStatus;
  /** FAILED only; defaults to INTERNAL_PROCESSING_ERROR. */
  reason?: string;
  /** Delay before the final status; 0 or absent = at once (before the 202 is written). */
  afterMs?: number;
  /** Never send the callback (some sandbox setups never get one). */
  dropCallback?: boolean;
  callbackMethod?: 'PUT' | 'POST';
  /** Send `reason` as {code, message} (older SDK models) instead of a plain string. */
  reasonAsObject?: boolean;
  /** Status shown until the final one: PENDING, or CREATED as one team saw in the 2026 sandbox. */
  interimStatus?: 'PENDING' | 'CREATED';
}

/** Makes the next `times` calls to a route misbehave: answer `status` or hang (never answer). */
export interface MomoFault {
  route: 'token' | 'requesttopay' | 'status';
  status?: number;
  hang?: boolean;
  /** Do the work first (store the payment), then misbehave: "the request got through but the answer was lost". */
  afterProcessing?: boolean;
  times?: number;
}

export interface MomoEmulatorOptions {
  port?: number;
  host?: string;
  subscriptionKey?: string;
  targetEnvironment?: string;
  /** Defaults to EUR for 'sandbox', UGX otherwise. */
  currency?: string;
  /** The pre-provisioned user's providerCallbackHost. */
  callbackHost?: string;
  apiUser?: string;
  apiKey?: string;
  tokenTtlSeconds?: number;
  /** How long 46733123454 stays CREATED before SUCCESSFUL (≈ 25 s in the 2026 sandbox). */
  slowSuccessMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface SentCallback {
  url: string;
  method: 'PUT' | 'POST';
  body: StatusObject;
  /** The listener's HTTP status, or null when it could not be reached. */
  status: number | null;
  error: string | null;
}

export interface StatusObject {
  financialTransactionId?: string;
  externalId: string;
  amount: string;
  currency: string;
  payer: { partyIdType: string; partyId: string };
  payerMessage?: string;
  payeeNote?: string;
  status: string;
  reason?: string | { code: string; message: string };
}

export interface MomoEmulator {
  readonly url: string;
  readonly apiUser: string;
  readonly apiKey: string;
  readonly subscriptionKey: string;
  readonly targetEnvironment: string;
  readonly currency: string;
  close(): Promise<void>;
  /** Overrides the default outcome for one payer MSISDN (digits, no '+'). */
  script(msisdn: string, script: MomoScript): void;
  fault(fault: MomoFault): void;
  /** Every token issued so far stops working (the next call gets 401). */
  expireTokens(): void;
  /** Every request received, control endpoints excluded, in arrival order. */
  readonly requests: RecordedRequest[];
  readonly callbacksSent: SentCallback[];
  /** The stored payment by X-Reference-Id, as the status GET would show it. */
  payment(referenceId: string): StatusObject | undefined;
  /** Resolves once every callback started so far has been delivered or has failed. */
  callbacksSettled(): Promise<void>;
  /** Forgets payments, scripts, faults, tokens, requests and callbacks (provisioned users stay). */
  reset(): void;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const DEFAULT_API_USER = 'c72025f5-5cd1-4630-99e4-8ba4722fad56';
const REASON_MESSAGES: Record<string, string> = {
  NOT_ENOUGH_FUNDS: 'The payer does not have enough funds.',
  PAYER_LIMIT_REACHED: 'The payer has reached a transaction limit.',
  PAYER_NOT_FOUND: 'The payer was not found.',
  APPROVAL_REJECTED: 'The payer rejected the request.',
  EXPIRED: 'The request expired.',
  COULD_NOT_PERFORM_TRANSACTION: 'The transaction could not be performed.',
  INTERNAL_PROCESSING_ERROR: 'An internal error occurred while processing.',
};

/** The 2026 column of payments.md §2.7; reasons are the emulator's choice (MoMo's docs give none). */
function defaultScript(msisdn: string, slowSuccessMs: number): MomoScript {
  switch (msisdn) {
    case '46733123450':
      return { status: 'FAILED', reason: 'INTERNAL_PROCESSING_ERROR' };
    case '46733123451':
      return { status: 'FAILED', reason: 'APPROVAL_REJECTED' };
    case '46733123452':
      return { status: 'FAILED', reason: 'EXPIRED' };
    case '46733123453':
      return { status: 'PENDING' };
    case '46733123454':
      return { status: 'SUCCESSFUL', afterMs: slowSuccessMs, interimStatus: 'CREATED' };
    default:
      return { status: 'SUCCESSFUL' };
  }
}

function minorDigitsOf(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

interface Payment {
  object: StatusObject;
  callbackUrl: string | null;
  script: MomoScript;
  timer: NodeJS.Timeout | null;
}

interface User {
  providerCallbackHost: string;
  apiKey: string | null;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { code, message });
}

export async function startMomo(options: MomoEmulatorOptions = {}): Promise<MomoEmulator> {
  const subscriptionKey = options.subscriptionKey ?? 'lango-sub';
  const targetEnvironment = options.targetEnvironment ?? 'sandbox';
  const currency = options.currency ?? (targetEnvironment === 'sandbox' ? 'EUR' : 'UGX');
  const apiUser = options.apiUser ?? DEFAULT_API_USER;
  const apiKey = options.apiKey ?? 'lango-momo-api-key';
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const slowSuccessMs = options.slowSuccessMs ?? 25_000;

  const users = new Map<string, User>([[apiUser, { providerCallbackHost: options.callbackHost ?? '127.0.0.1', apiKey }]]);
  const tokens = new Map<string, { user: string; expiresAt: number }>();
  const payments = new Map<string, Payment>();
  const scripts = new Map<string, MomoScript>();
  const faults: Array<MomoFault & { left: number }> = [];
  const requests: RecordedRequest[] = [];
  const callbacksSent: SentCallback[] = [];
  const inFlightCallbacks = new Set<Promise<void>>();
  let generation = 0; // bumped by reset(): a delivery started before it is not recorded after it

  function takeFault(route: MomoFault['route']): MomoFault | null {
    const index = faults.findIndex((f) => f.route === route);
    if (index < 0) return null;
    const fault = faults[index]!;
    fault.left -= 1;
    if (fault.left <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Answers as the fault says; true when the fault took over the answer. */
  function misbehave(res: ServerResponse, fault: MomoFault | null): boolean {
    if (!fault) return false;
    if (fault.hang) return true; // never answered; close() drops the socket
    const status = fault.status ?? 500;
    error(res, status, status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_PROCESSING_ERROR', 'Injected by the emulator');
    return true;
  }

  function sendCallback(payment: Payment): void {
    if (!payment.callbackUrl || payment.script.dropCallback) return;
    const url = payment.callbackUrl;
    const method = payment.script.callbackMethod ?? 'PUT';
    const body = structuredClone(payment.object);
    const started = generation;
    const delivery = (async () => {
      const record: SentCallback = { url, method, body, status: null, error: null };
      try {
        const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
        record.status = response.status;
        await response.arrayBuffer();
      } catch (err) {
        record.error = err instanceof Error ? err.message : String(err);
      }
      if (started === generation) callbacksSent.push(record); // once, never retried (§2.6)
    })();
    inFlightCallbacks.add(delivery);
    void delivery.finally(() => inFlightCallbacks.delete(delivery));
  }

  function finish(payment: Payment): void {
    const { script, object } = payment;
    payment.timer = null;
    object.status = script.status;
    if (script.status === 'SUCCESSFUL') {
      object.financialTransactionId = String(100_000_000 + Math.floor(Math.random() * 900_000_000));
    } else if (script.status === 'FAILED') {
      const code = script.reason ?? 'INTERNAL_PROCESSING_ERROR';
      object.reason = script.reasonAsObject ? { code, message: REASON_MESSAGES[code] ?? code } : code;
    }
    if (script.status !== 'PENDING') sendCallback(payment);
  }

  /** Subscription key, then Bearer token; answers and returns false when either is wrong. */
  function authorised(req: IncomingMessage, res: ServerResponse): { user: string } | null {
    if (header(req, 'ocp-apim-subscription-key') !== subscriptionKey) {
      error(res, 401, 'INVALID_SUBSCRIPTION_KEY', 'Access denied due to invalid subscription key.');
      return null;
    }
    const match = /^Bearer (.+)$/.exec(header(req, 'authorization') ?? '');
    const token = match ? tokens.get(match[1]!) : undefined;
    if (!token || token.expiresAt <= Date.now()) {
      error(res, 401, 'INVALID_TOKEN', 'Access token is missing, invalid or expired.');
      return null;
    }
    if (header(req, 'x-target-environment') !== targetEnvironment) {
      error(res, 400, 'NOT_ALLOWED_TARGET_ENVIRONMENT', `Target environment must be ${targetEnvironment}.`);
      return null;
    }
    return { user: token.user };
  }

  function requestToPay(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const caller = authorised(req, res);
    if (!caller) return;
    const referenceId = header(req, 'x-reference-id') ?? '';
    if (!UUID_V4.test(referenceId)) return error(res, 400, 'INVALID_REFERENCE_ID', 'X-Reference-Id must be a UUID version 4.');
    const callbackUrl = header(req, 'x-callback-url');
    if (callbackUrl !== undefined) {
      let host: string | null = null;
      try {
        host = new URL(callbackUrl).hostname;
      } catch {
        host = null;
      }
      if (host === null || host !== users.get(caller.user)?.providerCallbackHost) {
        return error(res, 400, 'INVALID_CALLBACK_URL_HOST', 'Callback URL host does not match the registered providerCallbackHost.');
      }
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
      if (body === null || typeof body !== 'object') throw new Error('not an object');
    } catch {
      return error(res, 400, 'BAD_REQUEST', 'The body is not a JSON object.');
    }
    const { amount, externalId, payer, payerMessage, payeeNote } = body as {
      amount?: unknown;
      externalId?: unknown;
      payer?: { partyIdType?: unknown; partyId?: unknown };
      payerMessage?: unknown;
      payeeNote?: unknown;
    };
    const digits = minorDigitsOf(currency);
    const amountPattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`);
    if (typeof amount !== 'string' || !amountPattern.test(amount) || Number(amount) <= 0) {
      return error(res, 400, 'INVALID_AMOUNT', `amount must be a string of ${digits === 0 ? 'whole' : 'decimal'} ${currency} greater than zero.`);
    }
    if (body.currency !== currency) return error(res, 400, 'INVALID_CURRENCY', `Currency not supported: this environment takes ${currency}.`);
    if (payer?.partyIdType !== 'MSISDN' || typeof payer.partyId !== 'string' || !/^\d{6,15}$/.test(payer.partyId)) {
      return error(res, 400, 'INVALID_PAYER', 'payer must be {partyIdType: MSISDN, partyId: digits without +}.');
    }
    if (typeof externalId !== 'string' || externalId === '') return error(res, 400, 'BAD_REQUEST', 'externalId is required.');
    for (const [name, value] of [['payerMessage', payerMessage], ['payeeNote', payeeNote]] as const) {
      if (value === undefined) continue;
      if (typeof value !== 'string' || value.length > 160 || /['‘’`]/.test(value)) {
        return error(res, 400, 'BAD_REQUEST', `${name} must be at most 160 characters without apostrophes.`);
      }
    }
    if (payments.has(referenceId)) return error(res, 409, 'RESOURCE_ALREADY_EXIST', 'Duplicated reference id. Creation of resource failed.');

    const fault = takeFault('requesttopay');
    if (fault && !fault.afterProcessing && misbehave(res, fault)) return;

    const script = scripts.get(payer.partyId) ?? defaultScript(payer.partyId, slowSuccessMs);
    const object: StatusObject = {
      externalId,
      amount,
      currency,
      payer: { partyIdType: 'MSISDN', partyId: payer.partyId },
      ...(typeof payerMessage === 'string' ? { payerMessage } : {}),
      ...(typeof payeeNote === 'string' ? { payeeNote } : {}),
      status: script.interimStatus ?? 'PENDING',
    };
    const payment: Payment = { object, callbackUrl: callbackUrl ?? null, script, timer: null };
    payments.set(referenceId, payment);
    if (script.status !== 'PENDING') {
      if (script.afterMs && script.afterMs > 0) {
        payment.timer = setTimeout(() => finish(payment), script.afterMs);
        payment.timer.unref();
      } else {
        finish(payment);
      }
    }
    if (fault && misbehave(res, fault)) return;
    json(res, 202);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const raw = await readBody(req);
    const method = req.method ?? 'GET';

    if (path.startsWith('/__emulator/')) return control(method, path, raw, res);
    requests.push({ method, path, headers: flatHeaders(req), body: raw, at: Date.now() });

    // Provisioning (§2.2).
    if (method === 'POST' && path === '/v1_0/apiuser') {
      if (header(req, 'ocp-apim-subscription-key') !== subscriptionKey) return error(res, 401, 'INVALID_SUBSCRIPTION_KEY', 'Access denied due to invalid subscription key.');
      const id = header(req, 'x-reference-id') ?? '';
      if (!UUID_V4.test(id)) return error(res, 400, 'INVALID_REFERENCE_ID', 'X-Reference-Id must be a UUID version 4.');
      if (users.has(id)) return error(res, 409, 'RESOURCE_ALREADY_EXIST', 'Duplicated reference id. Creation of resource failed.');
      let host: unknown;
      try {
        host = (JSON.parse(raw) as { providerCallbackHost?: unknown }).providerCallbackHost;
      } catch {
        host = undefined;
      }
      if (typeof host !== 'string' || host === '') return error(res, 400, 'BAD_REQUEST', 'providerCallbackHost is required.');
      users.set(id, { providerCallbackHost: host, apiKey: null });
      return json(res, 201);
    }
    const userPath = /^\/v1_0\/apiuser\/([^/]+)(\/apikey)?$/.exec(path);
    if (userPath) {
      if (header(req, 'ocp-apim-subscription-key') !== subscriptionKey) return error(res, 401, 'INVALID_SUBSCRIPTION_KEY', 'Access denied due to invalid subscription key.');
      const user = users.get(userPath[1]!);
      if (!user) return error(res, 404, 'RESOURCE_NOT_FOUND', 'Requested resource was not found.');
      if (method === 'GET' && !userPath[2]) return json(res, 200, { providerCallbackHost: user.providerCallbackHost, targetEnvironment });
      if (method === 'POST' && userPath[2]) {
        user.apiKey = randomBytes(16).toString('hex');
        return json(res, 201, { apiKey: user.apiKey });
      }
      return error(res, 405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
    }

    // Token (§2.3).
    if (method === 'POST' && path === '/collection/token/') {
      if (header(req, 'ocp-apim-subscription-key') !== subscriptionKey) return error(res, 401, 'INVALID_SUBSCRIPTION_KEY', 'Access denied due to invalid subscription key.');
      if (raw.length > 0) return error(res, 400, 'BAD_REQUEST', 'The token request takes no body.');
      const fault = takeFault('token');
      if (misbehave(res, fault)) return;
      const basic = /^Basic (.+)$/.exec(header(req, 'authorization') ?? '');
      const [user, key] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(/:(.*)/s) : [];
      const known = user === undefined ? undefined : users.get(user);
      if (!known || known.apiKey === null || known.apiKey !== key) return error(res, 401, 'INVALID_CREDENTIALS', 'Invalid API user or API key.');
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { user: user!, expiresAt: Date.now() + tokenTtlSeconds * 1000 });
      return json(res, 200, { access_token: token, token_type: 'access_token', expires_in: tokenTtlSeconds });
    }

    // Request to pay (§2.4) and status (§2.5).
    if (method === 'POST' && path === '/collection/v1_0/requesttopay') return requestToPay(req, res, raw);
    const statusPath = /^\/collection\/v1_0\/requesttopay\/([^/]+)$/.exec(path);
    if (method === 'GET' && statusPath) {
      if (!authorised(req, res)) return;
      if (misbehave(res, takeFault('status'))) return;
      const payment = payments.get(decodeURIComponent(statusPath[1]!));
      if (!payment) return error(res, 404, 'RESOURCE_NOT_FOUND', 'Requested resource was not found.');
      return json(res, 200, payment.object);
    }
    return error(res, 404, 'RESOURCE_NOT_FOUND', 'No such operation.');
  }

  function control(method: string, path: string, raw: string, res: ServerResponse): void {
    const body = (() => {
      try {
        return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return null;
      }
    })();
    if (body === null) return error(res, 400, 'BAD_REQUEST', 'JSON body expected.');
    if (method === 'POST' && path === '/__emulator/script') {
      const { msisdn, ...script } = body as unknown as { msisdn?: unknown } & MomoScript;
      if (typeof msisdn !== 'string' || !['SUCCESSFUL', 'FAILED', 'PENDING'].includes(script.status)) {
        return error(res, 400, 'BAD_REQUEST', 'Expected {msisdn, status: SUCCESSFUL|FAILED|PENDING, …}.');
      }
      emulator.script(msisdn, script);
      return json(res, 204);
    }
    if (method === 'POST' && path === '/__emulator/fault') {
      const fault = body as unknown as MomoFault;
      if (!['token', 'requesttopay', 'status'].includes(fault.route)) return error(res, 400, 'BAD_REQUEST', 'Expected {route: token|requesttopay|status, …}.');
      emulator.fault(fault);
      return json(res, 204);
    }
    if (method === 'POST' && path === '/__emulator/expire-tokens') {
      emulator.expireTokens();
      return json(res, 204);
    }
    if (method === 'POST' && path === '/__emulator/reset') {
      emulator.reset();
      return json(res, 204);
    }
    if (method === 'GET' && path === '/__emulator/state') {
      return json(res, 200, {
        targetEnvironment,
        currency,
        payments: [...payments].map(([referenceId, p]) => ({ referenceId, callbackUrl: p.callbackUrl, ...p.object })),
        callbacksSent,
        requests: requests.length,
        scripts: Object.fromEntries(scripts),
      });
    }
    return error(res, 404, 'RESOURCE_NOT_FOUND', 'No such control endpoint.');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) error(res, 500, 'INTERNAL_PROCESSING_ERROR', err instanceof Error ? err.message : 'emulator failure');
    });
  });
  const url = await listen(server, options.port, options.host);

  const emulator: MomoEmulator = {
    url,
    apiUser,
    apiKey,
    subscriptionKey,
    targetEnvironment,
    currency,
    async close() {
      for (const payment of payments.values()) if (payment.timer) clearTimeout(payment.timer);
      await Promise.allSettled([...inFlightCallbacks]);
      await closeServer(server);
    },
    script(msisdn, script) {
      scripts.set(msisdn.replace(/^\+/, ''), { ...script });
    },
    fault(fault) {
      faults.push({ ...fault, left: Math.max(1, fault.times ?? 1) });
    },
    expireTokens() {
      tokens.clear();
    },
    requests,
    callbacksSent,
    payment(referenceId) {
      const payment = payments.get(referenceId);
      return payment ? structuredClone(payment.object) : undefined;
    },
    async callbacksSettled() {
      while (inFlightCallbacks.size > 0) await Promise.allSettled([...inFlightCallbacks]);
    },
    reset() {
      generation += 1;
      for (const payment of payments.values()) if (payment.timer) clearTimeout(payment.timer);
      payments.clear();
      scripts.clear();
      faults.length = 0;
      tokens.clear();
      requests.length = 0;
      callbacksSent.length = 0;
    },
  };
  return emulator;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...listenArgs(),
      'subscription-key': { type: 'string' },
      'target-environment': { type: 'string' },
      currency: { type: 'string' },
      'callback-host': { type: 'string' },
      'api-user': { type: 'string' },
      'api-key': { type: 'string' },
      'token-ttl': { type: 'string' },
      'slow-success-ms': { type: 'string' },
    },
  });
  const emulator = await startMomo({
    port: Number(values.port),
    host: values.host,
    subscriptionKey: values['subscription-key'],
    targetEnvironment: values['target-environment'],
    currency: values.currency,
    callbackHost: values['callback-host'],
    apiUser: values['api-user'],
    apiKey: values['api-key'],
    tokenTtlSeconds: values['token-ttl'] === undefined ? undefined : Number(values['token-ttl']),
    slowSuccessMs: values['slow-success-ms'] === undefined ? undefined : Number(values['slow-success-ms']),
  });
  const { url, apiUser, apiKey, subscriptionKey, targetEnvironment, currency } = emulator;
  serveUntilSignalled(emulator, { url, apiUser, apiKey, subscriptionKey, targetEnvironment, currency });
}

runIfMain(import.meta.url, main);
