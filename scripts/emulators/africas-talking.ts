import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { closeServer, flatHeaders, json, listen, listenArgs, readBody, runIfMain, serveUntilSignalled, text } from './http-kit.js';

// An Africa's Talking SMS emulator for tests and demos, speaking the wire contract of
// payments.md §3.1–3.2: POST /version1/messaging (apiKey header, form fields, 201 with one
// entry per recipient and a per-number scripted statusCode) and delivery reports posted
// form-encoded to a configured URL.
//
// In-process: `const at = await startAfricasTalking({ dlrUrl })`.
// As a process: `node dist/scripts/emulators/africas-talking.js --port 8083` prints one JSON
// line {"url": …, "username": …, "apiKey": …} and runs until SIGTERM.
// Control over HTTP: POST /__emulator/script {number, statusCode, hang?}, POST /__emulator/dlr
// {messageId, status, failureReason?}, POST /__emulator/reset, GET /__emulator/state.

export interface AtScript {
  /** Per-recipient statusCode (101 = Success; 403 InvalidPhoneNumber, 405 InsufficientBalance …). */
  statusCode?: number;
  /** Never answer a send that includes this number (for timeout tests). */
  hang?: boolean;
}

export interface AtEmulatorOptions {
  port?: number;
  host?: string;
  username?: string;
  apiKey?: string;
  /** Where delivery reports are POSTed (the AT dashboard setting). */
  dlrUrl?: string;
  /** Cost text per accepted recipient. */
  cost?: string;
  networkCode?: string;
}

export interface AtSent {
  to: string;
  message: string;
  from: string | null;
  statusCode: number;
  messageId: string;
  username: string;
  enqueue: boolean;
  bulkSMSMode: string | null;
}

export interface AtDeliveryReportSent {
  url: string;
  form: Record<string, string>;
  status: number | null;
  error: string | null;
}

export interface AtEmulator {
  readonly url: string;
  readonly username: string;
  readonly apiKey: string;
  close(): Promise<void>;
  /** Overrides the outcome for one number (E.164 with '+'). */
  script(number: string, script: AtScript): void;
  /** One entry per recipient of every send call, in order. */
  readonly sent: AtSent[];
  /** Send calls received (including refused ones): method, headers, raw body. */
  readonly requests: Array<{ path: string; headers: Record<string, string>; body: string }>;
  readonly reportsSent: AtDeliveryReportSent[];
  setDlrUrl(url: string): void;
  /** POSTs a delivery report for `messageId` to the DLR URL; resolves with the listener's status. */
  deliveryReport(messageId: string, status: string, failureReason?: string): Promise<number | null>;
  reset(): void;
}

const STATUS_NAMES: Record<number, string> = {
  100: 'Processed',
  101: 'Success',
  102: 'Queued',
  401: 'RiskHold',
  402: 'InvalidSenderId',
  403: 'InvalidPhoneNumber',
  404: 'UnsupportedNumberType',
  405: 'InsufficientBalance',
  406: 'UserInBlacklist',
  407: 'CouldNotRoute',
  409: 'DoNotDisturbRejection',
  500: 'InternalServerError',
  501: 'GatewayError',
  502: 'RejectedByGateway',
};

