import type { Catalogue } from '../shape.js';

// The portal's plan page: change plan, pause, register a device. Wired as portal.selfService.plan.*

export const en = {} as const;

export const ar: Catalogue<typeof en> = {};
