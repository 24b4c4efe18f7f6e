import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../db/connection.js';
import { addTestCustomer, openTestDatabase } from '../messaging/test-fixtures.js';
import { addEquipment, EquipmentError, equipmentHistory, equipmentRefusalText, findEquipment, listEquipment, moveEquipment, type EquipmentRefusal } from './index.js';

const T0 = Date.UTC(2026, 2, 2, 7, 0, 0);

let conn: Connection;
let alice: number;

function refusal(fn: () => unknown): EquipmentRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof EquipmentError) return err.reason;
    throw err;
  }
  throw new Error('expected an EquipmentError');
}

const add = (serial: string, extra: { kind?: string; mac?: string; site?: string; model?: string } = {}) =>
  addEquipment(conn.db, { kind: extra.kind ?? 'router', model: extra.model ?? 'MikroTik hAP ac2', serial, mac: extra.mac, site: extra.site, actor: 'amina', now: T0 });

beforeEach(() => {
  conn = openTestDatabase();
  alice = addTestCustomer(conn, { username: 'alice', fullName: 'Alice Wanjiru' }).id;
});
afterEach(() => conn.close());

describe('adding equipment', () => {
  it('puts an item in stock with its MAC written the one usual way, and records who added it', () => {
    const item = add('hx-2201', { mac: 'aa-bb-cc-00-11-22', site: 'Juba store' });
    expect(item).toMatchObject({ status: 'in_stock', serial: 'HX-2201', mac: 'AA:BB:CC:00:11:22', site: 'Juba store', customerId: null });
    expect(equipmentHistory(conn.db, item.id)[0]).toMatchObject({ actor: 'staff:amina', action: 'equipment.add' });
  });

  it('refuses a serial already on the books, whatever its case', () => {
    add('HX-2201');
    expect(refusal(() => add('hx-2201'))).toBe('duplicate-serial');
    expect(listEquipment(conn.db)).toHaveLength(1);
  });

  it('refuses an unknown kind, an empty model or serial and a MAC that is not one', () => {
    expect(refusal(() => add('A1', { kind: 'toaster' }))).toBe('kind');
    expect(refusal(() => add('A1', { model: '  ' }))).toBe('model');
    expect(refusal(() => add(' '))).toBe('serial');
    expect(refusal(() => add('A1', { mac: 'not-a-mac' }))).toBe('mac');
  });

  it('says each refusal in plain words in English and Arabic', () => {
    const reasons: EquipmentRefusal[] = ['kind', 'model', 'serial', 'mac', 'text', 'duplicate-serial', 'unknown-equipment', 'unknown-customer', 'bad-move', 'needs-customer'];
    for (const reason of reasons) {
      for (const language of ['en', 'ar'] as const) {
        const text = equipmentRefusalText(reason, language, { username: 'bob' });
        expect(text).not.toMatch(/staff\.field|\{\{/);
        expect(text.length).toBeGreaterThan(10);
      }
    }
    expect(equipmentRefusalText('duplicate-serial', 'en')).toBe('An item with this serial number is already in the inventory.');
  });
});

describe('an item’s status', () => {
  it('goes in stock → installed with a customer → faulty → in stock, each move in its history', () => {
    const item = add('HX-1');
    expect(refusal(() => moveEquipment(conn.db, { equipmentId: item.id, to: 'installed', actor: 'amina', now: T0 }))).toBe('needs-customer');
    expect(moveEquipment(conn.db, { equipmentId: item.id, to: 'installed', customerId: alice, actor: 'amina', now: T0 + 1 })).toMatchObject({ status: 'installed', customerId: alice });
    expect(findEquipment(conn.db, item.id)).toMatchObject({ username: 'alice' });
    expect(moveEquipment(conn.db, { equipmentId: item.id, to: 'faulty', note: 'burnt by lightning', actor: 'amina', now: T0 + 2 })).toMatchObject({ status: 'faulty', customerId: null });
    expect(moveEquipment(conn.db, { equipmentId: item.id, to: 'in_stock', actor: 'amina', now: T0 + 3 })).toMatchObject({ status: 'in_stock' });
    const history = equipmentHistory(conn.db, item.id).map((e) => [e.action, e.detail]);
    expect(history).toEqual([
      ['equipment.status', expect.objectContaining({ from: 'faulty', to: 'in_stock' })],
      ['equipment.status', expect.objectContaining({ from: 'installed', to: 'faulty', previousCustomer: 'alice', note: 'burnt by lightning' })],
      ['equipment.status', expect.objectContaining({ from: 'in_stock', to: 'installed', username: 'alice' })],
      ['equipment.add', expect.anything()],
    ]);
  });

  it('refuses a move that cannot follow the present status, changing nothing', () => {
    const item = add('HX-1');
    expect(refusal(() => moveEquipment(conn.db, { equipmentId: item.id, to: 'returned', actor: 'amina', now: T0 }))).toBe('bad-move');
    moveEquipment(conn.db, { equipmentId: item.id, to: 'faulty', actor: 'amina', now: T0 });
    // Faulty kit goes back to stock (checked) before it is installed again.
    expect(refusal(() => moveEquipment(conn.db, { equipmentId: item.id, to: 'installed', customerId: alice, actor: 'amina', now: T0 }))).toBe('bad-move');
    expect(findEquipment(conn.db, item.id)?.status).toBe('faulty');
  });
});

describe('the inventory list', () => {
  it('filters by status, kind and site, and finds by serial, MAC in any writing, model or customer', () => {
    const router = add('HX-1', { mac: 'AA:BB:CC:00:11:22', site: 'Juba store' });
    const modem = add('MD-7', { kind: 'modem', model: 'Huawei B311', site: 'Tower 3' });
    moveEquipment(conn.db, { equipmentId: modem.id, to: 'installed', customerId: alice, actor: 'amina', now: T0 + 1 });
    const serials = (filter: Parameters<typeof listEquipment>[1]) => listEquipment(conn.db, filter).map((e) => e.serial);
    expect(serials({ status: 'installed' })).toEqual(['MD-7']);
    expect(serials({ kind: 'router' })).toEqual(['HX-1']);
    expect(serials({ site: 'Juba store' })).toEqual(['HX-1']);
    expect(serials({ search: 'aabb.cc00.1122' })).toEqual(['HX-1']);
    expect(serials({ search: 'b311' })).toEqual(['MD-7']);
    expect(serials({ search: 'wanjiru' })).toEqual(['MD-7']);
    expect(serials({ customerId: alice })).toEqual(['MD-7']);
    expect(router.id).toBeGreaterThan(0);
  });
});
