import i18next from 'i18next';
import { ar } from './ar.js';
import { en } from './en.js';

export const languages = ['en', 'ar'] as const;
export type Language = (typeof languages)[number];

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
/** Every key of the catalogue, checked at compile time. */
export type MessageKey = Leaves<typeof en>;

const instance = i18next.createInstance();
void instance.init({
  lng: 'en',
  fallbackLng: 'en',
  resources: { en: { translation: en }, ar: { translation: ar } },
  initAsync: false,
  // i18next otherwise prints an advertisement to the console, which would land in logs and CLI output.
  showSupportNotice: false,
  // Texts go to RADIUS attributes, SMS and the terminal; HTML escaping belongs to the page renderer.
  interpolation: { escapeValue: false },
});

export function t(key: MessageKey, values?: Record<string, unknown>, language: Language = 'en'): string {
  // i18next's overloads cannot see our literal key type; MessageKey already guarantees the key exists.
  const translate = instance.t as unknown as (key: string, options: Record<string, unknown>) => string;
  return translate(key, { ...values, lng: language });
}
