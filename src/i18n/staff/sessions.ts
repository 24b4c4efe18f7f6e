import type { Catalogue } from '../shape.js';

// The staff sessions screen (src/web/staff/sessions.ts), English and Arabic side by side.

export const en = {
  heading: 'Sessions',
} as const;

export const ar: Catalogue<typeof en> = {};
