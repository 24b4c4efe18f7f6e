import type { Catalogue } from '../shape.js';

// The staff plans screen (src/web/staff/plans.ts), English and Arabic side by side.

export const en = {
  heading: 'Internet plans',
} as const;

export const ar: Catalogue<typeof en> = {};
