import { currentRateLimit } from '../billing/index.js';
import { attribute, type AaaAttributes } from './attributes.js';
import type { PolicyContext } from './policy/context.js';
import { secondsUntilWindowEnds } from './policy/time-window.js';
import { countedBytes } from './usage.js';

const GIGAWORD = 2 ** 32;
const MAX_UINT32 = 0xffffffff;

/**
 * Stage 7: the Access-Accept attributes a MikroTik enforces, computed from what remains:
 * the current FUP speed, a Session-Timeout at the nearest of allowance, expiry and window end,
 * the bytes left as a byte limit, and the plan's session settings.
 */
export function buildAcceptAttributes(context: PolicyContext, a: AaaAttributes, defaultInterim: number): Buffer[] {
  const { subscriber: s, usage, now } = context;
  const out: Buffer[] = [];
  const used = countedBytes(usage, s.dataCounts);
  const rate = currentRateLimit({ rateLimit: s.rateLimit, fupTiers: s.fupTiers ?? [] }, used);
  if (rate) out.push(attribute(a.mikrotikRateLimit, rate));

  const limits: number[] = [];
  if (s.timeAllowanceSeconds !== null) limits.push(s.timeAllowanceSeconds - usage.seconds);
  if (context.expiresAt !== null) limits.push(Math.ceil((context.expiresAt - now) / 1000));
  if (s.windowStartMinute !== null && s.windowEndMinute !== null) {
    limits.push(secondsUntilWindowEnds(now, { startMinute: s.windowStartMinute, endMinute: s.windowEndMinute }, context.zone));
  }
  if (limits.length > 0) out.push(attribute(a.sessionTimeout, Math.min(MAX_UINT32, Math.max(1, Math.min(...limits)))));

  if (s.dataBytes !== null) {
    const remaining = Math.max(1, s.dataBytes - used);
    // Total-Limit counts both directions; Xmit-Limit is what the router sends to the client.
    const [low, high] = s.dataCounts === 'download' ? [a.mikrotikXmitLimit, a.mikrotikXmitLimitGigawords] : [a.mikrotikTotalLimit, a.mikrotikTotalLimitGigawords];
    out.push(attribute(low, remaining % GIGAWORD));
    const gigawords = Math.floor(remaining / GIGAWORD);
    if (gigawords > 0) out.push(attribute(high, gigawords));
  }
  out.push(attribute(a.acctInterimInterval, s.interimIntervalSeconds ?? defaultInterim));
  if (s.idleTimeoutSeconds !== null) out.push(attribute(a.idleTimeout, s.idleTimeoutSeconds));
  if (s.ipPool !== null) out.push(attribute(a.framedPool, s.ipPool));
  if (s.addressList !== null) out.push(attribute(a.mikrotikAddressList, s.addressList));
  if (s.staticIp !== null) out.push(attribute(a.framedIpAddress, s.staticIp));
  return out;
}
