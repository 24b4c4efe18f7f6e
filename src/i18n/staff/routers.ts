import type { Catalogue } from '../shape.js';

// The staff routers screen (src/web/staff/routers.ts), English and Arabic side by side.

export const en = {
  heading: 'Routers (NAS)',
} as const;

export const ar: Catalogue<typeof en> = {};
