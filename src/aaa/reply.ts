import type { Subscriber } from '../billing/index.js';
import { attribute, type AaaAttributes } from './attributes.js';

const GIGAWORD = 2 ** 32;

/**
 * Stage 7: the Access-Accept attributes a MikroTik acts on, from the plan. Until issue 3's
 * usage accounting lands these are the plan's per-session limits, not what remains of them.
 */
export function buildAcceptAttributes(subscriber: Subscriber, a: AaaAttributes, interimSeconds: number): Buffer[] {
  const out: Buffer[] = [];
  if (subscriber.rateLimit) out.push(attribute(a.mikrotikRateLimit, subscriber.rateLimit));
  if (subscriber.durationSeconds) out.push(attribute(a.sessionTimeout, Math.min(subscriber.durationSeconds, 0xffffffff)));
  if (subscriber.dataBytes) {
    out.push(attribute(a.mikrotikTotalLimit, subscriber.dataBytes % GIGAWORD));
    const gigawords = Math.floor(subscriber.dataBytes / GIGAWORD);
    if (gigawords > 0) out.push(attribute(a.mikrotikTotalLimitGigawords, gigawords));
  }
  out.push(attribute(a.acctInterimInterval, interimSeconds));
  return out;
}
