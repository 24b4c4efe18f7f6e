import { and, desc, eq, like, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { normaliseMac } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { equipment, type EquipmentKind, type EquipmentStatus } from '../db/schema/field.js';
import { t, type Language } from '../i18n/index.js';
import { auditTrail, recordAudit, type AuditEntry } from '../staff/index.js';

// The operator's hardware: what it is (kind, model, serial, MAC), where it is (a site, or a
// customer it is installed with) and what state it is in. Every change is audited under
// `equipment:<id>`, and that trail is the item's history.

export type { EquipmentKind, EquipmentStatus };
export const equipmentKinds: readonly EquipmentKind[] = ['modem', 'router', 'antenna', 'ont', 'other'];
export const equipmentStatuses: readonly EquipmentStatus[] = ['in_stock', 'installed', 'faulty', 'returned'];

export const MODEL_MAX = 80;
export const SERIAL_MAX = 64;
export const SITE_MAX = 80;
export const NOTES_MAX = 1000;

/**
 * Where an item may go from each state. Installing needs a customer; leaving 'installed' frees
 * it from that customer (the audit trail keeps who had it). A returned or repaired item goes
 * back into stock before it is installed again, so nobody installs kit nobody has checked.
 */
const MOVES: Record<EquipmentStatus, readonly EquipmentStatus[]> = {
  in_stock: ['installed', 'faulty'],
  installed: ['faulty', 'returned'],
  faulty: ['in_stock', 'returned'],
  returned: ['in_stock', 'faulty'],
};

export const nextStatuses = (status: EquipmentStatus): readonly EquipmentStatus[] => MOVES[status];

export type EquipmentRefusal =
  | 'kind'
  /** Model empty or longer than MODEL_MAX. */
  | 'model'
  /** Serial empty or longer than SERIAL_MAX. */
  | 'serial'
  /** Not a MAC address in any usual writing. */
  | 'mac'
  /** Site or notes too long. */
  | 'text'
  | 'duplicate-serial'
  | 'unknown-equipment'
  | 'unknown-customer'
  /** That status cannot follow the item's present one (see MOVES). */
  | 'bad-move'
  /** Installing needs the customer it goes to. */
  | 'needs-customer';

/** Something asked of the inventory that it cannot do; the page says which, in its own words. */
export class EquipmentError extends Error {
  constructor(readonly reason: EquipmentRefusal) {
    super(`equipment refused: ${reason}`);
  }
}

/** The refusal in plain words, for the page that shows it. */
export function equipmentRefusalText(reason: EquipmentRefusal, language: Language, values: { username?: string } = {}): string {
  switch (reason) {
    case 'kind':
      return t('staff.field.errors.kind', {}, language);
    case 'model':
      return t('staff.field.errors.model', { max: MODEL_MAX }, language);
    case 'serial':
      return t('staff.field.errors.serial', { max: SERIAL_MAX }, language);
    case 'mac':
      return t('staff.field.errors.mac', {}, language);
    case 'text':
      return t('staff.field.errors.text', {}, language);
    case 'duplicate-serial':
      return t('staff.field.errors.duplicateSerial', {}, language);
    case 'unknown-equipment':
      return t('staff.field.errors.unknownEquipment', {}, language);
    case 'unknown-customer':
      return t('staff.field.errors.unknownCustomer', { username: values.username ?? '' }, language);
    case 'bad-move':
      return t('staff.field.errors.badMove', {}, language);
    case 'needs-customer':
      return t('staff.field.errors.needsCustomer', {}, language);
  }
}

export type Equipment = typeof equipment.$inferSelect;

/** An item as lists and its page show it: with the username of the customer it is installed with. */
export interface EquipmentView extends Equipment {
  username: string | null;
  fullName: string | null;
}

/** A blank optional field is absent; surrounding spaces are not part of it. */
const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v));

