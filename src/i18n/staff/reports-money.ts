import type { Catalogue } from '../shape.js';

// Money reports (src/web/staff/reports-money.ts): revenue, collection, ageing, customers, ARPU, voucher sales. Wired as staff.reportsMoney.*

export const en = {
  heading: 'Money reports',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'تقارير مالية',
};
