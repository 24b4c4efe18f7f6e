// Mikrotik-Rate-Limit grammar (mikrotik.md §2), router view: rx = customer upload, tx = download.
//   rx[/tx] [burst-rx[/tx] [threshold-rx[/tx] [burst-time-rx[/tx] [priority [min-rx[/tx]]]]]]
const RATE = '\\d+(?:\\.\\d+)?[kKM]?';
const PAIR = (one: string) => `${one}(?:/${one})?`;
const PARTS = [PAIR(RATE), PAIR(RATE), PAIR(RATE), PAIR('\\d+'), '[1-8]', PAIR(RATE)];

export function isRateLimit(text: string): boolean {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 0 || parts.length > PARTS.length || parts[0] === '') return false;
  return parts.every((part, i) => new RegExp(`^${PARTS[i]}$`).test(part));
}
