import { describe, expect, it } from 'vitest';
import { NasActivity, routerState, UP_WITHIN_MS } from './nas-activity.js';

describe('router activity', () => {
  it('keeps the latest packet time per router and knows nothing of routers that stayed silent', () => {
    const activity = new NasActivity();
    const view = activity.view();
    activity.seen(1, 1_000);
    activity.seen(2, 2_000);
    activity.seen(1, 3_000);
    expect(view.get(1)).toBe(3_000);
    expect(view.get(2)).toBe(2_000);
    expect(view.has(3)).toBe(false);
  });

  it('calls a router up within ten minutes of its last packet, down after, and unknown without one', () => {
    const now = 100 * 60_000;
    expect(routerState(now - 60_000, now)).toBe('up');
    expect(routerState(now - UP_WITHIN_MS, now)).toBe('up');
    expect(routerState(now - UP_WITHIN_MS - 1, now)).toBe('down');
    expect(routerState(undefined, now)).toBe('unknown');
  });
});
