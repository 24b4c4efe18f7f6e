import type { Catalogue } from '../shape.js';

// The staff tickets screen. Wired as staff.tickets.*

export const en = {} as const;

export const ar: Catalogue<typeof en> = {};
