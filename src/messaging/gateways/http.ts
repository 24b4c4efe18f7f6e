import { z } from 'zod';
import type { DeliveryReport, GatewayModule, SmsGateway, SmsRequest, SmsSendResult } from '../gateway.js';
import { callGateway, snippet } from './gateway-request.js';
import { fieldText, reportFields } from './report-fields.js';

// The generic HTTP SMS driver (reference: payments.md §3.3) for local aggregators, operator
// APIs, Kannel and Android phone gateways: the request is described by settings, not code.
//
// Templates: the URL and every string in `fields` may hold {to}, {text}, {from} and {ref} (the
// outbox message id). Values are escaped where they land: percent-encoded in the URL, form- or
// query-encoded in form and `none` bodies, JSON-escaped in JSON bodies. With bodyType 'none'
// (and always with GET) the fields go in the query string; a form or query field that comes out
// empty (no `from` configured) is left out.
//
// Kannel preset (see kannelPreset below), the smsbox sendsms interface:
//   GET http://kannel:13013/cgi-bin/sendsms?username=lango&password=…&from=…&to=…&text=…
//       &dlr-mask=31&dlr-url=https://isp.example/cb/<token>/dlr?id={ref}%26status=%25d
// Kannel answers 202 "0: Accepted for delivery" (200 "Sent." on older versions) and gives no
// message id, so the outbox id ({ref}) is the gateway id; it calls dlr-url back with %d
// replaced by 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 SMSC rejected.

const jsonScalar = z.union([z.string(), z.number(), z.boolean()]);

