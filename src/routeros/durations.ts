// RouterOS writes durations its own way ('1w2d3h4m5s', '4s120ms', '00:05:00', or bare seconds):
// the one reader and writer for the client's callers and the emulator.

const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A RouterOS duration in milliseconds; undefined for anything else ('received', 'none', ''). */
export function parseRouterOsDuration(text: string | undefined): number | undefined {
  const value = text?.trim() ?? '';
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const clock = /^(?:(\d+)d\s*)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(value);
  if (clock) {
    const [, d = '0', h, m, s, frac = '0'] = clock;
    return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000 + Number(frac.padEnd(3, '0'));
  }
  if (!/^(?:\d+(?:ms|us|w|d|h|m|s))+$/.test(value)) return undefined;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|us|w|d|h|m|s)/g)) ms += unit === 'us' ? 0 : Number(n) * UNIT_MS[unit!]!;
  return ms;
}

/** Milliseconds as RouterOS prints them: 300 000 → '5m', 1 100 → '1s100ms', 0 → '0s'. */
export function formatRouterOsDuration(ms: number): string {
  let rest = Math.max(0, Math.floor(ms));
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) out += `${amount}${unit}`;
  }
  return out || '0s';
}
