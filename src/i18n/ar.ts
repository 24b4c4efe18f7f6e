import type { en } from './en.js';

type Catalogue<T> = { [K in keyof T]?: T[K] extends string ? string : Catalogue<T[K]> };

// The Arabic catalogue, the same shape as en.ts. Sections arrive as the texts they cover do
// (documents and SMS with issues 4 and 5, pages with issue 8); until a key is here, i18next
// falls back to English.
export const ar: Catalogue<typeof en> = {
  documents: {},
  sms: {},
};