export const httpGatewayConfigSchema = z
  .object({
    method: z.enum(['GET', 'POST']).default('POST').describe('HTTP method of the send call.'),
    url: z
      .string()
      .regex(/^https?:\/\/\S+$/, 'an http(s) URL, placeholders allowed')
      .describe('Send URL; may contain {to}, {text}, {from}, {ref}.'),
    auth: z.enum(['none', 'basic', 'bearer', 'header', 'query']).default('none').describe('How the gateway authenticates Lango.'),
    authUser: z.string().optional().describe('User name for basic auth.'),
    authName: z.string().optional().describe('Header name (auth header) or query parameter name (auth query).'),
    authSecret: z.string().optional().describe('Password, token, header or parameter value (secret).'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra fixed request headers.'),
    bodyType: z.enum(['none', 'form', 'json']).default('form').describe("Where `fields` go: query string ('none'), form body or JSON body."),
    fields: z.record(z.string(), z.unknown()).default({}).describe('Request fields; strings may contain placeholders; JSON bodies may nest.'),
    from: z.string().optional().describe('Sender ID or number put in {from}.'),
    numberFormat: z.enum(['e164', 'digits', 'national']).default('e164').describe("How {to} is written: +211912345678, 211912345678 or 0912345678."),
    countryCode: z.string().regex(/^\d{1,3}$/).optional().describe("Country calling code stripped for the 'national' format, e.g. 211."),
    batchSize: z.number().int().min(1).max(1000).default(1).describe('1 = one request per message; more = comma-joined {to} for messages with the same text.'),
    separator: z.string().min(1).default(',').describe('Joins numbers (and refs) in a batch.'),
    success: z
      .object({
        statuses: z.array(z.number().int().min(100).max(599)).min(1).optional().describe('HTTP statuses meaning accepted; any 2xx when absent.'),
        bodyMatches: z.string().optional().describe('A regular expression the answer body must match.'),
        jsonPath: z.string().optional().describe('A JSON path (a.b.0.c) in the answer that must be present and truthy, or equal `equals`.'),
        equals: jsonScalar.optional(),
      })
      .default({}),
    messageId: z
      .object({
        jsonPath: z.string().optional().describe('Where the gateway message id is in a JSON answer; an array gives one id per batched message.'),
        regex: z.string().optional().describe('A regular expression whose first group is the message id.'),
        useRef: z.boolean().default(false).describe('Use the outbox id ({ref}) as the gateway id (gateways that echo it in reports, e.g. Kannel).'),
      })
      .default({ useRef: false }),
    rejectStatuses: z.array(z.number().int().min(100).max(599)).default([]).describe('HTTP statuses meaning "this number will never work" (no retry).'),
    timeoutMs: z.number().int().min(1000).max(120_000).default(10_000),
    dlr: z
      .object({
        idField: z.string().default('id').describe('Path of the message id in a delivery report.'),
        statusField: z.string().default('status'),
        reasonField: z.string().optional(),
        delivered: z.array(z.string()).default([]).describe('Status values meaning delivered.'),
        failed: z.array(z.string()).default([]),
        sent: z.array(z.string()).default([]).describe('Interim values (buffered, submitted).'),
      })
      .optional()
      .describe('How to read delivery reports; none = the gateway sends none.'),
  })
  .superRefine((config, ctx) => {
    const need = (field: 'authUser' | 'authName' | 'authSecret') => {
      if (!config[field]) ctx.addIssue({ code: 'custom', path: [field], message: `auth '${config.auth}' needs ${field}` });
    };
    if (config.auth === 'basic') (need('authUser'), need('authSecret'));
    if (config.auth === 'bearer') need('authSecret');
    if (config.auth === 'header' || config.auth === 'query') (need('authName'), need('authSecret'));
    if (config.method === 'GET' && config.bodyType !== 'none') ctx.addIssue({ code: 'custom', path: ['bodyType'], message: "a GET request has no body: use bodyType 'none'" });
    if (config.numberFormat === 'national' && !config.countryCode) ctx.addIssue({ code: 'custom', path: ['countryCode'], message: "the 'national' format needs countryCode, e.g. 211" });
    for (const field of ['bodyMatches'] as const) {
      const pattern = config.success[field];
      if (pattern !== undefined && !isRegex(pattern)) ctx.addIssue({ code: 'custom', path: ['success', field], message: 'not a valid regular expression' });
    }
    if (config.messageId.regex !== undefined && !isRegex(config.messageId.regex)) ctx.addIssue({ code: 'custom', path: ['messageId', 'regex'], message: 'not a valid regular expression' });
  });

export type HttpGatewayConfig = z.output<typeof httpGatewayConfigSchema>;

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Settings for Kannel's sendsms interface; `dlrUrl` is Lango's public delivery-report URL. */
export function kannelPreset(options: { baseUrl: string; username: string; password: string; from?: string; dlrUrl?: string }): z.input<typeof httpGatewayConfigSchema> {
  return {
    method: 'GET',
    url: `${options.baseUrl.replace(/\/+$/, '')}/cgi-bin/sendsms`,
    auth: 'query',
    authName: 'password',
    authSecret: options.password,
    bodyType: 'none',
    fields: {
      username: options.username,
      from: '{from}',
      to: '{to}',
      text: '{text}',
      charset: 'UTF-8',
      coding: '2', // UCS-2 on the wire: Arabic and any non-GSM text arrive intact
      ...(options.dlrUrl ? { 'dlr-mask': '31', 'dlr-url': `${options.dlrUrl}${options.dlrUrl.includes('?') ? '&' : '?'}id={ref}&status=%d` } : {}),
    },
    ...(options.from ? { from: options.from } : {}),
    numberFormat: 'e164',
    batchSize: 1,
    success: { statuses: [200, 202], bodyMatches: '^(0: Accepted|Sent)' },
    messageId: { useRef: true },
    dlr: { idField: 'id', statusField: 'status', delivered: ['1'], failed: ['2', '16'], sent: ['4', '8'] },
  };
}

/** a.b.0.c, a.b[0].c or $.a.b: the value there, or undefined. */
export function valueAtPath(value: unknown, path: string): unknown {
  const steps = path.replace(/^\$\.?/, '').replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

const PLACEHOLDER = /\{(to|text|from|ref)\}/g;

type Values = Record<'to' | 'text' | 'from' | 'ref', string>;

function fill(template: string, values: Values, escape: (s: string) => string = (s) => s): string {
  return template.replace(PLACEHOLDER, (_, name: keyof Values) => escape(values[name]));
}

function fillJson(template: unknown, values: Values): unknown {
  if (typeof template === 'string') return fill(template, values);
  if (Array.isArray(template)) return template.map((item) => fillJson(item, values));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, fillJson(item, values)]));
  }
  return template;
}

