import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// API tokens for other systems: /integrations (links to webhooks).

export function registerApiTokenRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
