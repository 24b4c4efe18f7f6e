import type { Catalogue } from '../shape.js';

// Personal data: export one customer's data, erase a closed customer's (src/web/staff/privacy.ts); email settings. Wired as staff.privacy.*

export const en = {
  heading: 'Personal data',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'البيانات الشخصية',
};
