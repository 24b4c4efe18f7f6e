import type { Catalogue } from '../shape.js';

// Equipment and field jobs (src/web/staff/equipment.ts, jobs.ts). Wired as staff.field.*

export const en = {
  heading: 'Equipment',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'المعدات',
};
