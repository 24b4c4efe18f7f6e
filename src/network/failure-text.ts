import { t, type Language } from '../i18n/index.js';
import { RouterOsError, type RouterOsErrorKind } from '../routeros/types.js';

// One way to say what went wrong with a router's API, for the staff pages, the CLI and the log.

/** Splits any failure into the kind stored on router_api and the detail worth keeping (a trap's own words). */
export function failureOf(err: unknown): { kind: RouterOsErrorKind; detail: string | null } {
  if (err instanceof RouterOsError) return { kind: err.kind, detail: err.kind === 'trap' || err.kind === 'fatal' ? err.message.slice(0, 300) : null };
  return { kind: 'closed', detail: err instanceof Error ? err.message.slice(0, 300) : null };
}

export function failureText(failure: { kind: RouterOsErrorKind; detail: string | null }, where: { host: string; port: number }, language: Language = 'en'): string {
  return t(`network.apiErrors.${failure.kind}`, { host: where.host, port: where.port, detail: failure.detail ?? '' }, language);
}
