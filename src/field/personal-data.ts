import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { equipment, fieldJobEquipment, fieldJobs } from '../db/schema/field.js';
import type { Scrub } from '../privacy/scrub.js';

// One customer's equipment and field visits, for a personal-data export and for erasure.

export function fieldRecordsOf(db: Db, customerId: number) {
  return {
    equipment: db
      .select({ id: equipment.id, kind: equipment.kind, model: equipment.model, serial: equipment.serial, mac: equipment.mac, status: equipment.status, updatedAt: equipment.updatedAt })
      .from(equipment)
      .where(eq(equipment.customerId, customerId))
      .orderBy(asc(equipment.id))
      .all(),
    jobs: db
      .select({ id: fieldJobs.id, kind: fieldJobs.kind, status: fieldJobs.status, scheduledAt: fieldJobs.scheduledAt, address: fieldJobs.address, notes: fieldJobs.notes, createdAt: fieldJobs.createdAt, completedAt: fieldJobs.completedAt, completionNote: fieldJobs.completionNote })
      .from(fieldJobs)
      .where(eq(fieldJobs.customerId, customerId))
      .orderBy(asc(fieldJobs.createdAt), asc(fieldJobs.id))
      .all(),
  };
}

/**
 * Blanks the visit address of the customer's jobs and scrubs their notes. Equipment is the
 * operator's stock: its serial and MAC stay, its notes are scrubbed. Run inside the caller's transaction.
 */
export function eraseFieldPersonalData(db: Db, customerId: number, scrub: Scrub): void {
  for (const job of db.select().from(fieldJobs).where(eq(fieldJobs.customerId, customerId)).all()) {
    db.update(fieldJobs)
      .set({ address: null, notes: job.notes === null ? null : scrub.text(job.notes), completionNote: job.completionNote === null ? null : scrub.text(job.completionNote) })
      .where(eq(fieldJobs.id, job.id))
      .run();
  }
  for (const item of db.select({ id: equipment.id, notes: equipment.notes }).from(equipment).where(eq(equipment.customerId, customerId)).all()) {
    if (item.notes !== null && scrub.holds(item.notes)) db.update(equipment).set({ notes: scrub.text(item.notes) }).where(eq(equipment.id, item.id)).run();
  }
}

/** The audit subjects of the customer's jobs and of the equipment they had: their notes may name them. */
export function fieldAuditSubjectsOf(db: Db, customerId: number): string[] {
  const jobs = db.select({ id: fieldJobs.id }).from(fieldJobs).where(eq(fieldJobs.customerId, customerId)).all().map((j) => j.id);
  const items = new Set(db.select({ id: equipment.id }).from(equipment).where(eq(equipment.customerId, customerId)).all().map((e) => e.id));
  if (jobs.length > 0) for (const link of db.select({ id: fieldJobEquipment.equipmentId }).from(fieldJobEquipment).where(inArray(fieldJobEquipment.jobId, jobs)).all()) items.add(link.id);
  return [...jobs.map((id) => `job:${id}`), ...[...items].map((id) => `equipment:${id}`)];
}
