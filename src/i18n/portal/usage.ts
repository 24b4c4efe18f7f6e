import type { Catalogue } from '../shape.js';

// The portal home's usage history (30 days) and the language choice. Wired as portal.selfService.usage.*

export const en = {} as const;

export const ar: Catalogue<typeof en> = {};
