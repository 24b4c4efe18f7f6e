import { macSpellings } from '../aaa/sessions.js';

/**
 * What erasure hands each domain: a way to take one customer's personal values out of free
 * text and JSON it keeps (audit details, event details, raw M-Pesa callbacks). Domains import
 * only the type, so the arrow still points from privacy to them.
 */
export interface Scrub {
  /** The text with every personal value replaced by ERASED. */
  text(value: string): string;
  /** A copy of a JSON value with personal strings (and phone numbers sent as numbers) replaced. */
  json<T>(value: T): T;
  /** True when the text holds one of the values: to pick the rows worth rewriting. */
  holds(value: string): boolean;
  /**
   * The values only this customer has (each spelling of the phone and MAC, the email), to find
   * rows elsewhere that mention them with LIKE. Not the name or address: others may share those.
   */
  readonly identifiers: readonly string[];
  /** What erased text reads as: ERASED. */
  readonly erased: string;
}

export const ERASED = '[erased]';

// Keys whose values name or reach the payer whatever they hold: M-Pesa C2B sends FirstName,
// MiddleName, LastName and MSISDN; the STK callback's metadata has a PhoneNumber item.
const PERSONAL_KEY = /^(first_?name|middle_?name|last_?name|full_?name|msisdn|phone(_?number)?|party_?a|payer|email)$/i;

function phoneSpellings(phone: string): string[] {
  const digits = phone.replace(/\D/g, '');
  if (!/^(254|211|256)\d{9}$/.test(digits)) return [phone];
  return [`+${digits}`, digits, `0${digits.slice(3)}`];
}


export interface PersonalValues {
  fullName: string | null;
  phone: string | null;
  email: string | null;
  mac: string | null;
  staticIp: string | null;
  billingAddress: string | null;
  serviceLocation: string | null;
}

export function createScrub(personal: PersonalValues): Scrub {
  const usable = (values: Array<string | null>) => values.filter((v): v is string => typeof v === 'string' && v.trim().length >= 3).map((v) => v.trim());
  const identifiers = [...new Set(usable([...(personal.phone ? phoneSpellings(personal.phone) : []), ...(personal.mac ? macSpellings(personal.mac) : []), personal.email]))];
  // Longest first, so '+254712…' goes before '254712…' and no stub of a value is left behind.
  const values = [...new Set([...identifiers, ...usable([personal.fullName, personal.staticIp, personal.billingAddress, personal.serviceLocation])])].sort((a, b) => b.length - a.length);
  // Whole values only: a customer called "Ann" leaves "Annual" alone.
  const patterns = values.map((v) => new RegExp(`(?<![\\p{L}\\p{N}])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'giu'));
  const holds = (value: string) => patterns.some((p) => {
    p.lastIndex = 0;
    return p.test(value);
  });
  const text = (value: string): string => patterns.reduce((out, p) => out.replace(p, ERASED), value);
  const walk = (value: unknown, key?: string): unknown => {
    if (key !== undefined && PERSONAL_KEY.test(key) && (typeof value === 'string' || typeof value === 'number')) return ERASED;
    if (typeof value === 'string') return text(value);
    if (typeof value === 'number') return holds(String(value)) ? ERASED : value;
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      // { Name: 'PhoneNumber', Value: 2547… }: the name says what the value is.
      const named = typeof record['Name'] === 'string' && PERSONAL_KEY.test(record['Name']);
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, named && k === 'Value' ? ERASED : walk(v, k)]));
    }
    return value;
  };
  return { text, json: <T>(value: T) => walk(value) as T, holds, identifiers, erased: ERASED };
}
