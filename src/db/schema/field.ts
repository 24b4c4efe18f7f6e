import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { customers } from './billing.js';
import { staff } from './staff.js';

export type EquipmentKind = 'modem' | 'router' | 'antenna' | 'ont' | 'other';
export type EquipmentStatus = 'in_stock' | 'installed' | 'faulty' | 'returned';

/** A piece of hardware the operator owns: where it is, and with whom. */
export const equipment = sqliteTable(
  'equipment',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').$type<EquipmentKind>().notNull(),
    model: text('model').notNull(),
    serial: text('serial').notNull(),
    /** AA:BB:CC:DD:EE:FF; null for kit without one (an antenna). */
    mac: text('mac'),
    status: text('status').$type<EquipmentStatus>().notNull().default('in_stock'),
    /** The customer it is installed with (status 'installed'). */
    customerId: integer('customer_id').references(() => customers.id),
    /** A site or store name: 'Juba store', 'Tower 3'. */
    site: text('site'),
    notes: text('notes'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('equipment_serial').on(t.serial),
    index('equipment_mac').on(t.mac),
    index('equipment_by_status').on(t.status, t.kind),
    index('equipment_by_customer').on(t.customerId),
  ],
);

export type FieldJobKind = 'installation' | 'repair' | 'removal' | 'survey';
export type FieldJobStatus = 'open' | 'scheduled' | 'in_progress' | 'done' | 'cancelled';

/** An installation or repair visit: when, who goes, what to check, and what it changed. */
export const fieldJobs = sqliteTable(
  'field_jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').$type<FieldJobKind>().notNull(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    status: text('status').$type<FieldJobStatus>().notNull().default('open'),
    /** The visit's start (ms); null = not scheduled yet. */
    scheduledAt: integer('scheduled_at'),
    technicianId: integer('technician_id').references(() => staff.id),
    address: text('address'),
    notes: text('notes'),
    /** Completing the job reactivates the customer's account and service (installations). */
    activatesService: integer('activates_service', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
    completedAt: integer('completed_at'),
    completedBy: text('completed_by'),
    completionNote: text('completion_note'),
  },
  (t) => [
    index('field_jobs_by_status').on(t.status, t.scheduledAt),
    index('field_jobs_by_technician').on(t.technicianId, t.scheduledAt),
    index('field_jobs_by_customer').on(t.customerId, t.createdAt),
  ],
);

/** A job's checklist, ticked off on site. */
export const fieldJobChecks = sqliteTable(
  'field_job_checks',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => fieldJobs.id),
    position: integer('position').notNull(),
    label: text('label').notNull(),
    doneAt: integer('done_at'),
    doneBy: text('done_by'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.position] })],
);

/** Equipment a job installed, swapped or took back. */
export const fieldJobEquipment = sqliteTable(
  'field_job_equipment',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => fieldJobs.id),
    equipmentId: integer('equipment_id')
      .notNull()
      .references(() => equipment.id),
    action: text('action').$type<'installed' | 'removed'>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.equipmentId, t.action] })],
);
