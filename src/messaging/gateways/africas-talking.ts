import { z } from 'zod';
import type { DeliveryReport, GatewayModule, SmsGateway, SmsRequest, SmsSendResult } from '../gateway.js';
import { callGateway, snippet } from './gateway-request.js';
import { fieldText, reportFields } from './report-fields.js';

// Africa's Talking bulk SMS (reference: payments.md §3.1–3.2). One call carries one text to up
// to `batchSize` comma-joined numbers; messages with different texts go in separate calls, and
// a number never appears twice in one call, so each answer entry matches one request by number.

const HOSTS = { live: 'https://api.africastalking.com', sandbox: 'https://api.sandbox.africastalking.com' } as const;

export const africasTalkingConfigSchema = z
  .object({
    environment: z.enum(['live', 'sandbox']).default('live').describe("Africa's Talking live API, or its sandbox (where the username is 'sandbox')."),
    username: z.string().min(1).describe("The Africa's Talking app username."),
    apiKey: z.string().min(1).describe("The app's API key (secret)."),
    from: z.string().min(1).optional().describe('Approved sender ID or short code; the account default when absent.'),
    baseUrl: z.url({ protocol: /^https?$/ }).optional().describe('API root; defaults from `environment`. Tests point it at the emulator.'),
    timeoutMs: z.number().int().min(1000).max(120_000).default(10_000).describe('How long one send call may take.'),
    batchSize: z.number().int().min(1).max(1000).default(100).describe('Most numbers one send call carries.'),
    enqueue: z.boolean().default(true).describe('Ask Africa\'s Talking to queue batches of more than one number (enqueue=1) and answer at once.'),
  })
  .refine((config) => config.environment !== 'sandbox' || config.username === 'sandbox', { message: "the Africa's Talking sandbox takes the username 'sandbox'", path: ['username'] })
  .transform((config) => ({ ...config, baseUrl: (config.baseUrl ?? HOSTS[config.environment]).replace(/\/+$/, '') }));

export type AfricasTalkingConfig = z.output<typeof africasTalkingConfigSchema>;

/** Per-recipient statusCode → what the outbox does (§3.1). */
const STATUS_CODES: Record<number, { name: string; result: 'accepted' | 'rejected' | 'retry' }> = {
  100: { name: 'Processed', result: 'accepted' },
  101: { name: 'Sent', result: 'accepted' },
  102: { name: 'Queued', result: 'accepted' },
  401: { name: 'RiskHold', result: 'retry' },
  402: { name: 'InvalidSenderId', result: 'retry' },
  403: { name: 'InvalidPhoneNumber', result: 'rejected' },
  404: { name: 'UnsupportedNumberType', result: 'rejected' },
  405: { name: 'InsufficientBalance', result: 'retry' },
  406: { name: 'UserInBlacklist', result: 'rejected' },
  407: { name: 'CouldNotRoute', result: 'retry' },
  409: { name: 'DoNotDisturbRejection', result: 'rejected' },
  500: { name: 'InternalServerError', result: 'retry' },
  501: { name: 'GatewayError', result: 'retry' },
  502: { name: 'RejectedByGateway', result: 'retry' },
};

const recipientSchema = z.looseObject({
  statusCode: z.union([z.number(), z.string()]).transform(Number),
  number: z.string(),
  status: z.string().optional().nullable(),
  cost: z.union([z.string(), z.number()]).transform(String).optional().nullable(),
  messageId: z.string().optional().nullable(),
});

const answerSchema = z.looseObject({
  SMSMessageData: z.looseObject({ Message: z.string().optional().nullable(), Recipients: z.array(recipientSchema).default([]) }),
});

type Recipient = z.output<typeof recipientSchema>;

const digitsOf = (number: string): string => number.replace(/\D/g, '');

export function resultOfRecipient(recipient: Recipient): SmsSendResult {
  const known = STATUS_CODES[recipient.statusCode];
  const name = known?.name ?? recipient.status ?? `status ${recipient.statusCode}`;
  const description = `Africa's Talking: ${recipient.statusCode} ${recipient.status ?? name}`;
  if (known?.result === 'accepted') {
    const id = recipient.messageId?.trim();
    const cost = recipient.cost?.trim();
    return { status: 'accepted', gatewayMessageId: id && id !== 'None' ? id : null, cost: cost && cost !== '0' ? cost : null };
  }
  if (known?.result === 'rejected') return { status: 'rejected', code: name, description };
  return { status: 'retry', code: name, description };
}

