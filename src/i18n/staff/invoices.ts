import type { Catalogue } from '../shape.js';

// The staff invoices screen (src/web/staff/invoices.ts), English and Arabic side by side.

export const en = {
  heading: 'Invoices',
} as const;

export const ar: Catalogue<typeof en> = {};
