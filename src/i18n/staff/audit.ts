import type { Catalogue } from '../shape.js';

// The staff audit screen (src/web/staff/audit.ts), English and Arabic side by side.

export const en = {
  heading: 'Audit log',
} as const;

export const ar: Catalogue<typeof en> = {};
