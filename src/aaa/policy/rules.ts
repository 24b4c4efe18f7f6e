import type { Subscriber } from '../../billing/index.js';
import { countedBytes } from '../usage.js';
import { CONTINUE, reject, type Verdict } from '../verdict.js';
import type { PolicyContext } from './context.js';
import { formatClock, isInsideWindow } from './time-window.js';

// Stage 6: may this customer connect now? Each rule answers for itself, in the order a
// customer would want to hear about it; the first refusal is the Reply-Message.

export function checkAccountStatus({ subscriber }: PolicyContext): Verdict {
  // An overdue account is told it can reconnect by paying; a staff suspension says contact support.
  if (subscriber.status === 'suspended') return subscriber.suspendedReason === 'overdue' ? reject('AAA_OVERDUE', 'overdue') : reject('AAA_ACCOUNT_SUSPENDED', 'suspended');
  if (subscriber.status === 'terminated') return reject('AAA_ACCOUNT_TERMINATED', 'terminated');
  return CONTINUE;
}

/**
 * Vouchers: a cancelled code, an unused code past its use-before date, a code sold for other
 * hotspots, or a code locked to the device that used it first.
 */
export function checkVoucher({ subscriber: s, now, nasId, deviceMac }: PolicyContext): Verdict {
  if (s.kind !== 'voucher') return CONTINUE;
  if (s.revoked) return reject('AAA_VOUCHER_REVOKED', 'voucher_revoked');
  if (s.activatedAt === null && s.useBefore !== null && now >= s.useBefore) return reject('AAA_VOUCHER_UNUSED_EXPIRED', 'voucher_unused_expired', { useBefore: s.useBefore });
  if (s.allowedNas !== null && !s.allowedNas.includes(nasId)) return reject('AAA_VOUCHER_WRONG_PLACE', 'voucher_wrong_place');
  if (s.macLock && s.lockedMac !== null && s.lockedMac !== deviceMac) return reject('AAA_WRONG_DEVICE', 'voucher_locked', { device: s.lockedMac });
  return CONTINUE;
}

/** A customer without a package gets no service: an ISP never gives away unmetered access by omission. */
export function checkHasPlan({ subscriber }: PolicyContext): Verdict {
  return subscriber.planId === null ? reject('AAA_NO_PLAN', 'no_plan') : CONTINUE;
}

export function checkValidity({ subscriber, expiresAt, now }: PolicyContext): Verdict {
  if (subscriber.subscriptionStatus === 'paused') return reject('AAA_PLAN_PAUSED', 'plan_paused');
  const expired = () => reject('AAA_PLAN_EXPIRED', 'plan_expired', expiresAt === null ? undefined : { expiresAt });
  if (subscriber.subscriptionStatus === 'expired') return expired();
  return expiresAt !== null && now >= expiresAt ? expired() : CONTINUE;
}

export function checkTimeWindow({ subscriber: s, now, zone }: PolicyContext): Verdict {
  if (s.windowStartMinute === null || s.windowEndMinute === null) return CONTINUE;
  const window = { startMinute: s.windowStartMinute, endMinute: s.windowEndMinute };
  if (isInsideWindow(now, window, zone)) return CONTINUE;
  const hours = { from: formatClock(window.startMinute), to: formatClock(window.endMinute) };
  return reject('AAA_OUTSIDE_WINDOW', 'outside_window', hours, hours);
}

export function checkDataAllowance({ subscriber: s, usage }: PolicyContext): Verdict {
  if (s.dataBytes === null) return CONTINUE;
  const used = countedBytes(usage, s.dataCounts);
  return used >= s.dataBytes ? reject('AAA_DATA_USED_UP', 'data_used_up', { used, allowance: s.dataBytes }) : CONTINUE;
}

export function checkTimeAllowance({ subscriber: s, usage }: PolicyContext): Verdict {
  return s.timeAllowanceSeconds !== null && usage.seconds >= s.timeAllowanceSeconds
    ? reject('AAA_TIME_USED_UP', 'time_used_up', { used: usage.seconds, allowance: s.timeAllowanceSeconds })
    : CONTINUE;
}

/** How many sessions a customer may have open at once (Simultaneous-Use). */
export function simultaneousLimit(s: Pick<Subscriber, 'sharedUsers'>): number {
  return s.sharedUsers ?? 1;
}

/**
 * Simultaneous-Use: open sessions that still report count; stale ones were excluded by the read.
 * A refusal names one session holding a place (read only now, never on the way to an accept).
 */
export function checkSimultaneousUse({ subscriber: s, usage, openSession }: PolicyContext): Verdict {
  const limit = simultaneousLimit(s);
  if (usage.openSessions < limit) return CONTINUE;
  const holder = openSession?.();
  return reject('AAA_TOO_MANY_SESSIONS', 'simultaneous_use', holder ? { limit, session: holder.id, acctSessionId: holder.acctSessionId, router: holder.router } : { limit }, { limit });
}

/** MikroTik sends the device MAC in Calling-Station-Id. */
export function checkMacBinding({ subscriber: s, deviceMac }: PolicyContext): Verdict {
  return s.macBinding && s.mac !== deviceMac ? reject('AAA_WRONG_DEVICE', 'mac_binding', { registered: s.mac ?? '' }) : CONTINUE;
}

export const policies: ReadonlyArray<[string, (context: PolicyContext) => Verdict]> = [
  ['voucher', checkVoucher],
  ['account-status', checkAccountStatus],
  ['has-plan', checkHasPlan],
  ['mac-binding', checkMacBinding],
  ['validity', checkValidity],
  ['time-window', checkTimeWindow],
  ['data-allowance', checkDataAllowance],
  ['time-allowance', checkTimeAllowance],
  ['simultaneous-use', checkSimultaneousUse],
];
