import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// Webhook endpoints: /integrations/webhooks.

export function registerWebhookRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
