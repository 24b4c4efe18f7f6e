import { LangoError } from '../errors.js';

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "30m", "1h", "7d" -> seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})\s*([smhdw])$/i.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new LangoError('INPUT_BAD_DURATION', { value: text });
  return Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!;
}

// Bundles are sold in decimal units (1 GB = 10^9 bytes, as operators and phone data meters
// count); the binary units are accepted for whoever means them.
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** "500MB", "1.5GB" -> bytes. */
export function parseDataSize(text: string): number {
  const match = /^(\d{1,9}(?:\.\d{1,3})?)\s*([kmgt]?i?b)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new LangoError('INPUT_BAD_DATA_SIZE', { value: text });
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes <= 0 || !Number.isSafeInteger(bytes)) throw new LangoError('INPUT_BAD_DATA_SIZE', { value: text });
  return bytes;
}

/** "1month", "3months", "1mo" -> months; undefined when the text is not a month count. */
export function parseMonths(text: string): number | undefined {
  const match = /^(\d{1,2})\s*(mo|months?)$/i.exec(text.trim());
  return match && Number(match[1]) > 0 ? Number(match[1]) : undefined;
}

/** A byte count in decimal units, as plans are sold ('50GB' = 50 × 10⁹ bytes): '1.5 GB'. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
