/**
 * A local Safaricom Daraja: OAuth token, STK push, STK query, C2B URL registration and C2B
 * payments, and Transaction Status (a receipt looked up, the answer POSTed to ResultURL),
 * speaking the wire contract of payments.md §1 over plain HTTP on loopback.
 *
 * Test tooling, but built like a peer, not a mock: it checks every field the way Daraja does and,
 * where the docs are silent, more strictly (stricter emulator, tolerant client), so a client that
 * passes here has few surprises left for the sandbox. Outcomes are scripted per MSISDN so tests are
 * deterministic. It deliberately shares no code with src/payments: the password rule, the URL rule
 * and the answer shapes are written out a second time so a mistake on one side shows on the wire.
 *
 *   node dist/scripts/emulators/daraja.js --port 9101      prints {"url": …}, runs until SIGTERM
 *
 * Other processes drive it through POST /__emulator/script, POST /__emulator/c2b,
 * POST /__emulator/reset and GET /__emulator/state.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { closeServer, listen, listenArgs, readBody, runIfMain, serveUntilSignalled } from './http-kit.js';

/** How the emulator plays out an STK push for one MSISDN (or by default). */
export interface StkScript {
  /** Callback/query ResultCode: 0 paid, 1 no funds, 17, 1001, 1019, 1025, 1032 cancelled, 1037 timeout, 2001… Default 0. */
  resultCode?: number | string;
  /** Time from the push until the customer "acts": the callback is sent and the query stops saying "being processed". Default 200. */
  delayMs?: number;
  /** Extra identical callbacks after the first. Default 0. */
  duplicates?: number;
  /** Send no callback at all; the query still answers. */
  drop?: boolean;
  /** Send ResultCode as a JSON string ("0") rather than a number. */
  stringResultCode?: boolean;
  /** Send the Balance item with no Value, as most real payloads do. */
  balanceWithoutValue?: boolean;
  /** Receipt number to report instead of a fresh one (to fake a duplicate receipt). */
  receipt?: string;
  /** Amount (shillings) the callback reports instead of the one requested. */
  amount?: number;
  /** Phone (2547… digits) the callback reports instead of the one requested. */
  phone?: string;
}

export interface DarajaOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  consumerKey?: string;
  consumerSecret?: string;
  /** The STK shortcode the emulator accepts. Default '174379'. */
  shortcode?: string;
  /** Default: the public sandbox passkey. */
  passkey?: string;
  tokenTtlSeconds?: number;
  defaultScript?: StkScript;
  /** Production behaviour: C2B URLs may be registered once per shortcode. Default false (sandbox overwrites). */
  productionRegistration?: boolean;
  /** How long M-Pesa waits for the validation answer. Default 8000 (payments.md §1.7). */
  validationTimeoutMs?: number;
  /** External C2B validation is something Safaricom switches on per shortcode. Default true. */
  externalValidation?: boolean;
  /** Answer 500.003.02 Spike Arrest when the same CheckoutRequestID is queried again sooner than this. Default 0 = off. */
  queryMinIntervalMs?: number;
  /** How long the emulator waits for Lango's answer to an STK callback or C2B confirmation. Default 5000. */
  callbackTimeoutMs?: number;
  /** The initiator allowed Transaction Status queries, and its security credential (compared as given). Defaults 'testapi', 'lango-test-credential'. */
  initiatorName?: string;
  securityCredential?: string;
  /** Time from a Transaction Status query to its result at ResultURL. Default 300. */
  statusResultDelayMs?: number;
  /** One line per request and callback. Off by default. Never sees tokens or passwords. */
  logger?: (line: string) => void;
}

export interface PushRecord {
  checkoutRequestId: string;
  merchantRequestId: string;
  /** The push request as received, Password removed. */
  body: Record<string, unknown>;
  msisdn: string;
  amount: number;
  callbackUrl: string;
  resultCode: number | string;
  /** Epoch ms at which the customer "acts". */
  outcomeAt: number;
  dropped: boolean;
  /** The callback the emulator sends (or would send, when dropped). */
  callback: Record<string, unknown>;
}

export interface CallbackRecord {
  kind: 'stk' | 'c2b-validation' | 'c2b-confirmation' | 'transaction-status';
  url: string;
  body: Record<string, unknown>;
  /** HTTP status of Lango's answer; 0 when there was none (refused, timed out). */
  status: number;
  /** Lango's answer body, parsed when it was JSON. */
  answer?: unknown;
}

/** One Transaction Status query as received, and the result the emulator posts for it. */
export interface TransactionStatusRecord {
  conversationId: string;
  originatorConversationId: string;
  receipt: string;
  resultUrl: string;
  timeoutUrl: string;
  /** The result's ResultCode: 0 found, 2001 initiator refused, otherwise not found. */
  resultCode: number;
}

export interface C2bRegistrationRecord {
  shortCode: string;
  version: 1 | 2;
  responseType: 'Completed' | 'Cancelled';
  confirmationUrl: string;
  validationUrl: string;
}

export interface C2bInput {
  amount: number | string;
  billRef: string;
  msisdn?: string;
  commandId?: 'CustomerPayBillOnline' | 'CustomerBuyGoodsOnline';
  transId?: string;
  shortCode?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
}

