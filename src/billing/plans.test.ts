import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/connection.js';
import { addPlan, listPlans } from './plans.js';

describe('plans', () => {
  it('names the field that is wrong, and writes nothing', () => {
    const { db, close } = openDatabase(':memory:');
    const base = { name: 'Day', priceMinor: 5000, currency: 'KES' as const };
    expect(() => addPlan(db, { ...base, name: ' ' })).toThrow(/name must be/);
    expect(() => addPlan(db, { ...base, priceMinor: -1 })).toThrow(/not an amount in KES/);
    expect(() => addPlan(db, { ...base, durationSeconds: 0 })).toThrow(/not a duration/);
    expect(() => addPlan(db, { ...base, dataBytes: 1.5 })).toThrow(/not a data size/);
    expect(() => addPlan(db, { ...base, rateLimit: '2M/' })).toThrow(/not a MikroTik rate limit/);
    expect(listPlans(db)).toEqual([]);
    close();
  });

  it('refuses a second plan with the same name', () => {
    const { db, close } = openDatabase(':memory:');
    addPlan(db, { name: 'Day', priceMinor: 5000, currency: 'KES' });
    expect(() => addPlan(db, { name: 'Day', priceMinor: 100, currency: 'USD' })).toThrow(/already exists/);
    close();
  });
});
