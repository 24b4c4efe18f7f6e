import type { Catalogue } from '../shape.js';

// The staff users screen (src/web/staff/users.ts), English and Arabic side by side.

export const en = {
  heading: 'Staff accounts',
} as const;

export const ar: Catalogue<typeof en> = {};