export async function startAfricasTalking(options: AtEmulatorOptions = {}): Promise<AtEmulator> {
  const username = options.username ?? 'sandbox';
  const apiKey = options.apiKey ?? 'lango-at-key';
  const cost = options.cost ?? 'KES 0.8000';
  const networkCode = options.networkCode ?? '63902';
  let dlrUrl = options.dlrUrl ?? null;
  const scripts = new Map<string, AtScript>();
  const sent: AtSent[] = [];
  const requests: AtEmulator['requests'] = [];
  const reportsSent: AtDeliveryReportSent[] = [];
  const numbersById = new Map<string, string>();

  function messaging(req: IncomingMessage, res: ServerResponse, raw: string): void {
    if (req.headers['apikey'] !== apiKey) return text(res, 401, 'The supplied authentication is invalid');
    if (!String(req.headers['accept'] ?? '').includes('application/json')) return text(res, 406, 'Accept: application/json expected');
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return text(res, 415, 'Form-encoded body expected');
    const form = new URLSearchParams(raw);
    if (form.get('username') !== username) return text(res, 401, 'The supplied authentication is invalid');
    const message = form.get('message');
    const to = (form.get('to') ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    if (!message) return text(res, 400, 'Must have message to send');
    if (to.length === 0) return text(res, 400, 'Must have to to send');
    if (to.some((number) => scripts.get(number)?.hang)) return; // never answered; close() drops it

    let accepted = 0;
    let total = 0;
    const currency = cost.split(' ')[0] ?? 'KES';
    const unit = Number(cost.split(' ')[1] ?? '0');
    const recipients = to.map((number) => {
      const statusCode = scripts.get(number)?.statusCode ?? (/^\+\d{8,15}$/.test(number) ? 101 : 403);
      const ok = statusCode >= 100 && statusCode <= 102;
      const messageId = ok ? `ATXid_${randomBytes(16).toString('hex')}` : 'None';
      if (ok) {
        accepted += 1;
        total += unit;
        numbersById.set(messageId, number);
      }
      sent.push({ to: number, message, from: form.get('from'), statusCode, messageId, username, enqueue: form.get('enqueue') === '1', bulkSMSMode: form.get('bulkSMSMode') });
      return { statusCode, number, status: STATUS_NAMES[statusCode] ?? 'Failed', cost: ok ? cost : '0', messageId };
    });
    json(res, 201, { SMSMessageData: { Message: `Sent to ${accepted}/${to.length} Total Cost: ${currency} ${total.toFixed(4)}`, Recipients: recipients } });
  }

  async function deliveryReport(messageId: string, status: string, failureReason?: string): Promise<number | null> {
    const url = dlrUrl;
    if (!url) throw new Error('no DLR URL configured');
    const form: Record<string, string> = { id: messageId, status, phoneNumber: numbersById.get(messageId) ?? '', networkCode, retryCount: '0' };
    if (failureReason) form.failureReason = failureReason;
    const record: AtDeliveryReportSent = { url, form, status: null, error: null };
    reportsSent.push(record);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      record.status = response.status;
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    return record.status;
  }

  async function control(method: string, path: string, raw: string, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return json(res, 400, { error: 'JSON body expected' });
    }
    if (method === 'POST' && path === '/__emulator/script') {
      if (typeof body.number !== 'string') return json(res, 400, { error: 'Expected {number, statusCode?, hang?}' });
      emulator.script(body.number, { statusCode: typeof body.statusCode === 'number' ? body.statusCode : undefined, hang: body.hang === true });
      return json(res, 204);
    }
    if (method === 'POST' && path === '/__emulator/dlr') {
      if (typeof body.messageId !== 'string' || typeof body.status !== 'string') return json(res, 400, { error: 'Expected {messageId, status, failureReason?}' });
      if (typeof body.url === 'string') dlrUrl = body.url;
      const status = await deliveryReport(body.messageId, body.status, typeof body.failureReason === 'string' ? body.failureReason : undefined);
      return json(res, 200, { status });
    }
    if (method === 'POST' && path === '/__emulator/reset') {
      emulator.reset();
      return json(res, 204);
    }
    if (method === 'GET' && path === '/__emulator/state') return json(res, 200, { sent, reportsSent, dlrUrl, scripts: Object.fromEntries(scripts) });
    return json(res, 404, { error: 'No such control endpoint' });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://emulator').pathname;
      const raw = await readBody(req);
      if (path.startsWith('/__emulator/')) return control(req.method ?? 'GET', path, raw, res);
      requests.push({ path, headers: flatHeaders(req), body: raw });
      if (req.method === 'POST' && path === '/version1/messaging') return messaging(req, res, raw);
      return text(res, 404, 'Not found');
    })().catch((err: unknown) => {
      if (!res.headersSent) text(res, 500, err instanceof Error ? err.message : 'emulator failure');
    });
  });
  const url = await listen(server, options.port, options.host);

  const emulator: AtEmulator = {
    url,
    username,
    apiKey,
    close: () => closeServer(server),
    script(number, script) {
      scripts.set(number, { ...script });
    },
    sent,
    requests,
    reportsSent,
    setDlrUrl(url) {
      dlrUrl = url;
    },
    deliveryReport,
    reset() {
      scripts.clear();
      sent.length = 0;
      requests.length = 0;
      reportsSent.length = 0;
      numbersById.clear();
    },
  };
  return emulator;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...listenArgs(),
      username: { type: 'string' },
      'api-key': { type: 'string' },
      'dlr-url': { type: 'string' },
    },
  });
  const emulator = await startAfricasTalking({ port: Number(values.port), host: values.host, username: values.username, apiKey: values['api-key'], dlrUrl: values['dlr-url'] });
  serveUntilSignalled(emulator, { url: emulator.url, username: emulator.username, apiKey: emulator.apiKey });
}

runIfMain(import.meta.url, main);
