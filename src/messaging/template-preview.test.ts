import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { previewTemplate } from './template-preview.js';
import { openTestDatabase } from './test-fixtures.js';

let conn: Connection;
beforeEach(() => {
  conn = openTestDatabase();
});
afterEach(() => conn.close());

describe('an Arabic template preview', () => {
  it('shows dates and the payment method as an Arabic SMS will carry them, with Latin digits', () => {
    const renewed = previewTemplate(conn.db, 'renewed', 'ar', '{{plan}} حتى {{expiry}}.').text;
    expect(renewed).toContain('8 فبراير 2026');
    expect(renewed).toContain('15:00');
    const due = previewTemplate(conn.db, 'due_soon', 'ar', 'الاستحقاق {{due}}.').text;
    expect(due).toContain('1 مارس 2026');
    expect(renewed + due).not.toMatch(/Feb|Mar/);
    expect(previewTemplate(conn.db, 'payment_received', 'ar', '{{method}}').text).toBe('M-Pesa');
  });
});
