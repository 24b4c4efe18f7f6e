import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// Installation and repair jobs: /jobs.

export function registerJobRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