export interface C2bResult {
  transId: string;
  validation: 'accepted' | 'rejected' | 'timeout' | 'not-enabled';
  /** Lango's rejection code (C2B00012…). */
  resultCode?: string;
  /** Whether a confirmation was sent. */
  confirmed: boolean;
}

export interface DarajaEmulator {
  /** 'http://127.0.0.1:PORT', no trailing slash. */
  url: string;
  close(): Promise<void>;
  /** Script every later push to this MSISDN ('2547…' digits; a leading '+' is ignored). */
  script(msisdn: string, script: StkScript): void;
  setDefault(script: StkScript): void;
  simulateC2B(input: C2bInput): Promise<C2bResult>;
  /** Send a push's callback again, `times` times (a late duplicate, or the callback a drop withheld). */
  resendLastCallback(checkoutRequestId: string, times?: number): Promise<void>;
  readonly pushes: readonly PushRecord[];
  readonly callbacksSent: readonly CallbackRecord[];
  readonly registrations: readonly C2bRegistrationRecord[];
  readonly statusQueries: readonly TransactionStatusRecord[];
  readonly tokensIssued: number;
  /** Forget scripts, pushes, callbacks, registrations and pending timers; the current token stays valid. */
  reset(): void;
}

export const SANDBOX_PASSKEY = 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919';

const PATHS = {
  token: '/oauth/v1/generate',
  stkPush: '/mpesa/stkpush/v1/processrequest',
  stkQuery: '/mpesa/stkpushquery/v1/query',
  registerV1: '/mpesa/c2b/v1/registerurl',
  registerV2: '/mpesa/c2b/v2/registerurl',
  simulate: '/mpesa/c2b/v2/simulate',
  transactionStatus: '/mpesa/transactionstatus/v1/query',
  controlScript: '/__emulator/script',
  controlC2b: '/__emulator/c2b',
  controlState: '/__emulator/state',
  controlReset: '/__emulator/reset',
} as const;

// ResultDesc texts as Daraja words them (payments.md §1.5).
const RESULT_DESCRIPTIONS: Record<string, string> = {
  '0': 'The service request is processed successfully.',
  '1': 'The balance is insufficient for the transaction.',
  '2': 'Declined due to limit rule: less than the minimum transaction amount.',
  '3': 'Declined due to limit rule: greater than the maximum transaction amount.',
  '4': 'Declined due to limit rule: would exceed daily transfer limit.',
  '8': 'Declined due to limit rule: would exceed the maximum balance.',
  '17': 'Rule limited.',
  '26': 'System busy. The service request is rejected.',
  '1001': 'Unable to lock subscriber, a transaction is already in process for the current subscriber',
  '1019': 'Transaction has expired',
  '1025': 'An error occurred while sending a push request',
  '1032': 'Request cancelled by user',
  '1037': 'DS timeout user cannot be reached',
  '2001': 'The initiator information is invalid.',
  '2028': 'The request is not permitted according to product assignment',
  '8006': 'The security credential is locked',
  '9999': 'An error occurred while sending a push request',
  SFC_IC0003: 'The operator does not exist',
};

// Daraja refuses URLs naming itself or looking like shell/SQL probes, in any case (payments.md §1.8),
// and blocks public tunnels and request bins; the docs give no complete list, so this errs wide.
const FORBIDDEN_URL_WORDS = /m[-_.\s]?pesa|safaricom|exe|cmd|sql|query|ngrok|localtunnel|serveo|requestbin|mockbin|webhook\.site|pipedream|beeceptor/i;

const MAX_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorMessage: string,
  ) {
    super(`${errorCode} ${errorMessage}`);
  }
}

