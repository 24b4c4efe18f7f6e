import { DateTime } from 'luxon';
import { periodEnd, type Plan, type Subscriber } from '../billing/index.js';
import type { ErrorCode } from '../errors.js';
import { decodePacket, describeAttribute } from '../radius/codec.js';
import type { Dictionary } from '../radius/dictionary.js';
import { Code } from '../radius/packet.js';
import type { AaaAttributes } from './attributes.js';
import type { PolicyContext } from './policy/context.js';
import { policies } from './policy/rules.js';
import { isInsideWindow } from './policy/time-window.js';
import { buildAcceptAttributes } from './reply.js';
import type { UsageNow } from './usage.js';

// What a router would be told for a customer on a plan, for the staff plan page: the same
// policy stages and reply builder the Access-Request path runs (access.ts), on a customer made
// up from the plan, so the preview cannot drift from what is really sent.

export interface PreviewRow {
  name: string;
  value: string;
}

export interface PreviewCase {
  /** Data counted so far in the period (0 for a fresh customer; a tier's threshold after it). */
  usedBytes: number;
  /** Which FUP tier is crossed (index into the plan's tiers), or null for a fresh customer. */
  tier: number | null;
  /** The moment the preview answers for: now, or the start of the plan's hours when now is outside them. */
  at: number;
  outcome: { kind: 'accept'; rows: PreviewRow[]; attributes: Buffer } | { kind: 'reject'; reason: ErrorCode; values?: Record<string, string | number> };
}

export interface PreviewOptions {
  now: number;
  zone: string;
  /** The daemon's Acct-Interim-Interval for plans that set none (LANGO_INTERIM_INTERVAL). */
  defaultInterimSeconds: number;
  attributes: AaaAttributes;
  dictionary: Dictionary;
}

export type PreviewPlan = Pick<
  Plan,
  | 'id' | 'name' | 'billingKind' | 'cycle' | 'durationSeconds' | 'validityMonths' | 'validityStarts' | 'timeAllowanceSeconds' | 'rateLimit' | 'dataBytes'
  | 'dataCounts' | 'fupTiers' | 'sharedUsers' | 'idleTimeoutSeconds' | 'interimIntervalSeconds' | 'windowStartMinute' | 'windowEndMinute' | 'addressList' | 'ipPool'
>;

/** A customer on `plan` whose period starts at `at`, as the subscriber lookup would return them. */
export function previewSubscriber(plan: PreviewPlan, at: number, zone: string): Subscriber {
  return {
    id: 0,
    username: 'preview',
    passwordSealed: '',
    status: 'active',
    suspendedReason: null,
    activatedAt: at,
    // As the lookup does: only a prepaid period ends access; billing renews postpaid ones.
    expiresAt: plan.billingKind === 'prepaid' ? periodEnd(at, plan, zone) : null,
    mac: null,
    macBinding: false,
    staticIp: null,
    planId: plan.id,
    planName: plan.name,
    subscriptionStatus: 'active',
    cycle: plan.cycle,
    durationSeconds: plan.durationSeconds,
    validityMonths: plan.validityMonths,
    validityStarts: plan.validityStarts,
    timeAllowanceSeconds: plan.timeAllowanceSeconds,
    rateLimit: plan.rateLimit,
    dataBytes: plan.dataBytes,
    dataCounts: plan.dataCounts,
    fupTiers: plan.fupTiers,
    sharedUsers: plan.sharedUsers,
    idleTimeoutSeconds: plan.idleTimeoutSeconds,
    interimIntervalSeconds: plan.interimIntervalSeconds,
    windowStartMinute: plan.windowStartMinute,
    windowEndMinute: plan.windowEndMinute,
    addressList: plan.addressList,
    ipPool: plan.ipPool,
    kind: 'customer',
    useBefore: null,
    macLock: false,
    lockedMac: null,
    allowedNas: null,
    revoked: false,
  };
}

/** Usage with `bytes` counted however the plan counts (download only, or both directions). */
export function previewUsage(bytes: number): UsageNow {
  // Output is the download (RFC 2866), which both counting modes include.
  return { input: 0, output: bytes, seconds: 0, openSessions: 0 };
}

/**
 * The reply for a customer who just started the plan, and for one just past each FUP tier:
 * the policy stages in order (the first refusal is the answer, as on the wire), then the
 * Access-Accept attributes decoded back into "name = value" rows by the packet decoder.
 */
export function previewReply(plan: PreviewPlan, options: PreviewOptions): PreviewCase[] {
  const at = insideHours(plan, options.now, options.zone);
  const cases: Array<{ usedBytes: number; tier: number | null }> = [{ usedBytes: 0, tier: null }, ...plan.fupTiers.map((t, i) => ({ usedBytes: t.afterBytes, tier: i }))];
  return cases.map(({ usedBytes, tier }) => {
    const context: PolicyContext = {
      subscriber: previewSubscriber(plan, at, options.zone),
      now: at,
      zone: options.zone,
      expiresAt: plan.billingKind === 'prepaid' ? periodEnd(at, plan, options.zone) : null,
      usage: previewUsage(usedBytes),
      deviceMac: undefined,
      nasId: 0,
    };
    for (const [, check] of policies) {
      const verdict = check(context);
      if (verdict.kind === 'reject') return { usedBytes, tier, at, outcome: { kind: 'reject', reason: verdict.reason, ...(verdict.values && { values: verdict.values }) } };
    }
    const attributes = Buffer.concat(buildAcceptAttributes(context, options.attributes, options.defaultInterimSeconds));
    return { usedBytes, tier, at, outcome: { kind: 'accept', rows: describeAttributes(attributes, options.dictionary), attributes } };
  });
}

/** Encoded reply attributes as "name = value" rows, read back by the same decoder incoming packets go through. */
export function describeAttributes(attributes: Buffer, dictionary: Dictionary): PreviewRow[] {
  const header = Buffer.alloc(20);
  header[0] = Code.AccessAccept;
  header.writeUInt16BE(20 + attributes.length, 2);
  const packet = decodePacket(Buffer.concat([header, attributes]), dictionary);
  return packet.attributes.map((attr) => {
    const [name, value] = describeAttribute(dictionary, attr);
    return { name, value: Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : String(value) };
  });
}

/** Now, or the next start of the plan's hours when now is outside them: a night plan previewed by day shows its night reply. */
function insideHours(plan: PreviewPlan, now: number, zone: string): number {
  if (plan.windowStartMinute === null || plan.windowEndMinute === null) return now;
  if (isInsideWindow(now, { startMinute: plan.windowStartMinute, endMinute: plan.windowEndMinute }, zone)) return now;
  const local = DateTime.fromMillis(now, { zone });
  let start = local.startOf('day').plus({ minutes: plan.windowStartMinute });
  if (start <= local) start = start.plus({ days: 1 });
  return start.toMillis();
}
