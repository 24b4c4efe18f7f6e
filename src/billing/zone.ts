import { IANAZone, Zone } from 'luxon';

const QUARTER_HOUR = 15 * 60_000;

/**
 * An IANA zone whose UTC offsets are remembered per quarter hour. Luxon asks Intl for the
 * offset on every conversion (about 10 µs here), and a billing run converts the same few
 * boundary instants thousands of times. Offset changes in the tz database fall on quarter-hour
 * UTC instants for every zone since the 1970s (including Juba's 2021 move from +3 to +2), so a
 * quarter-hour bucket always holds one offset for the dates billing handles.
 */
class RememberingZone extends Zone {
  private readonly offsets = new Map<number, number>();

  constructor(private readonly inner: IANAZone) {
    super();
  }

  override get type(): string {
    return 'iana';
  }
  override get name(): string {
    return this.inner.name;
  }
  override get isUniversal(): boolean {
    return false;
  }
  override get isValid(): boolean {
    return this.inner.isValid;
  }
  override offsetName(ts: number, options: { format?: 'short' | 'long'; locale?: string }): string | null {
    return this.inner.offsetName(ts, options);
  }
  override formatOffset(ts: number, format: 'narrow' | 'short' | 'techie'): string {
    return this.inner.formatOffset(ts, format);
  }
  override offset(ts: number): number {
    const bucket = Math.floor(ts / QUARTER_HOUR);
    let minutes = this.offsets.get(bucket);
    if (minutes === undefined) {
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(bucket, (minutes = this.inner.offset(ts)));
    }
    return minutes;
  }
  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.name;
  }
}

const zones = new Map<string, Zone>();

/** The zone to hand luxon for `name`; invalid names get luxon's own invalid zone, as a string would. */
export function zoneFor(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    const iana = IANAZone.create(name);
    zones.set(name, (zone = iana.isValid ? new RememberingZone(iana) : iana));
  }
  return zone;
}
