import type { Catalogue } from '../shape.js';

// Usage reports (src/web/staff/reports-usage.ts): top users, usage per router and plan, network load. Wired as staff.reportsUsage.*

export const en = {
  heading: 'Usage reports',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'تقارير الاستخدام',
};
