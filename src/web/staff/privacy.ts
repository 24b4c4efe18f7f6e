import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// Personal data of one customer: export (download) and erase: /customers/:username/personal-data.

export function registerPrivacyRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
