import { z } from 'zod';
import { maskPhone } from '../../observability/logger.js';
import type { GatewayModule, SmsGateway } from '../gateway.js';

// The development gateway: takes every message, sends nothing, and records it in memory (the
// `sent` list, newest last, at most `keep`) and, when given one, in a pino-compatible logger.
// The text reaches the log only with `logText`: SMS carry passwords and voucher codes, which a
// production log must not (style.md §8); the in-memory list always keeps it. The number is
// masked in the log like everywhere else (personal data).

export interface LoggedSms {
  id: number;
  to: string;
  text: string;
  at: number;
}

/** The part of a pino logger this gateway uses. */
export interface SmsLogSink {
  info(object: object, message?: string): void;
}

const isSink = (value: unknown): value is SmsLogSink => value !== null && typeof value === 'object' && typeof (value as { info?: unknown }).info === 'function';

export const logGatewayConfigSchema = z.object({
  logger: z.custom<SmsLogSink>(isSink, 'a logger with an info() method').optional().describe('Where each message is logged (main.ts passes a child of the root logger).'),
  logText: z.boolean().default(false).describe('Log the message text too (development only: texts carry passwords).'),
  keep: z.number().int().min(1).default(1000).describe('How many messages the in-memory list keeps.'),
  batchSize: z.number().int().min(1).max(1000).default(100),
});

export type LogGatewayConfig = z.output<typeof logGatewayConfigSchema>;

export interface LogSmsGateway extends SmsGateway {
  readonly sent: readonly LoggedSms[];
}

export interface LogGatewayModule extends GatewayModule<LogGatewayConfig> {
  create(config: LogGatewayConfig): LogSmsGateway;
}

export const logGateway: LogGatewayModule = {
  name: 'log',
  configSchema: logGatewayConfigSchema,
  secretFields: [],
  create(config) {
    const sent: LoggedSms[] = [];
    return {
      name: 'log',
      batchSize: config.batchSize,
      sent,
      async send(messages) {
        return messages.map((message) => {
          sent.push({ id: message.id, to: message.to, text: message.text, at: Date.now() });
          if (sent.length > config.keep) sent.splice(0, sent.length - config.keep);
          config.logger?.info(
            { gateway: 'log', messageId: message.id, to: maskPhone(message.to), length: message.text.length, ...(config.logText ? { text: message.text } : {}) },
            'SMS recorded by the log gateway (not sent)',
          );
          return { status: 'accepted' as const, gatewayMessageId: `log-${message.id}`, cost: null };
        });
      },
    };
  },
};
