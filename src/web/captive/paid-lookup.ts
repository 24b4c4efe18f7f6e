import { listSessions } from '../../aaa/sessions.js';
import { normaliseMac } from '../../billing/index.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/connection.js';
import { listVouchers } from '../../hotspot/index.js';
import { findByPhone, findByReceipt, followLookup, normaliseReceipt, readPhone, type ProviderRegistry, type ReceiptFinding } from '../../payments/index.js';
import { getSetting } from '../../settings/index.js';
import type { CaptivePaid } from './index.js';
import { paidProvider, type PaidFinding } from './paid-answer.js';

// "I paid but I'm not online", joined to the domains: payments finds the payment (asking the
// provider when it must), and a voucher it bought is shown only to the device that holds it —
// the router visit's MAC against the voucher's lock or the device its sessions came from.
// main.ts builds it; the plugin only sees the CaptivePaid hooks.

export interface PaidLookupDeps {
  db: Db;
  box: SecretBox;
  providers: Pick<ProviderRegistry, 'usable'>;
  zone: string;
  onProviderError?: (name: string, err: unknown) => void;
}

/** How long one check may spend asking providers before the page is answered "still waiting". */
const PROVIDER_BUDGET_MS = 15_000;

/** A voucher's use so far: the device it is locked to, when it was first used, and its sessions' devices. */
export interface VoucherUse {
  lockedMac: string | null;
  firstUsedAt: number | null;
  sessions: ReadonlyArray<{ mac: string | null; startedAt: number }>;
}

/**
 * Whether the device `mac` may be shown the voucher: yes unless another device holds it — the
 * one it is locked to, or else the first device that had a session with it. `at` is when that
 * device started using it. A voucher nobody has used yet goes to whoever holds the receipt.
 */
export function deviceVerdict(use: VoucherUse, mac: string): { ok: true } | { ok: false; at: number } {
  const seen = use.sessions
    .map((s) => ({ mac: s.mac === null ? undefined : normaliseMac(s.mac), startedAt: s.startedAt }))
    .filter((s): s is { mac: string; startedAt: number } => s.mac !== undefined)
    .sort((a, b) => a.startedAt - b.startedAt);
  const holder = use.lockedMac !== null ? (normaliseMac(use.lockedMac) ?? use.lockedMac) : seen[0]?.mac;
  if (holder === undefined || normaliseMac(mac) === holder) return { ok: true };
  return { ok: false, at: seen.find((s) => s.mac === holder)?.startedAt ?? use.firstUsedAt ?? seen[0]?.startedAt ?? Date.now() };
}

export function voucherUse(db: Db, code: string): VoucherUse {
  const [voucher] = listVouchers(db, { code }, Date.now(), 1);
  const sessions = listSessions(db, { username: code, limit: 50 }).map((s) => ({ mac: s.callingStationId, startedAt: s.startedAt }));
  return { lockedMac: voucher?.lockedMac ?? null, firstUsedAt: voucher?.firstUsedAt ?? null, sessions };
}

export function createPaidLookup(deps: PaidLookupDeps): CaptivePaid {
  const { db } = deps;
  const lookup = { db, box: deps.box, zone: deps.zone, providers: () => deps.providers.usable(deps.onProviderError) };

  // Sold vouchers log in with the code as password (hotspot's sellVoucher).
  const onDevice = (finding: ReceiptFinding, mac: string): PaidFinding => {
    if (finding.kind !== 'voucher') return finding;
    const verdict = deviceVerdict(voucherUse(db, finding.code), mac);
    return verdict.ok ? { kind: 'voucher', code: finding.code, password: finding.code } : { kind: 'used-elsewhere', at: verdict.at };
  };

  return {
    async ask({ text, mac }) {
      const now = Date.now();
      const signal = AbortSignal.timeout(PROVIDER_BUDGET_MS);
      const phone = readPhone(db, text);
      if (phone) return { via: 'phone', finding: await findByPhone(lookup, { phone, now, signal }) };
      const receipt = normaliseReceipt(text);
      if (!receipt) return { via: 'receipt', finding: { kind: 'bad-input', value: text.trim().slice(0, 40) } };
      const finding = await findByReceipt(lookup, { receipt, mac: normaliseMac(mac) ?? null, now, signal });
      return { via: 'receipt', finding: onDevice(finding, mac) };
    },

    follow(key) {
      const followed = followLookup(db, key, Date.now());
      return followed && onDevice(followed.finding, followed.mac ?? '');
    },

    context() {
      return {
        provider: paidProvider(lookup.providers()),
        contact: getSetting(db, 'operator.phone'),
        zone: deps.zone,
      };
    },
  };
}
