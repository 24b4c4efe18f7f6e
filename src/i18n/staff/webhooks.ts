import type { Catalogue } from '../shape.js';

// Webhook endpoints (src/web/staff/webhooks.ts). Wired as staff.webhooks.*

export const en = {
  heading: 'Webhooks',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'خطافات الويب',
};
