import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// Money reports under /reports/: revenue, collection, ageing, customers (cohorts), ARPU, voucher sales, each with CSV.

export function registerMoneyReportRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
