import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// The equipment inventory: /equipment.

export function registerEquipmentRoutes(app: FastifyInstance, screens: StaffScreens): void {
  void app;
  void screens;
}
