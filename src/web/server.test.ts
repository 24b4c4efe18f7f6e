import { describe, expect, it } from 'vitest';
import { readablePath } from './server.js';

describe('readablePath', () => {
  it('leaves well-formed addresses exactly as they are', () => {
    for (const url of ['/', '/staff/customers/alice', '/api/v1/customers?q=%27%20OR%201%3D1', '/portal/tickets/%E2%9C%93', '/hotspot?lang=ar']) expect(readablePath(url)).toBe(url);
  });

  it('turns a path segment with a broken %-escape into literal text, so a route can answer not found', () => {
    expect(readablePath('/staff/customers/%zz')).toBe('/staff/customers/%25zz');
    expect(decodeURIComponent(readablePath('/api/v1/customers/%E0%A4%A'))).toBe('/api/v1/customers/%E0%A4%A');
  });

  it('keeps the query string untouched', () => {
    expect(readablePath('/portal/tickets/%zz?done=opened%zz')).toBe('/portal/tickets/%25zz?done=opened%zz');
  });
});