function flatFields(fields: Record<string, unknown>, values: Values): Array<[string, string]> {
  return Object.entries(fields)
    .map(([key, template]): [string, string] => [key, typeof template === 'string' ? fill(template, values) : String(template)])
    .filter(([, value]) => value !== '');
}

export function formatNumber(e164: string, config: Pick<HttpGatewayConfig, 'numberFormat' | 'countryCode'>): string | null {
  if (!/^\+\d{6,15}$/.test(e164)) return null;
  const digits = e164.slice(1);
  if (config.numberFormat === 'e164') return e164;
  if (config.numberFormat === 'digits') return digits;
  const code = config.countryCode ?? '';
  return code && digits.startsWith(code) ? `0${digits.slice(code.length)}` : null;
}

/** Builds the URL, headers and body of one send call; exported for tests and the settings preview. */
export function buildRequest(config: HttpGatewayConfig, values: Values): { url: string; init: RequestInit } {
  const url = new URL(fill(config.url, values, encodeURIComponent));
  const headers: Record<string, string> = { ...config.headers };
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  let body: string | undefined;
  if (config.bodyType === 'none' || config.method === 'GET') {
    for (const [key, value] of flatFields(config.fields, values)) url.searchParams.append(key, value);
  } else if (config.bodyType === 'form') {
    body = new URLSearchParams(flatFields(config.fields, values)).toString();
    if (!hasContentType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else {
    body = JSON.stringify(fillJson(config.fields, values));
    if (!hasContentType) headers['Content-Type'] = 'application/json';
  }
  const secret = config.authSecret ?? '';
  if (config.auth === 'basic') headers['Authorization'] = `Basic ${Buffer.from(`${config.authUser ?? ''}:${secret}`).toString('base64')}`;
  if (config.auth === 'bearer') headers['Authorization'] = `Bearer ${secret}`;
  if (config.auth === 'header') headers[config.authName!] = secret;
  if (config.auth === 'query') url.searchParams.set(config.authName!, secret);
  return { url: url.toString(), init: { method: config.method, headers, body } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isAccepted(config: HttpGatewayConfig, status: number, text: string): boolean {
  const statusOk = config.success.statuses ? config.success.statuses.includes(status) : status >= 200 && status <= 299;
  if (!statusOk) return false;
  if (config.success.bodyMatches !== undefined && !new RegExp(config.success.bodyMatches).test(text)) return false;
  if (config.success.jsonPath !== undefined) {
    const value = valueAtPath(parseJson(text), config.success.jsonPath);
    if (config.success.equals !== undefined) return value !== undefined && String(value) === String(config.success.equals);
    return value !== undefined && value !== null && value !== false && value !== '';
  }
  return true;
}

function messageIds(config: HttpGatewayConfig, text: string, batch: readonly SmsRequest[]): Array<string | null> {
  const none = batch.map(() => null);
  let found: unknown;
  if (config.messageId.jsonPath !== undefined) found = valueAtPath(parseJson(text), config.messageId.jsonPath);
  else if (config.messageId.regex !== undefined) found = new RegExp(config.messageId.regex).exec(text)?.[1];
  if (Array.isArray(found) && found.length === batch.length) return found.map((id) => fieldText(id));
  const single = fieldText(found);
  if (single !== null) return batch.map(() => single); // one id for the whole batch
  return config.messageId.useRef ? batch.map((message) => String(message.id)) : none;
}

export const httpGateway: GatewayModule<HttpGatewayConfig> = {
  name: 'http',
  configSchema: httpGatewayConfigSchema,
  secretFields: ['authSecret'],
  create(config): SmsGateway {
    async function sendBatch(batch: SmsRequest[], numbers: string[], signal?: AbortSignal): Promise<SmsSendResult[]> {
      const values: Values = {
        to: numbers.join(config.separator),
        text: batch[0]!.text,
        from: config.from ?? '',
        ref: batch.map((message) => String(message.id)).join(config.separator),
      };
      let request: ReturnType<typeof buildRequest>;
      try {
        request = buildRequest(config, values);
      } catch {
        return batch.map(() => ({ status: 'retry', code: 'CONFIG', description: 'the SMS gateway URL is not valid once filled in' }));
      }
      const call = await callGateway('the SMS gateway', request.url, request.init, config.timeoutMs, signal);
      if (call.kind === 'no-answer') return batch.map(() => ({ status: 'unknown', description: call.description }));
      if (call.kind === 'not-sent') return batch.map(() => ({ status: 'retry', code: 'NETWORK', description: call.description }));
      if (isAccepted(config, call.status, call.text)) {
        return messageIds(config, call.text, batch).map((gatewayMessageId) => ({ status: 'accepted', gatewayMessageId, cost: null }));
      }
      const description = `the SMS gateway answered HTTP ${call.status}: ${snippet(call.text)}`;
      if (config.rejectStatuses.includes(call.status)) return batch.map(() => ({ status: 'rejected', code: `HTTP_${call.status}`, description }));
      const code = call.status === 401 || call.status === 403 ? 'AUTH' : call.status >= 200 && call.status <= 299 ? 'REFUSED' : `HTTP_${call.status}`;
      return batch.map(() => ({ status: 'retry', code, description }));
    }

    const dlr = config.dlr;
    return {
      name: 'http',
      batchSize: config.batchSize,
      async send(messages, signal) {
        const results = new Array<SmsSendResult>(messages.length);
        // Batches: same text, distinct numbers, at most batchSize; each keeps its positions.
        const batches: Array<{ items: Array<{ index: number; number: string }>; message: SmsRequest[] }> = [];
        messages.forEach((message, index) => {
          const number = formatNumber(message.to, config);
          if (number === null) {
            results[index] = { status: 'rejected', code: 'NUMBER_FORMAT', description: `cannot write ${message.to} in the '${config.numberFormat}' format` };
            return;
          }
          let batch = batches.find((b) => b.items.length < config.batchSize && b.message[0]!.text === message.text && !b.items.some((i) => i.number === number));
          if (!batch) batches.push((batch = { items: [], message: [] }));
          batch.items.push({ index, number });
          batch.message.push(message);
        });
        for (const batch of batches) {
          const batchResults = await sendBatch(batch.message, batch.items.map((item) => item.number), signal);
          batch.items.forEach((item, i) => {
            results[item.index] = batchResults[i]!;
          });
        }
        return results;
      },
      ...(dlr
        ? {
            parseDeliveryReport(body: unknown): DeliveryReport {
              const fields = reportFields(body);
              const id = fieldText(valueAtPath(fields, dlr.idField));
              const status = fieldText(valueAtPath(fields, dlr.statusField));
              if (!id || !status) throw new Error(`not a delivery report (${dlr.idField} and ${dlr.statusField} expected)`);
              const is = (list: string[]) => list.some((value) => value.toLowerCase() === status.toLowerCase());
              const mapped: DeliveryReport['status'] | null = is(dlr.delivered) ? 'delivered' : is(dlr.failed) ? 'failed' : is(dlr.sent) ? 'sent' : null;
              if (mapped === null) throw new Error(`unknown delivery status: ${status.slice(0, 40)}`);
              const reason = dlr.reasonField ? fieldText(valueAtPath(fields, dlr.reasonField)) : null;
              return { gatewayMessageId: id, status: mapped, failureReason: mapped === 'failed' ? reason : null };
            },
          }
        : {}),
    };
  },
};
