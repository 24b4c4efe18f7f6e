import type { Catalogue } from '../shape.js';

// The portal's help page: support tickets the customer opens and follows. Wired as portal.selfService.tickets.*

export const en = {} as const;

export const ar: Catalogue<typeof en> = {};
