import type { Catalogue } from '../shape.js';

// The staff messages screen (src/web/staff/messages.ts), English and Arabic side by side.

export const en = {
  heading: 'Messages',
} as const;

export const ar: Catalogue<typeof en> = {};
