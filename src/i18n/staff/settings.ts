import type { Catalogue } from '../shape.js';

// The staff settings screen (src/web/staff/settings.ts), English and Arabic side by side.

export const en = {
  heading: 'Settings',
} as const;

export const ar: Catalogue<typeof en> = {};
