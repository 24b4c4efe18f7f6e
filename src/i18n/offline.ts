import type { Catalogue } from './shape.js';

// The offline banner and queued forms of the staff pages and the portal (service worker). Wired as offline.*

export const en = {} as const;

export const ar: Catalogue<typeof en> = {};
