import type { Catalogue } from '../shape.js';

// The staff vouchers screen (src/web/staff/vouchers.ts), English and Arabic side by side.

export const en = {
  heading: 'Vouchers',
} as const;

export const ar: Catalogue<typeof en> = {};
