import { WEBHOOK_EVENT_TYPES } from '../events/outbox.js';
import { createWebhookEndpoint, listWebhookDeliveries, listWebhookEndpoints, type DeliveryView, type WebhookEndpoint } from '../integrations/webhooks.js';
import { formatTime, json, str, table, type Command } from './command.js';
import { actor } from './inputs.js';

// Webhook endpoints from the server's shell; the same as /staff/integrations/webhooks.

export const webhookCommands: Command[] = [
  {
    words: ['webhook', 'add'],
    summary: 'Send signed events to an address (Standard Webhooks). The signing secret is printed this once.',
    usage: `lango webhook add --url https://example.com/hooks --events '*'|${WEBHOOK_EVENT_TYPES.join(',')} [--description "Accounts"] [--json]`,
    options: { url: { type: 'string' }, events: { type: 'string' }, description: { type: 'string' }, ...json },
    required: ['url', 'events'],
    run: ({ db, box }, v) => createWebhookEndpoint(db, box, { url: str(v, 'url')!, events: str(v, 'events')!.split(','), description: str(v, 'description'), actor: actor(), now: Date.now() }),
    print: (r) => {
      const { secret, endpoint } = r as { secret: string; endpoint: WebhookEndpoint };
      return `Endpoint ${endpoint.id} ${endpoint.url} (${endpoint.events.join(', ')}). Signing secret:\n${secret}\nIt is shown only this once.`;
    },
  },
  {
    words: ['webhook', 'list'],
    summary: 'List webhook endpoints: address, events, on or off.',
    usage: 'lango webhook list [--json]',
    options: { ...json },
    run: ({ db }) => listWebhookEndpoints(db),
    print: (r) =>
      table(
        (r as WebhookEndpoint[]).map((e) => ({ ...e, events: e.events.join(','), state: e.active ? 'on' : 'off', created: formatTime(e.createdAt) })),
        [['id', 'ID'], ['url', 'URL'], ['events', 'EVENTS'], ['state', 'STATE'], ['created', 'CREATED (UTC)']],
      ),
  },
  {
    words: ['webhook', 'deliveries'],
    summary: 'The newest webhook deliveries: event, status, tries, last answer.',
    usage: 'lango webhook deliveries [--json]',
    options: { ...json },
    run: ({ db }) => listWebhookDeliveries(db, { limit: 50 }),
    print: (r) =>
      table(
        (r as DeliveryView[]).map((d) => ({ ...d, code: d.lastStatusCode ?? '', error: d.lastError ?? '', created: formatTime(d.createdAt) })),
        [['id', 'ID'], ['endpointId', 'ENDPOINT'], ['type', 'EVENT'], ['created', 'AT (UTC)'], ['status', 'STATUS'], ['attempts', 'TRIES'], ['code', 'CODE'], ['error', 'ERROR']],
      ),
  },
];
