import type { FastifyInstance } from 'fastify';
import type { StaffScreens } from './screens.js';

// Issue 7: this screen is being built.

export function registerSettingsRoutes(_app: FastifyInstance, _screens: StaffScreens): void {}