/** Splits messages into calls: same text, distinct numbers, at most `size` each; remembers positions. */
function groupsOf(messages: readonly SmsRequest[], size: number): Array<{ text: string; items: Array<{ index: number; to: string }> }> {
  const groups: Array<{ text: string; items: Array<{ index: number; to: string }>; numbers: Set<string> }> = [];
  messages.forEach((message, index) => {
    const digits = digitsOf(message.to);
    let group = groups.find((g) => g.text === message.text && g.items.length < size && !g.numbers.has(digits));
    if (!group) {
      group = { text: message.text, items: [], numbers: new Set() };
      groups.push(group);
    }
    group.items.push({ index, to: message.to });
    group.numbers.add(digits);
  });
  return groups;
}

/** Interim Sent/Submitted/Buffered, final Success/Failed/Rejected (§3.2). */
const REPORT_STATUSES: Record<string, DeliveryReport['status']> = { success: 'delivered', failed: 'failed', rejected: 'failed', sent: 'sent', submitted: 'sent', buffered: 'sent' };

function parseDeliveryReport(body: unknown): DeliveryReport {
  const fields = reportFields(body);
  const id = fieldText(fields.id);
  const status = fieldText(fields.status);
  if (!id || !status) throw new Error("not an Africa's Talking delivery report (id and status expected)");
  const mapped = REPORT_STATUSES[status.toLowerCase()];
  if (!mapped) throw new Error(`unknown Africa's Talking delivery status: ${status.slice(0, 40)}`);
  return { gatewayMessageId: id, status: mapped, failureReason: mapped === 'failed' ? fieldText(fields.failureReason) : null };
}

export const africasTalking: GatewayModule<AfricasTalkingConfig> = {
  name: 'africastalking',
  configSchema: africasTalkingConfigSchema,
  secretFields: ['apiKey'],
  create(config): SmsGateway {
    const url = `${config.baseUrl}/version1/messaging`;

    async function sendGroup(text: string, numbers: string[], signal?: AbortSignal): Promise<SmsSendResult[]> {
      const form = new URLSearchParams({ username: config.username, to: numbers.join(','), message: text, bulkSMSMode: '1' });
      if (config.from) form.set('from', config.from);
      if (config.enqueue && numbers.length > 1) form.set('enqueue', '1');
      const call = await callGateway("Africa's Talking", url, {
        method: 'POST',
        headers: { apiKey: config.apiKey, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }, config.timeoutMs, signal);
      const all = (result: SmsSendResult): SmsSendResult[] => numbers.map(() => result);
      if (call.kind === 'no-answer') return all({ status: 'unknown', description: call.description });
      if (call.kind === 'not-sent') return all({ status: 'retry', code: 'NETWORK', description: call.description });
      if (call.status === 401) return all({ status: 'retry', code: 'AUTH', description: "Africa's Talking refused the username or API key (HTTP 401)" });
      if (call.status < 200 || call.status > 299) {
        return all({ status: 'retry', code: `HTTP_${call.status}`, description: `Africa's Talking answered HTTP ${call.status}: ${snippet(call.text)}` });
      }
      let answer: z.output<typeof answerSchema>;
      try {
        answer = answerSchema.parse(JSON.parse(call.text));
      } catch {
        // A 2xx we cannot read: the messages may well be on their way.
        return all({ status: 'unknown', description: `Africa's Talking answered HTTP ${call.status} with a body Lango does not understand` });
      }
      const byNumber = new Map<string, Recipient>();
      for (const recipient of answer.SMSMessageData.Recipients) byNumber.set(digitsOf(recipient.number), recipient);
      return numbers.map((number) => {
        const recipient = byNumber.get(digitsOf(number));
        if (recipient) return resultOfRecipient(recipient);
        const message = answer.SMSMessageData.Message?.trim();
        return { status: 'retry', code: 'NOT_LISTED', description: `Africa's Talking did not list this number${message ? `: ${snippet(message, 120)}` : ''}` };
      });
    }

    return {
      name: 'africastalking',
      batchSize: config.batchSize,
      async send(messages, signal) {
        const results: SmsSendResult[] = new Array<SmsSendResult>(messages.length);
        const sendable: SmsRequest[] = [];
        const positions: number[] = [];
        messages.forEach((message, index) => {
          if (/^\+\d{6,15}$/.test(message.to)) {
            sendable.push(message);
            positions.push(index);
          } else {
            results[index] = { status: 'rejected', code: 'InvalidPhoneNumber', description: 'not an E.164 number with +' };
          }
        });
        for (const group of groupsOf(sendable, config.batchSize)) {
          const groupResults = await sendGroup(group.text, group.items.map((item) => item.to), signal);
          group.items.forEach((item, i) => {
            results[positions[item.index]!] = groupResults[i]!;
          });
        }
        return results;
      },
      parseDeliveryReport,
    };
  },
};
