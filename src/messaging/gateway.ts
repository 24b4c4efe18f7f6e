import type { z } from 'zod';

// The one interface every SMS gateway driver implements (src/messaging/gateways/<name>.ts).
// Drivers speak HTTP and translate; the outbox decides retries and states.

export interface SmsRequest {
  /** The outbox message id, for gateways that accept a client reference. */
  id: number;
  /** E.164 with '+'. */
  to: string;
  text: string;
  /** Email only: the subject line (SMS gateways ignore it). */
  subject?: string | null;
}

/** Per recipient: where the gateway says the message stands right after the send call. */
export type SmsSendResult =
  | { status: 'accepted'; gatewayMessageId: string | null; cost: string | null }
  /** Refused and not worth retrying for this number (invalid number, opted out). */
  | { status: 'rejected'; code: string; description: string }
  /** Refused for now: retry with back-off (gateway error, no credit, routing). */
  | { status: 'retry'; code: string; description: string }
  /** No clear answer (timeout): the gateway may have sent it. */
  | { status: 'unknown'; description: string };

/** A delivery report translated: only forward moves (sent → delivered | failed) are applied. */
export interface DeliveryReport {
  gatewayMessageId: string;
  status: 'sent' | 'delivered' | 'failed';
  failureReason: string | null;
}

export interface SmsGateway {
  readonly name: string;
  /** Most messages one send call carries; the sender batches up to this. */
  readonly batchSize: number;
  send(messages: readonly SmsRequest[], signal?: AbortSignal): Promise<SmsSendResult[]>;
  /** Parses a delivery report callback (form or JSON body); throws on a body it does not recognise. */
  parseDeliveryReport?(body: unknown): DeliveryReport;
}

/** A gateway driver's front, configured like payment providers (secret fields sealed). */
export interface GatewayModule<C = any> {
  readonly name: string;
  readonly configSchema: z.ZodType<C>;
  readonly secretFields: readonly string[];
  create(config: C): SmsGateway;
}