export async function startDaraja(options: DarajaOptions = {}): Promise<DarajaEmulator> {
  const settings = {
    consumerKey: options.consumerKey ?? 'lango-key',
    consumerSecret: options.consumerSecret ?? 'lango-secret',
    shortcode: options.shortcode ?? '174379',
    passkey: options.passkey ?? SANDBOX_PASSKEY,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    productionRegistration: options.productionRegistration ?? false,
    validationTimeoutMs: options.validationTimeoutMs ?? 8000,
    externalValidation: options.externalValidation ?? true,
    queryMinIntervalMs: options.queryMinIntervalMs ?? 0,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 5000,
    initiatorName: options.initiatorName ?? 'testapi',
    securityCredential: options.securityCredential ?? 'lango-test-credential',
    statusResultDelayMs: options.statusResultDelayMs ?? 300,
  };
  const log = options.logger ?? (() => {});

  // Daraja keeps one live token per app: issuing a new one kills the previous (payments.md §1.2).
  let token: { value: string; expiresAt: number } | undefined;
  let tokensIssued = 0;
  let defaultScript: StkScript = { ...options.defaultScript };
  const scripts = new Map<string, StkScript>();
  const pushes: PushRecord[] = [];
  const pushById = new Map<string, PushRecord>();
  const lastQueryAt = new Map<string, number>();
  const callbacksSent: CallbackRecord[] = [];
  const registrations = new Map<string, C2bRegistrationRecord>();
  const receipts = new Set<string>();
  /** Payments the emulated M-Pesa completed, by receipt (STK, including those whose callback was dropped, and C2B). */
  const completed = new Map<string, { amount: number; msisdn: string; at: number; reason: string }>();
  const statusQueries: TransactionStatusRecord[] = [];
  const balances = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const closing = new AbortController();
  let sequence = 0;

  function later(ms: number, task: () => Promise<void>): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      task().catch((err: unknown) => log(`emulator task failed: ${err instanceof Error ? err.message : String(err)}`));
    }, ms);
    timers.add(timer);
  }

  // ---- ids shaped like Daraja's -------------------------------------------------------------

  function newReceipt(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (;;) {
      // Real receipts start with a letter that advances with the year ('T' in 2025–26).
      let receipt = 'T';
      for (let i = 0; i < 9; i++) receipt += alphabet[randomInt(alphabet.length)];
      if (!receipts.has(receipt)) {
        receipts.add(receipt);
        return receipt;
      }
    }
  }

  function newMerchantRequestId(): string {
    return `${randomInt(10000, 99999)}-${randomInt(10_000_000, 99_999_999)}-${randomInt(1, 9)}`;
  }

  function newCheckoutRequestId(now: number): string {
    const stamp = eatTimestamp(now);
    // ws_CO_ + DDMMYYYYHHmmss + digits; the sequence keeps ids unique within a second.
    const ddmmyyyy = stamp.slice(6, 8) + stamp.slice(4, 6) + stamp.slice(0, 4);
    sequence = (sequence + 1) % 1000;
    return `ws_CO_${ddmmyyyy}${stamp.slice(8)}${String(sequence).padStart(3, '0')}${randomInt(100000, 999999)}`;
  }

  function newRequestId(): string {
    return `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}${randomInt(1000000, 9999999)}`;
  }

  function newConversationId(): string {
    return `${randomInt(1000, 9999)}-${randomInt(10_000_000, 99_999_999)}-${randomInt(1, 9)}`;
  }

  // ---- HTTP plumbing ------------------------------------------------------------------------

  /** Daraja's own framing: always a JSON content-type and a Content-Length, even on an empty body. */
  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /**
   * Daraja answers a non-JSON body with a complaint about the first field it could not read
   * (a form-encoded push gets "Invalid BusinessShortCode"), so the caller names that field.
   */
  function readJson(req: IncomingMessage, text: string, firstField: string): Record<string, unknown> {
    const invalid = new HttpError(400, '400.002.02', `Bad Request - Invalid ${firstField}`);
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) throw invalid;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalid;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid;
    return value as Record<string, unknown>;
  }

  /** API calls need the live token; the C2B APIs word the refusal differently (payments.md §1.2). */
  function requireToken(req: IncomingMessage, style: 'stk' | 'c2b'): void {
    const presented = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (presented !== undefined && token !== undefined && presented === token.value && Date.now() < token.expiresAt) return;
    if (style === 'c2b') throw new HttpError(400, '400.003.01', 'Invalid Access Token');
    throw new HttpError(404, '404.001.03', 'Invalid Access Token');
  }

  function fieldError(field: string): HttpError {
    return new HttpError(400, '400.002.02', `Bad Request - Invalid ${field}`);
  }

  /** Digits given as a JSON string or an integer; undefined otherwise. */
  function digitsOf(value: unknown): string | undefined {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
    if (typeof value === 'string' && /^\d+$/.test(value)) return value;
    return undefined;
  }

  function shortcodeField(body: Record<string, unknown>, field: string): string {
    const value = digitsOf(body[field]);
    if (value === undefined || !/^\d{5,7}$/.test(value)) throw fieldError(field);
    return value;
  }

  function msisdnField(body: Record<string, unknown>, field: string): string {
    const value = digitsOf(body[field]);
    if (value === undefined || !/^254[17]\d{8}$/.test(value)) throw fieldError(field);
    return value;
  }

  /** Whole shillings, 1 to 250 000; decimals are refused, even "1.00" as a string. */
  function amountField(body: Record<string, unknown>, field: string): number {
    const value = digitsOf(body[field]);
    const amount = value === undefined ? NaN : Number(value);
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > 250_000) throw fieldError(field);
    return amount;
  }

  function urlField(body: Record<string, unknown>, field: string): string {
    const value = body[field];
    if (typeof value !== 'string' || !isAcceptableUrl(value)) throw fieldError(field);
    return value;
  }

  /** Timestamp and Password, checked as Daraja does for push and query alike. */
  function checkCredentials(body: Record<string, unknown>): string {
    const shortcode = shortcodeField(body, 'BusinessShortCode');
    const timestamp = body.Timestamp;
    if (typeof timestamp !== 'string' || !isPlausibleTimestamp(timestamp)) throw fieldError('Timestamp');
    if (typeof body.Password !== 'string' || body.Password === '') throw fieldError('Password');
    return shortcode;
  }

  function checkMerchant(shortcode: string, body: Record<string, unknown>): void {
    if (shortcode !== settings.shortcode) throw new HttpError(500, '500.001.1001', 'Merchant does not exist');
    const expected = Buffer.from(`${shortcode}${settings.passkey}${String(body.Timestamp)}`).toString('base64');
    if (body.Password !== expected) throw new HttpError(500, '500.001.1001', '[MerchantValidate] - Wrong credentials');
  }

  // ---- OAuth --------------------------------------------------------------------------------

  function issueToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') throw new HttpError(405, '405.001', 'Method Not Allowed');
    const auth = req.headers.authorization ?? '';
    if (!/^Basic\s+\S+$/.test(auth)) throw new HttpError(400, '400.008.01', 'Invalid Authentication passed');
    if (url.searchParams.get('grant_type') !== 'client_credentials') throw new HttpError(400, '400.008.02', 'Invalid grant type passed');
    const decoded = Buffer.from(auth.replace(/^Basic\s+/, ''), 'base64').toString('utf8');
    if (decoded !== `${settings.consumerKey}:${settings.consumerSecret}`) {
      // Daraja's answer to a wrong key or secret varies and is sometimes empty: the least helpful one.
      send(res, 400, undefined);
      return;
    }
    tokensIssued += 1;
    token = { value: randomBytes(21).toString('base64').replace(/[^A-Za-z0-9]/g, 'x'), expiresAt: Date.now() + settings.tokenTtlSeconds * 1000 };
    // expires_in is a string on the real wire, whatever the docs print.
    send(res, 200, { access_token: token.value, expires_in: String(settings.tokenTtlSeconds) });
  }

  // ---- STK push -----------------------------------------------------------------------------

  function stkPush(req: IncomingMessage, res: ServerResponse, text: string): void {
    requireToken(req, 'stk');
    const body = readJson(req, text, 'BusinessShortCode');
    const shortcode = checkCredentials(body);
    const type = body.TransactionType;
    if (type !== 'CustomerPayBillOnline' && type !== 'CustomerBuyGoodsOnline') throw fieldError('TransactionType');
    const amount = amountField(body, 'Amount');
    const partyA = msisdnField(body, 'PartyA');
    const partyB = shortcodeField(body, 'PartyB');
    const phone = msisdnField(body, 'PhoneNumber');
    const callbackUrl = urlField(body, 'CallBackURL');
    const reference = body.AccountReference;
    if (typeof reference !== 'string' || !/^[A-Za-z0-9]{1,12}$/.test(reference)) throw fieldError('AccountReference');
    const description = body.TransactionDesc;
    if (description !== undefined && (typeof description !== 'string' || description.length > 13)) throw fieldError('TransactionDesc');
    checkMerchant(shortcode, body);

    const now = Date.now();
    // One prompt at a time per handset: a second push while the first is open is refused.
    const open = pushes.find((p) => p.msisdn === phone && p.outcomeAt > now);
    if (open) {
      throw new HttpError(500, '500.001.1001', 'Unable to lock subscriber, a transaction is already in process for the current subscriber');
    }

    const script: StkScript = { ...defaultScript, ...scripts.get(phone) };
    // A paybill push must pay the paybill itself; M-Pesa settles a wrong pairing with 2028.
    const resultCode = type === 'CustomerPayBillOnline' && partyB !== shortcode ? 2028 : (script.resultCode ?? 0);
    const merchantRequestId = newMerchantRequestId();
    const checkoutRequestId = newCheckoutRequestId(now);
    const outcomeAt = now + Math.max(0, script.delayMs ?? 200);
    const { Password: _password, ...recorded } = body;
    const push: PushRecord = {
      checkoutRequestId,
      merchantRequestId,
      body: recorded,
      msisdn: phone,
      amount,
      callbackUrl,
      resultCode,
      outcomeAt,
      dropped: script.drop === true,
      callback: stkCallbackBody({ merchantRequestId, checkoutRequestId, resultCode, amount, phone, partyA, outcomeAt, script }),
    };
    pushes.push(push);
    pushById.set(checkoutRequestId, push);
    const paidReceipt = metadataValue(push.callback, 'MpesaReceiptNumber');
    if (typeof paidReceipt === 'string') completed.set(paidReceipt, { amount: script.amount ?? amount, msisdn: script.phone?.replace(/^\+/, '') ?? phone, at: outcomeAt, reason: 'Pay Bill Online' });
    log(`STK push ${checkoutRequestId} KES ${amount} from ${phone} → result ${resultCode} in ${outcomeAt - now} ms${push.dropped ? ' (callback dropped)' : ''}`);

    if (!push.dropped) {
      later(outcomeAt - now, async () => {
        for (let i = 0; i <= Math.max(0, script.duplicates ?? 0); i++) await deliver('stk', push.callbackUrl, push.callback);
      });
    }
    send(res, 200, {
      MerchantRequestID: merchantRequestId,
      CheckoutRequestID: checkoutRequestId,
      ResponseCode: '0',
      ResponseDescription: 'Success. Request accepted for processing',
      CustomerMessage: 'Success. Request accepted for processing',
    });
  }

  function stkCallbackBody(p: {
    merchantRequestId: string;
    checkoutRequestId: string;
    resultCode: number | string;
    amount: number;
    phone: string;
    partyA: string;
    outcomeAt: number;
    script: StkScript;
  }): Record<string, unknown> {
    const code = String(p.resultCode);
    // Numeric codes travel as numbers unless scripted otherwise; codes like SFC_IC0003 cannot.
    const wireCode = p.script.stringResultCode || !/^\d+$/.test(code) ? code : Number(code);
    const callback: Record<string, unknown> = {
      MerchantRequestID: p.merchantRequestId,
      CheckoutRequestID: p.checkoutRequestId,
      ResultCode: wireCode,
      ResultDesc: RESULT_DESCRIPTIONS[code] ?? 'The transaction failed.',
    };
    if (code === '0') {
      callback.CallbackMetadata = {
        Item: [
          { Name: 'Amount', Value: p.script.amount ?? p.amount },
          { Name: 'MpesaReceiptNumber', Value: p.script.receipt ?? newReceipt() },
          p.script.balanceWithoutValue ? { Name: 'Balance' } : { Name: 'Balance', Value: 0 },
          { Name: 'TransactionDate', Value: Number(eatTimestamp(p.outcomeAt)) },
          { Name: 'PhoneNumber', Value: Number(p.script.phone?.replace(/^\+/, '') ?? p.phone) },
        ],
      };
    }
    return { Body: { stkCallback: callback } };
  }

  // ---- STK query ----------------------------------------------------------------------------

  function stkQuery(req: IncomingMessage, res: ServerResponse, text: string): void {
    requireToken(req, 'stk');
    const body = readJson(req, text, 'BusinessShortCode');
    const shortcode = checkCredentials(body);
    const id = body.CheckoutRequestID;
    if (typeof id !== 'string' || id === '') throw fieldError('CheckoutRequestID');
    checkMerchant(shortcode, body);
    const push = pushById.get(id);
    if (!push) throw fieldError('CheckoutRequestID');

    const now = Date.now();
    const previous = lastQueryAt.get(id);
    lastQueryAt.set(id, now);
    if (settings.queryMinIntervalMs > 0 && previous !== undefined && now - previous < settings.queryMinIntervalMs) {
      throw new HttpError(500, '500.003.02', 'Spike Arrest Violation');
    }
    // Until the customer acts, Daraja answers with the error shape (payments.md §1.6).
    if (now < push.outcomeAt) {
      send(res, 500, { requestId: push.checkoutRequestId, errorCode: '500.001.1001', errorMessage: 'The transaction is being processed' });
      return;
    }
    const code = String(push.resultCode);
    send(res, 200, {
      ResponseCode: '0',
      ResponseDescription: 'The service request has been accepted successsfully',
      MerchantRequestID: push.merchantRequestId,
      CheckoutRequestID: push.checkoutRequestId,
      // Always a string here, unlike the callback.
      ResultCode: code,
      ResultDesc: RESULT_DESCRIPTIONS[code] ?? 'The transaction failed.',
    });
  }

  // ---- Transaction Status -------------------------------------------------------------------

  /**
   * Acknowledged at once; the answer goes to ResultURL a moment later. The initiator's
   * credentials are checked by M-Pesa behind Daraja, so a wrong one comes back as a result
   * (2001), not as an HTTP error. Daraja documents no result for an unknown receipt [U]: this
   * answers ResultCode 1, "The transaction could not be found.", with no ResultParameters.
   */
  function transactionStatus(req: IncomingMessage, res: ServerResponse, text: string): void {
    requireToken(req, 'c2b');
    const body = readJson(req, text, 'Initiator');
    const initiator = body.Initiator;
    if (typeof initiator !== 'string' || initiator.trim() === '') throw fieldError('Initiator');
    const credential = body.SecurityCredential;
    if (typeof credential !== 'string' || credential === '') throw fieldError('SecurityCredential');
    if (body.CommandID !== 'TransactionStatusQuery') throw fieldError('CommandID');
    const transactionId = body.TransactionID;
    if (typeof transactionId !== 'string' || !/^[A-Za-z0-9]{10}$/.test(transactionId.trim())) throw fieldError('TransactionID');
    const partyA = shortcodeField(body, 'PartyA');
    const identifierType = digitsOf(body.IdentifierType);
    if (identifierType !== '1' && identifierType !== '2' && identifierType !== '4') throw fieldError('IdentifierType');
    const resultUrl = urlField(body, 'ResultURL');
    const timeoutUrl = urlField(body, 'QueueTimeOutURL');
    const remarks = body.Remarks;
    if (typeof remarks !== 'string' || remarks.trim() === '' || remarks.length > 100) throw fieldError('Remarks');
    const occasion = body.Occasion;
    if (occasion !== undefined && (typeof occasion !== 'string' || occasion.length > 100)) throw fieldError('Occasion');

    const now = Date.now();
    const receipt = transactionId.trim().toUpperCase();
    const conversationId = `AG_${eatTimestamp(now).slice(0, 8)}_${randomBytes(10).toString('hex')}`;
    const originatorConversationId = `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}${randomInt(1000000, 9999999)}`;
    const payment = completed.get(receipt);
    const envelope = { ResultType: 0, OriginatorConversationID: originatorConversationId, ConversationID: conversationId, TransactionID: `${receipt.slice(0, 3)}0000000`, ReferenceData: { ReferenceItem: { Key: 'Occasion', Value: typeof occasion === 'string' ? occasion : '' } } };
    let result: Record<string, unknown>;
    let resultCode: number;
    if (initiator !== settings.initiatorName || credential !== settings.securityCredential) {
      resultCode = 2001;
      result = { ...envelope, ResultCode: 2001, ResultDesc: RESULT_DESCRIPTIONS['2001'] };
    } else if (!payment || payment.at > now || partyA !== settings.shortcode) {
      resultCode = 1;
      result = { ...envelope, ResultCode: 1, ResultDesc: 'The transaction could not be found.' };
    } else {
      resultCode = 0;
      const paidAt = Number(eatTimestamp(payment.at));
      result = {
        ...envelope,
        ResultCode: 0,
        ResultDesc: RESULT_DESCRIPTIONS['0'],
        ResultParameters: {
          ResultParameter: [
            { Key: 'DebitPartyName', Value: `${payment.msisdn} - JOHN DOE` },
            { Key: 'CreditPartyName', Value: `${settings.shortcode} - LANGO TEST` },
            { Key: 'OriginatorConversationID', Value: originatorConversationId },
            { Key: 'InitiatedTime', Value: paidAt },
            { Key: 'DebitAccountType', Value: 'MMF Account For Customer' },
            { Key: 'DebitPartyCharges' },
            { Key: 'TransactionReason' },
            { Key: 'ReasonType', Value: payment.reason },
            { Key: 'TransactionStatus', Value: 'Completed' },
            { Key: 'FinalisedTime', Value: paidAt },
            { Key: 'Amount', Value: payment.amount },
            { Key: 'ConversationID', Value: `AG_${eatTimestamp(payment.at).slice(0, 8)}_${createHash('sha256').update(receipt).digest('hex').slice(0, 20)}` },
            { Key: 'ReceiptNo', Value: receipt },
          ],
        },
      };
    }
    statusQueries.push({ conversationId, originatorConversationId, receipt, resultUrl, timeoutUrl, resultCode });
    log(`Transaction Status ${receipt} → result ${resultCode} in ${settings.statusResultDelayMs} ms`);
    later(settings.statusResultDelayMs, async () => {
      await deliver('transaction-status', resultUrl, { Result: result });
    });
    send(res, 200, { OriginatorConversationID: originatorConversationId, ConversationID: conversationId, ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' });
  }

  // ---- C2B ----------------------------------------------------------------------------------

  function registerUrls(req: IncomingMessage, res: ServerResponse, text: string, version: 1 | 2): void {
    requireToken(req, 'c2b');
    const body = readJson(req, text, 'ShortCode');
    const shortCode = shortcodeField(body, 'ShortCode');
    const responseType = body.ResponseType;
    // Sentence case exactly; "completed" or "COMPLETED" is refused.
    if (responseType !== 'Completed' && responseType !== 'Cancelled') throw fieldError('ResponseType');
    const confirmationUrl = urlField(body, 'ConfirmationURL');
    const validationUrl = urlField(body, 'ValidationURL');
    if (settings.productionRegistration && registrations.has(shortCode)) {
      throw new HttpError(500, '500.003.1001', 'Urls are already registered');
    }
    registrations.set(shortCode, { shortCode, version, responseType, confirmationUrl, validationUrl });
    log(`C2B v${version} URLs registered for ${shortCode} (${responseType})`);
    send(res, 200, { OriginatorCoversationID: newConversationId(), ResponseCode: '0', ResponseDescription: 'success' });
  }

  function simulate(req: IncomingMessage, res: ServerResponse, text: string): void {
    requireToken(req, 'c2b');
    const body = readJson(req, text, 'ShortCode');
    const shortCode = shortcodeField(body, 'ShortCode');
    const commandId = body.CommandID;
    if (commandId !== 'CustomerPayBillOnline' && commandId !== 'CustomerBuyGoodsOnline') throw fieldError('CommandID');
    const amount = amountField(body, 'Amount');
    const msisdn = msisdnField(body, 'Msisdn');
    const billRef = body.BillRefNumber ?? '';
    if (typeof billRef !== 'string' || billRef.length > 20 || (commandId === 'CustomerPayBillOnline' && billRef.trim() === '')) {
      throw fieldError('BillRefNumber');
    }
    // Daraja acknowledges at once and calls the registered URLs afterwards.
    later(0, async () => {
      await simulateC2B({ amount, billRef, msisdn, commandId, shortCode });
    });
    send(res, 200, { OriginatorCoversationID: newConversationId(), ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' });
  }

  async function simulateC2B(input: C2bInput): Promise<C2bResult> {
    const shortCode = input.shortCode ?? settings.shortcode;
    const commandId = input.commandId ?? 'CustomerPayBillOnline';
    const amount = Number(String(input.amount).trim());
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > 250_000) throw new Error(`C2B amount must be whole shillings from 1 to 250000, not ${String(input.amount)}`);
    const msisdn = (input.msisdn ?? '254708374149').replace(/^\+/, '');
    if (!/^254[17]\d{8}$/.test(msisdn)) throw new Error(`C2B msisdn must look like 2547XXXXXXXX, not ${msisdn}`);
    const transId = input.transId ?? newReceipt();
    receipts.add(transId);
    const registration = registrations.get(shortCode);
    // Without registered URLs the payment completes and nobody hears of it.
    if (!registration) {
      completed.set(transId, { amount, msisdn, at: Date.now(), reason: commandId === 'CustomerPayBillOnline' ? 'Pay Bill' : 'Buy Goods' });
      return { transId, validation: 'not-enabled', confirmed: false };
    }

    const payment = {
      TransactionType: commandId === 'CustomerPayBillOnline' ? 'Pay Bill' : 'Buy Goods',
      TransID: transId,
      TransTime: eatTimestamp(Date.now()),
      // A string with two decimals on the wire, though only whole shillings move.
      TransAmount: amount.toFixed(2),
      BusinessShortCode: shortCode,
      BillRefNumber: commandId === 'CustomerPayBillOnline' ? input.billRef : '',
      InvoiceNumber: '',
      OrgAccountBalance: '',
      ThirdPartyTransID: '',
      // Never the number itself: v1 hashes it, v2 masks it.
      MSISDN: registration.version === 1 ? createHash('sha256').update(msisdn).digest('hex') : `${msisdn.slice(0, 4)} ***** ${msisdn.slice(-3)}`,
      FirstName: input.firstName ?? 'JOHN',
      MiddleName: input.middleName ?? '',
      LastName: input.lastName ?? 'DOE',
    };

    let validation: C2bResult['validation'] = 'not-enabled';
    let resultCode: string | undefined;
    let thirdPartyTransId = '';
    if (settings.externalValidation) {
      const answer = await deliver('c2b-validation', registration.validationUrl, payment, settings.validationTimeoutMs);
      const reply = answer.status >= 200 && answer.status < 300 && isObject(answer.answer) ? answer.answer : undefined;
      const code = reply === undefined ? undefined : String(reply.ResultCode ?? '');
      if (code === '0') {
        validation = 'accepted';
        if (typeof reply?.ThirdPartyTransID === 'string') thirdPartyTransId = reply.ThirdPartyTransID;
      } else if (code !== undefined && /^C2B0001[1-6]$/.test(code)) {
        validation = 'rejected';
        resultCode = code;
      } else {
        // Late, unreachable or unintelligible: M-Pesa falls back on the registered ResponseType.
        validation = 'timeout';
      }
    }
    const proceeds = validation === 'accepted' || validation === 'not-enabled' || (validation === 'timeout' && registration.responseType === 'Completed');
    log(`C2B ${transId} KES ${amount} to ${shortCode} account "${input.billRef}": validation ${validation}${proceeds ? ', confirming' : ', cancelled'}`);
    if (!proceeds) return { transId, validation, ...(resultCode !== undefined && { resultCode }), confirmed: false };

    const balance = (balances.get(shortCode) ?? 0) + amount;
    balances.set(shortCode, balance);
    completed.set(transId, { amount, msisdn, at: Date.now(), reason: commandId === 'CustomerPayBillOnline' ? 'Pay Bill' : 'Buy Goods' });
    await deliver('c2b-confirmation', registration.confirmationUrl, {
      ...payment,
      OrgAccountBalance: balance.toFixed(2),
      ThirdPartyTransID: thirdPartyTransId,
    });
    return { transId, validation, confirmed: true };
  }

  // ---- outgoing callbacks -------------------------------------------------------------------

  async function deliver(
    kind: CallbackRecord['kind'],
    url: string,
    body: Record<string, unknown>,
    timeoutMs = settings.callbackTimeoutMs,
  ): Promise<CallbackRecord> {
    const record: CallbackRecord = { kind, url, body, status: 0 };
    if (closing.signal.aborted) return record;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: serialiseCallback(body),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]),
      });
      record.status = response.status;
      const text = await response.text();
      try {
        record.answer = JSON.parse(text);
      } catch {
        record.answer = text;
      }
    } catch {
      record.status = 0;
    }
    callbacksSent.push(record);
    log(`${kind} callback to ${new URL(url).pathname} → ${record.status || 'no answer'}`);
    return record;
  }

  async function resendLastCallback(checkoutRequestId: string, times = 1): Promise<void> {
    const push = pushById.get(checkoutRequestId);
    if (!push) throw new Error(`no STK push ${checkoutRequestId}`);
    for (let i = 0; i < times; i++) await deliver('stk', push.callbackUrl, push.callback);
  }

  // ---- control surface ----------------------------------------------------------------------

  function setScript(msisdn: string, script: StkScript): void {
    const digits = msisdn.replace(/^\+/, '');
    if (!/^254[17]\d{8}$/.test(digits)) throw new Error(`script MSISDN must look like 2547XXXXXXXX, not ${msisdn}`);
    scripts.set(digits, { ...script });
  }

  function state() {
    return {
      shortcode: settings.shortcode,
      tokensIssued,
      pushes,
      callbacksSent,
      registrations: [...registrations.values()],
      statusQueries,
      scripts: Object.fromEntries(scripts),
      defaultScript,
    };
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string, text: string): Promise<void> {
    if (path === PATHS.controlState && req.method === 'GET') return send(res, 200, state());
    if (req.method !== 'POST') throw new HttpError(405, '405.001', 'Method Not Allowed');
    if (path === PATHS.controlReset) {
      reset();
      return send(res, 200, { ok: true });
    }
    const body = readJson(req, text, 'body');
    if (path === PATHS.controlScript) {
      const { msisdn, ...script } = body as { msisdn?: unknown } & StkScript;
      try {
        if (msisdn === undefined || msisdn === 'default') defaultScript = { ...script };
        else setScript(String(msisdn), script);
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
      return send(res, 200, { ok: true });
    }
    if (path === PATHS.controlC2b) {
      try {
        return send(res, 200, await simulateC2B(body as unknown as C2bInput));
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
    }
    throw new HttpError(404, '404.001.01', 'Resource not found');
  }

  function reset(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    scripts.clear();
    defaultScript = { ...options.defaultScript };
    pushes.length = 0;
    pushById.clear();
    lastQueryAt.clear();
    callbacksSent.length = 0;
    registrations.clear();
    balances.clear();
    completed.clear();
    statusQueries.length = 0;
    tokensIssued = 0;
  }

  // ---- server -------------------------------------------------------------------------------

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, text: string) => void> = {
    [PATHS.stkPush]: stkPush,
    [PATHS.stkQuery]: stkQuery,
    [PATHS.registerV1]: (req, res, text) => registerUrls(req, res, text, 1),
    [PATHS.registerV2]: (req, res, text) => registerUrls(req, res, text, 2),
    [PATHS.simulate]: simulate,
    [PATHS.transactionStatus]: transactionStatus,
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const handle = async (): Promise<void> => {
      // The whole body is read before any answer, so a refusal never races the client's upload.
      const text = await readBody(req, { bytes: MAX_BODY_BYTES, tooLarge: () => new HttpError(400, '400.002.02', 'Bad Request - Request body too large') });
      if (url.pathname === PATHS.token) return issueToken(req, res, url);
      if (url.pathname.startsWith('/__emulator/')) return control(req, res, url.pathname, text);
      const route = routes[url.pathname];
      if (!route) throw new HttpError(404, '404.001.01', 'Resource not found');
      if (req.method !== 'POST') throw new HttpError(405, '405.001', 'Method Not Allowed');
      route(req, res, text);
    };
    handle()
      .catch((err: unknown) => {
        if (err instanceof HttpError) {
          send(res, err.status, { requestId: newRequestId(), errorCode: err.errorCode, errorMessage: err.errorMessage });
        } else {
          log(`emulator error on ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
          send(res, 500, { requestId: newRequestId(), errorCode: '500.003.1001', errorMessage: 'Internal Server Error' });
        }
      })
      .finally(() => log(`${req.method ?? '?'} ${url.pathname} → ${res.statusCode}`));
  });

  const baseUrl = await listen(server, options.port, options.host);

  return {
    url: baseUrl,
    async close() {
      closing.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeServer(server);
    },
    script: setScript,
    setDefault(script) {
      defaultScript = { ...script };
    },
    simulateC2B,
    resendLastCallback,
    pushes,
    callbacksSent,
    get registrations() {
      return [...registrations.values()];
    },
    statusQueries,
    get tokensIssued() {
      return tokensIssued;
    },
    reset,
  };
}

// ---- rules shared by several endpoints ----------------------------------------------------

function eatTimestamp(epochMs: number): string {
  // EAT is UTC+3 all year.
  return new Date(epochMs + 3 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/**
 * Daraja only requires the body's Timestamp to match the password's. The emulator also wants a real
 * date within a day of now (EAT or UTC both pass), which catches milliseconds, epoch zero and
 * half-built strings before the sandbox does.
 */
function isPlausibleTimestamp(text: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(asUtc).toISOString().replace(/\D/g, '').slice(0, 14) !== text) return false;
  return Math.abs(asUtc - Date.now()) < 24 * 3600_000;
}

/** http(s), a host, and none of the words Daraja refuses anywhere in the URL (payments.md §1.8). */
function isAcceptableUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return false;
  return !FORBIDDEN_URL_WORDS.test(text) && !FORBIDDEN_URL_WORDS.test(decodeURIComponentSafe(text));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An STK callback body's metadata item by Name. */
function metadataValue(callback: Record<string, unknown>, name: string): unknown {
  const body = callback.Body as { stkCallback?: { CallbackMetadata?: { Item?: Array<{ Name: string; Value?: unknown }> } } } | undefined;
  return body?.stkCallback?.CallbackMetadata?.Item?.find((item) => item.Name === name)?.Value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Daraja writes the STK Amount as 1.00 in its samples; JSON.stringify would drop the decimals. */
function serialiseCallback(body: Record<string, unknown>): string {
  return JSON.stringify(body).replace(/("Name":"Amount","Value":)(\d+)(?=[,}])/, '$1$2.00');
}

// ---- command line ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...listenArgs('9101'),
      'consumer-key': { type: 'string' },
      'consumer-secret': { type: 'string' },
      shortcode: { type: 'string' },
      passkey: { type: 'string' },
      'token-ttl': { type: 'string' },
      'production-registration': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const emulator = await startDaraja({
    port: Number(values.port),
    host: values.host,
    ...(values['consumer-key'] !== undefined && { consumerKey: values['consumer-key'] }),
    ...(values['consumer-secret'] !== undefined && { consumerSecret: values['consumer-secret'] }),
    ...(values.shortcode !== undefined && { shortcode: values.shortcode }),
    ...(values.passkey !== undefined && { passkey: values.passkey }),
    ...(values['token-ttl'] !== undefined && { tokenTtlSeconds: Number(values['token-ttl']) }),
    productionRegistration: values['production-registration'],
    ...(values.verbose && { logger: (line: string) => process.stderr.write(`${line}\n`) }),
  });
  serveUntilSignalled(emulator, { url: emulator.url });
}

runIfMain(import.meta.url, main);