const addSchema = z.object({
  kind: z.enum(equipmentKinds as [EquipmentKind, ...EquipmentKind[]]),
  model: z.string().trim().min(1).max(MODEL_MAX),
  // Serials are compared as written on the label, in capitals, so 'ab12' and 'AB12' are one item.
  serial: z
    .string()
    .trim()
    .min(1)
    .max(SERIAL_MAX)
    .transform((s) => s.toUpperCase()),
  mac: z.string().trim().max(40).optional(),
  site: optional(SITE_MAX),
  notes: optional(NOTES_MAX),
});

const refusalOf: Record<string, EquipmentRefusal> = { kind: 'kind', model: 'model', serial: 'serial', mac: 'mac', site: 'text', notes: 'text' };

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new EquipmentError(refusalOf[String(result.error.issues[0]?.path[0])] ?? 'text');
}

export interface AddEquipmentInput {
  kind: string;
  model: string;
  serial: string;
  mac?: string | undefined;
  site?: string | undefined;
  notes?: string | undefined;
  /** The staff username adding it (audited). */
  actor: string;
  now: number;
}

/** Adds an item to stock. A serial already on the books is refused, whatever its state. */
export function addEquipment(db: Db, input: AddEquipmentInput): Equipment {
  const values = parse(addSchema, input);
  let mac: string | null = null;
  if (values.mac !== undefined && values.mac !== '') {
    mac = normaliseMac(values.mac) ?? null;
    if (mac === null) throw new EquipmentError('mac');
  }
  return db.transaction((tx) => {
    const d = tx as Db;
    if (d.select({ id: equipment.id }).from(equipment).where(eq(equipment.serial, values.serial)).get()) throw new EquipmentError('duplicate-serial');
    const row = d
      .insert(equipment)
      .values({ kind: values.kind, model: values.model, serial: values.serial, mac, site: values.site, notes: values.notes, status: 'in_stock', createdAt: input.now, updatedAt: input.now })
      .returning()
      .get();
    recordAudit(d, `staff:${input.actor}`, 'equipment.add', `equipment:${row.id}`, { kind: row.kind, model: row.model, serial: row.serial, mac, site: row.site }, input.now);
    return row;
  }, { behavior: 'immediate' });
}

const viewColumns = { item: equipment, username: customers.username, fullName: customers.fullName };
const views = (db: Db) => db.select(viewColumns).from(equipment).leftJoin(customers, eq(customers.id, equipment.customerId));
const toView = (row: { item: Equipment; username: string | null; fullName: string | null }): EquipmentView => ({ ...row.item, username: row.username, fullName: row.fullName });

export function findEquipment(db: Db, id: number): EquipmentView | undefined {
  const row = views(db).where(eq(equipment.id, id)).get();
  return row ? toView(row) : undefined;
}

/** The item with this serial (as written on the label, any case). */
export function findEquipmentBySerial(db: Db, serial: string): EquipmentView | undefined {
  const row = views(db).where(eq(equipment.serial, serial.trim().toUpperCase())).get();
  return row ? toView(row) : undefined;
}

export interface EquipmentFilter {
  status?: EquipmentStatus | undefined;
  kind?: EquipmentKind | undefined;
  site?: string | undefined;
  customerId?: number | undefined;
  /** Part of a serial, MAC, model, or the customer's username or name. */
  search?: string | undefined;
  /** At most 200; 50 when absent. Ask for one more than a page to know whether another follows. */
  limit?: number | undefined;
  offset?: number | undefined;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The inventory, most recently changed first. */
export function listEquipment(db: Db, filter: EquipmentFilter = {}): EquipmentView[] {
  const search = filter.search?.trim() ?? '';
  // A typed MAC in any writing finds the item stored as AA:BB:…
  const mac = search === '' ? undefined : normaliseMac(search);
  const pattern = `%${escapeLike(search)}%`;
  const contains = (column: Parameters<typeof like>[0]) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;
  const conditions: Array<SQL | undefined> = [
    filter.status === undefined ? undefined : eq(equipment.status, filter.status),
    filter.kind === undefined ? undefined : eq(equipment.kind, filter.kind),
    filter.site === undefined || filter.site.trim() === '' ? undefined : eq(equipment.site, filter.site.trim()),
    filter.customerId === undefined ? undefined : eq(equipment.customerId, filter.customerId),
    search === ''
      ? undefined
      : or(contains(equipment.serial), contains(equipment.model), contains(equipment.mac), contains(customers.username), contains(customers.fullName), ...(mac ? [eq(equipment.mac, mac)] : [])),
  ];
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 50)), 200);
  return views(db)
    .where(and(...conditions))
    .orderBy(desc(equipment.updatedAt), desc(equipment.id))
    .limit(limit)
    .offset(Math.max(0, Math.trunc(filter.offset ?? 0)))
    .all()
    .map(toView);
}

