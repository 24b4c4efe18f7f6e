import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openDatabase } from '../db/connection.js';
import { addCustomer } from './customers.js';
import { customersOnPlans, listPlansPage } from './plan-list.js';
import { addPlan } from './plans.js';

const box = createSecretBox(Buffer.alloc(32, 4));

describe('the staff plan list', () => {
  it('pages through plans by name and filters by part of the name and by prepaid or postpaid', () => {
    const { db, close } = openDatabase(':memory:');
    for (const name of ['Day', 'Week', 'Home 10M', 'Home 20M']) addPlan(db, { name, priceMinor: 100, currency: 'KES' });
    addPlan(db, { name: 'Office', priceMinor: 100, currency: 'KES', billingKind: 'postpaid' });
    expect(listPlansPage(db, { offset: 0, limit: 2 }).map((p) => p.name)).toEqual(['Day', 'Home 10M']);
    expect(listPlansPage(db, { offset: 2, limit: 2 }).map((p) => p.name)).toEqual(['Home 20M', 'Office']);
    expect(listPlansPage(db, { query: 'home', offset: 0, limit: 10 }).map((p) => p.name)).toEqual(['Home 10M', 'Home 20M']);
    expect(listPlansPage(db, { billingKind: 'postpaid', offset: 0, limit: 10 }).map((p) => p.name)).toEqual(['Office']);
    close();
  });

  it('counts the customers on each plan, leaving out plans nobody is on', () => {
    const { db, close } = openDatabase(':memory:');
    const day = addPlan(db, { name: 'Day', priceMinor: 100, currency: 'KES', durationSeconds: 86400 });
    const week = addPlan(db, { name: 'Week', priceMinor: 500, currency: 'KES', durationSeconds: 7 * 86400 });
    addCustomer(db, box, { username: 'alice', password: 'pw-alice', planName: 'Day' });
    addCustomer(db, box, { username: 'bob', password: 'pw-bob', planName: 'Day' });
    addCustomer(db, box, { username: 'carol', password: 'pw-carol' });
    const counts = customersOnPlans(db, [day.id, week.id]);
    expect(counts.get(day.id)).toBe(2);
    expect(counts.has(week.id)).toBe(false);
    expect(customersOnPlans(db, [])).toEqual(new Map());
    close();
  });
});
