import type { Catalogue } from '../shape.js';

// The staff dashboard screen (src/web/staff/dashboard.ts), English and Arabic side by side.

export const en = {
  heading: 'Dashboard',
} as const;

export const ar: Catalogue<typeof en> = {};
