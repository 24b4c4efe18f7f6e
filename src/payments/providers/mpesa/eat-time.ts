// Daraja writes every time as YYYYMMDDHHmmss with no zone. Kenyan practice is East Africa Time
// (UTC+3, no daylight saving since 1942), so plain arithmetic on a fixed offset is exact and no
// time-zone library is needed.

const EAT_OFFSET_MS = 3 * 60 * 60 * 1000;

/** Epoch milliseconds → Daraja's `YYYYMMDDHHmmss` in EAT. */
export function formatEatTimestamp(epochMs: number): string {
  const d = new Date(epochMs + EAT_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    String(d.getUTCFullYear()).padStart(4, '0') +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds())
  );
}

/** Daraja's `YYYYMMDDHHmmss` (EAT, string or JSON number) → epoch milliseconds; undefined when it is no real time. */
export function parseEatTimestamp(text: string | number): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(text));
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February into March; a timestamp that does not survive the round trip is garbage.
  if (formatEatTimestamp(utc - EAT_OFFSET_MS) !== String(text)) return undefined;
  return utc - EAT_OFFSET_MS;
}
