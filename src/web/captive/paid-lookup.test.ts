import { describe, expect, it } from 'vitest';
import { deviceVerdict } from './paid-lookup.js';

// Which device may be shown the voucher a receipt bought: the one that holds it, or anyone
// before it is used.

const T0 = Date.UTC(2026, 10, 25, 7, 14);
const PHONE = 'AA:BB:CC:11:22:33';
const LAPTOP = 'AA:BB:CC:44:55:66';

describe('the device check on a voucher found by its receipt', () => {
  it('shows a voucher nobody has used yet to whoever holds the receipt', () => {
    expect(deviceVerdict({ lockedMac: null, firstUsedAt: null, sessions: [] }, LAPTOP)).toEqual({ ok: true });
    expect(deviceVerdict({ lockedMac: null, firstUsedAt: null, sessions: [] }, '')).toEqual({ ok: true });
  });

  it('shows it again to the device that has been using it, whatever the router\'s MAC spelling', () => {
    const use = { lockedMac: null, firstUsedAt: T0, sessions: [{ mac: 'aa-bb-cc-11-22-33', startedAt: T0 }] };
    expect(deviceVerdict(use, PHONE)).toEqual({ ok: true });
    expect(deviceVerdict({ lockedMac: 'AA:BB:CC:11:22:33', firstUsedAt: T0, sessions: [] }, 'aabb.cc11.2233')).toEqual({ ok: true });
  });

  it('refuses another device, with the time the first one started using it', () => {
    const use = { lockedMac: null, firstUsedAt: T0 - 60_000, sessions: [{ mac: PHONE, startedAt: T0 + 3_600_000 }, { mac: PHONE, startedAt: T0 }] };
    expect(deviceVerdict(use, LAPTOP)).toEqual({ ok: false, at: T0 });
    // A page opened without the router's MAC cannot prove it is the same device.
    expect(deviceVerdict(use, '')).toEqual({ ok: false, at: T0 });
  });

  it('goes by the device a MAC-locked voucher is locked to, before any session', () => {
    const use = { lockedMac: LAPTOP, firstUsedAt: T0, sessions: [{ mac: PHONE, startedAt: T0 - 1000 }] };
    expect(deviceVerdict(use, PHONE)).toEqual({ ok: false, at: T0 });
    expect(deviceVerdict(use, LAPTOP)).toEqual({ ok: true });
  });

  it('ignores sessions whose router sent no usable MAC', () => {
    expect(deviceVerdict({ lockedMac: null, firstUsedAt: T0, sessions: [{ mac: null, startedAt: T0 }, { mac: 'not-a-mac', startedAt: T0 }] }, LAPTOP)).toEqual({ ok: true });
  });
});