/** The sites items are kept at, for the list's filter. */
export function equipmentSites(db: Db): string[] {
  return db
    .selectDistinct({ site: equipment.site })
    .from(equipment)
    .where(sql`${equipment.site} IS NOT NULL`)
    .orderBy(equipment.site)
    .all()
    .map((r) => r.site!);
}

export interface MoveInput {
  equipmentId: number;
  to: string;
  /** Needed, and only used, when installing. */
  customerId?: number | null | undefined;
  /** Why, in a few words (audited); optional. */
  note?: string | undefined;
  actor: string;
  now: number;
  /** A field job making the move, named in the audit entry. */
  jobId?: number | undefined;
}

/**
 * Moves an item to another status inside the caller's transaction (jobs use it when they
 * complete). Checks the move and the customer; audits it under the item.
 */
export function applyMove(db: Db, input: MoveInput): Equipment {
  if (!(equipmentStatuses as readonly string[]).includes(input.to)) throw new EquipmentError('bad-move');
  const to = input.to as EquipmentStatus;
  const item = db.select().from(equipment).where(eq(equipment.id, input.equipmentId)).get();
  if (!item) throw new EquipmentError('unknown-equipment');
  if (!MOVES[item.status].includes(to)) throw new EquipmentError('bad-move');
  let customerId: number | null = null;
  let username: string | null = null;
  if (to === 'installed') {
    if (input.customerId === undefined || input.customerId === null) throw new EquipmentError('needs-customer');
    const customer = db.select({ id: customers.id, username: customers.username }).from(customers).where(and(eq(customers.id, input.customerId), eq(customers.kind, 'customer'))).get();
    if (!customer) throw new EquipmentError('unknown-customer');
    customerId = customer.id;
    username = customer.username;
  }
  const note = input.note?.trim().slice(0, NOTES_MAX) || undefined;
  const previous = item.customerId === null ? null : (db.select({ username: customers.username }).from(customers).where(eq(customers.id, item.customerId)).get()?.username ?? null);
  const moved = db.update(equipment).set({ status: to, customerId, updatedAt: input.now }).where(eq(equipment.id, item.id)).returning().get()!;
  recordAudit(
    db,
    `staff:${input.actor}`,
    'equipment.status',
    `equipment:${item.id}`,
    { serial: item.serial, from: item.status, to, ...(username && { username, customerId }), ...(previous && to !== 'installed' && { previousCustomer: previous }), ...(note && { note }), ...(input.jobId !== undefined && { job: input.jobId }) },
    input.now,
  );
  return moved;
}

/** Staff move an item from its page: its own transaction. */
export function moveEquipment(db: Db, input: MoveInput): Equipment {
  return db.transaction((tx) => applyMove(tx as Db, input), { behavior: 'immediate' });
}

/** What happened to an item, newest first: the audit log under its subject. */
export function equipmentHistory(db: Db, equipmentId: number, limit = 100): AuditEntry[] {
  return auditTrail(db, `equipment:${equipmentId}`, limit);
}
