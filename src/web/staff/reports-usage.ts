import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// Usage reports under /reports/: top data users, usage per router and plan, network load per router.

export function registerUsageReportRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
