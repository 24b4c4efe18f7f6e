import type { Catalogue } from '../shape.js';

// API tokens (src/web/staff/api-tokens.ts) and the REST API's error texts (src/web/api). Wired as staff.api.*

export const en = {
  heading: 'API tokens',
} as const;

export const ar: Catalogue<typeof en> = {
  heading: 'مفاتيح الواجهة البرمجية',
};
