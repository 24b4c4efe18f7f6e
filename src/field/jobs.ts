import { and, asc, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { findCustomerById, lastStatusChangeAt, recordEvent, resumeSubscription, setCustomerStatus, subscriptionOf } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { equipment, fieldJobChecks, fieldJobEquipment, fieldJobs, type FieldJobKind, type FieldJobStatus } from '../db/schema/field.js';
import { staff } from '../db/schema/staff.js';
import { t, type Language, type MessageKey } from '../i18n/index.js';
import { can, findStaff, findStaffAccount, listStaffAccounts, recordAudit } from '../staff/index.js';
import { applyMove, EquipmentError, type Equipment } from './equipment.js';

// Installation, repair, removal and survey visits: created for a customer, scheduled, given to
// a technician, ticked off on site, and completed. Completing is one transaction: the
// equipment the job installed or took back changes status, and an installation that
// activates service reactivates the customer, or none of it happens.

export type { FieldJobKind, FieldJobStatus };
export const jobKinds: readonly FieldJobKind[] = ['installation', 'repair', 'removal', 'survey'];
export const jobStatuses: readonly FieldJobStatus[] = ['open', 'scheduled', 'in_progress', 'done', 'cancelled'];

export const ADDRESS_MAX = 300;
export const NOTES_MAX = 2000;
export const CHECK_MAX = 120;
export const CHECKS_MAX = 30;

/** What equipment each kind of job may install or take back: a repair swaps, a survey touches none. */
const ACTIONS: Record<FieldJobKind, ReadonlyArray<'installed' | 'removed'>> = {
  installation: ['installed', 'removed'],
  repair: ['installed', 'removed'],
  removal: ['removed'],
  survey: [],
};
export const equipmentActions = (kind: FieldJobKind) => ACTIONS[kind];

export type JobRefusal =
  | 'kind'
  /** Address, notes or the completion note too long. */
  | 'text'
  /** More than CHECKS_MAX checklist lines, or one longer than CHECK_MAX. */
  | 'checklist'
  | 'unknown-job'
  | 'unknown-customer'
  /** Not enabled staff who may go on jobs (a technician, or a role with jobs.manage). */
  | 'unknown-technician'
  /** A time that is not a time, or before the job was created. */
  | 'when'
  /** That status cannot follow the job's present one. */
  | 'bad-move'
  /** A done or cancelled job takes no more changes. */
  | 'closed'
  | 'unknown-check'
  /** Completion waits until every checklist line is ticked. */
  | 'unticked'
  | 'unknown-equipment'
  /** This kind of job does not install (or take back) equipment. */
  | 'wrong-action'
  /** Installing needs an item in stock; taking back needs one installed with this customer. */
  | 'equipment-unavailable'
  /** A terminated account is not brought back by an installation: reopen it on the customer's page first. */
  | 'terminated';

/** Something asked of a job that it cannot do; the page says which, in its own words. */
export class JobError extends Error {
  constructor(readonly reason: JobRefusal) {
    super(`job refused: ${reason}`);
  }
}

/** The refusal in plain words, for the page that shows it. */
export function jobRefusalText(reason: JobRefusal, language: Language, values: { username?: string } = {}): string {
  const say = (key: string, v: Record<string, unknown> = {}) => t(`staff.field.errors.${key}` as MessageKey, v, language);
  switch (reason) {
    case 'kind':
      return say('jobKind');
    case 'text':
      return say('jobText', { max: NOTES_MAX });
    case 'checklist':
      return say('checklist', { lines: CHECKS_MAX, max: CHECK_MAX });
    case 'unknown-job':
      return say('unknownJob');
    case 'unknown-customer':
      return say('unknownCustomer', { username: values.username ?? '' });
    case 'unknown-technician':
      return say('unknownTechnician');
    case 'when':
      return say('when');
    case 'bad-move':
      return say('jobMove');
    case 'closed':
      return say('closed');
    case 'unknown-check':
      return say('unknownCheck');
    case 'unticked':
      return say('unticked');
    case 'unknown-equipment':
      return say('unknownEquipment');
    case 'wrong-action':
      return say('wrongAction');
    case 'equipment-unavailable':
      return say('unavailable');
    case 'terminated':
      return say('terminated');
  }
}

export type Job = typeof fieldJobs.$inferSelect;
export type JobCheck = typeof fieldJobChecks.$inferSelect;

/** A job as lists show it: with the customer's and technician's names. */
export interface JobSummary extends Job {
  username: string;
  fullName: string | null;
  technician: string | null;
}

export interface JobEquipment {
  item: Equipment;
  action: 'installed' | 'removed';
}

export interface StaffJob {
  job: JobSummary;
  customer: { id: number; username: string; fullName: string | null; phone: string | null; language: Language; status: string; serviceLocation: string | null };
  checks: JobCheck[];
  equipment: JobEquipment[];
}

const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v));

const createSchema = z.object({
  kind: z.enum(jobKinds as [FieldJobKind, ...FieldJobKind[]]),
  address: optional(ADDRESS_MAX),
  notes: optional(NOTES_MAX),
  checklist: z.array(z.string().trim().max(CHECK_MAX)).max(CHECKS_MAX * 2).optional(),
});

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const at = String(result.error.issues[0]?.path[0]);
  throw new JobError(at === 'kind' ? 'kind' : at === 'checklist' ? 'checklist' : 'text');
}

/** The checklist a new job of this kind starts with, in the language of the person creating it. */
export function defaultChecklist(kind: FieldJobKind, language: Language): string[] {
  return t(`staff.field.checklists.${kind}` as MessageKey, {}, language)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Lines as typed: blank lines dropped, each within CHECK_MAX, at most CHECKS_MAX. */
function cleanChecklist(lines: readonly string[]): string[] {
  const kept = lines.map((line) => line.replace(/\s+/g, ' ').trim()).filter((line) => line !== '');
  if (kept.length > CHECKS_MAX || kept.some((line) => line.length > CHECK_MAX)) throw new JobError('checklist');
  return kept;
}

/** Staff a job may be given to: enabled, a technician or a role that manages jobs. */
function mayGoOnJobs(account: { role: Parameters<typeof can>[0]; disabledAt: number | null }): boolean {
  return account.disabledAt === null && (account.role === 'technician' || can(account.role, 'jobs.manage'));
}

function technicianId(db: Db, username: string): number {
  const found = findStaff(db, username);
  const account = found && findStaffAccount(db, found.id);
  if (!account || !mayGoOnJobs(account)) throw new JobError('unknown-technician');
  return account.id;
}

/** Who may be given jobs, for the assign form and the list's filter. */
export function jobStaff(db: Db): string[] {
  return listStaffAccounts(db, { limit: 1000 })
    .filter(mayGoOnJobs)
    .map((account) => account.username);
}

export interface CreateJobInput {
  customerId: number;
  kind: string;
  /** Blank: the customer's service location. */
  address?: string | undefined;
  notes?: string | undefined;
  /** Absent: the kind's default checklist in `language`. */
  checklist?: readonly string[] | undefined;
  /** Installations only: completing the job reactivates the customer. */
  activatesService?: boolean | undefined;
  actor: string;
  language: Language;
  now: number;
}

export function createJob(db: Db, input: CreateJobInput): Job {
  const values = parse(createSchema, input);
  const checklist = cleanChecklist(values.checklist ?? defaultChecklist(values.kind, input.language));
  return db.transaction((tx) => {
    const d = tx as Db;
    const customer = d.select({ id: customers.id, serviceLocation: customers.serviceLocation }).from(customers).where(and(eq(customers.id, input.customerId), eq(customers.kind, 'customer'))).get();
    if (!customer) throw new JobError('unknown-customer');
    const job = d
      .insert(fieldJobs)
      .values({
        kind: values.kind,
        customerId: customer.id,
        status: 'open',
        address: values.address ?? customer.serviceLocation,
        notes: values.notes,
        activatesService: values.kind === 'installation' && input.activatesService === true,
        createdAt: input.now,
        createdBy: input.actor,
        updatedAt: input.now,
      })
      .returning()
      .get();
    checklist.forEach((label, position) => d.insert(fieldJobChecks).values({ jobId: job.id, position, label }).run());
    recordAudit(d, `staff:${input.actor}`, 'job.create', `job:${job.id}`, { customerId: customer.id, kind: job.kind, activatesService: job.activatesService, checks: checklist.length }, input.now);
    return job;
  }, { behavior: 'immediate' });
}

function openJob(db: Db, jobId: number): Job {
  const job = db.select().from(fieldJobs).where(eq(fieldJobs.id, jobId)).get();
  if (!job) throw new JobError('unknown-job');
  if (job.status === 'done' || job.status === 'cancelled') throw new JobError('closed');
  return job;
}

/**
 * Sets (or moves) the visit's time. An open job becomes scheduled; one already under way keeps
 * its status. The caller tells the customer (the web edge queues the SMS in the same transaction).
 */
export function scheduleJob(db: Db, input: { jobId: number; at: number; actor: string; now: number }): Job {
  if (!Number.isSafeInteger(input.at) || input.at <= 0) throw new JobError('when');
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    if (input.at < job.createdAt - 86_400_000) throw new JobError('when');
    recordAudit(d, `staff:${input.actor}`, 'job.schedule', `job:${job.id}`, { from: job.scheduledAt, to: input.at }, input.now);
    return d
      .update(fieldJobs)
      .set({ scheduledAt: input.at, status: job.status === 'open' ? 'scheduled' : job.status, updatedAt: input.now })
      .where(eq(fieldJobs.id, job.id))
      .returning()
      .get()!;
  }, { behavior: 'immediate' });
}

/** Gives the job to a technician, or to nobody (null). */
export function assignJob(db: Db, input: { jobId: number; technician: string | null; actor: string; now: number }): Job {
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    const name = input.technician?.trim() ?? '';
    const id = name === '' ? null : technicianId(d, name);
    if (id === job.technicianId) return job;
    const from = job.technicianId === null ? null : (d.select({ username: staff.username }).from(staff).where(eq(staff.id, job.technicianId)).get()?.username ?? null);
    recordAudit(d, `staff:${input.actor}`, 'job.assign', `job:${job.id}`, { from, to: name === '' ? null : name }, input.now);
    return d.update(fieldJobs).set({ technicianId: id, updatedAt: input.now }).where(eq(fieldJobs.id, job.id)).returning().get()!;
  }, { behavior: 'immediate' });
}

/** Moves other than scheduling (scheduleJob) and completing (completeJob). */
const MOVES: Partial<Record<FieldJobStatus, readonly FieldJobStatus[]>> = {
  open: ['in_progress', 'cancelled'],
  scheduled: ['in_progress', 'cancelled'],
  in_progress: ['cancelled'],
};

export const jobMoves = (status: FieldJobStatus): readonly FieldJobStatus[] => MOVES[status] ?? [];

/** Starts work on site, or cancels the job. */
export function setJobStatus(db: Db, input: { jobId: number; status: string; actor: string; now: number }): Job {
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    if (input.status === job.status) return job;
    if (!(MOVES[job.status] ?? []).includes(input.status as FieldJobStatus)) throw new JobError('bad-move');
    recordAudit(d, `staff:${input.actor}`, 'job.status', `job:${job.id}`, { from: job.status, to: input.status }, input.now);
    return d
      .update(fieldJobs)
      .set({ status: input.status as FieldJobStatus, updatedAt: input.now })
      .where(eq(fieldJobs.id, job.id))
      .returning()
      .get()!;
  }, { behavior: 'immediate' });
}

/** Ticks (or unticks) one checklist line: who and when are kept. */
export function tickCheck(db: Db, input: { jobId: number; position: number; done: boolean; actor: string; now: number }): JobCheck {
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    const where = and(eq(fieldJobChecks.jobId, job.id), eq(fieldJobChecks.position, input.position));
    const check = d.select().from(fieldJobChecks).where(where).get();
    if (!check) throw new JobError('unknown-check');
    if ((check.doneAt !== null) === input.done) return check;
    recordAudit(d, `staff:${input.actor}`, input.done ? 'job.tick' : 'job.untick', `job:${job.id}`, { position: check.position, label: check.label }, input.now);
    d.update(fieldJobs).set({ updatedAt: input.now }).where(eq(fieldJobs.id, job.id)).run();
    return d
      .update(fieldJobChecks)
      .set(input.done ? { doneAt: input.now, doneBy: input.actor } : { doneAt: null, doneBy: null })
      .where(where)
      .returning()
      .get()!;
  }, { behavior: 'immediate' });
}

/** Adds a line to the checklist of a job not yet finished (something the site turned out to need). */
export function addCheck(db: Db, input: { jobId: number; label: string; actor: string; now: number }): JobCheck {
  const [label] = cleanChecklist([input.label]);
  if (label === undefined) throw new JobError('checklist');
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    const count = d.select({ n: sql<number>`count(*)`, last: sql<number | null>`max(${fieldJobChecks.position})` }).from(fieldJobChecks).where(eq(fieldJobChecks.jobId, job.id)).get()!;
    if (count.n >= CHECKS_MAX) throw new JobError('checklist');
    recordAudit(d, `staff:${input.actor}`, 'job.check-add', `job:${job.id}`, { label }, input.now);
    d.update(fieldJobs).set({ updatedAt: input.now }).where(eq(fieldJobs.id, job.id)).run();
    return d
      .insert(fieldJobChecks)
      .values({ jobId: job.id, position: (count.last ?? -1) + 1, label })
      .returning()
      .get();
  }, { behavior: 'immediate' });
}

/** Whether `item` can take part in `action` for this job's customer now. */
function available(item: Equipment, action: 'installed' | 'removed', customerId: number): boolean {
  return action === 'installed' ? item.status === 'in_stock' : item.status === 'installed' && item.customerId === customerId;
}

/**
 * Puts an item on the job: to install (it must be in stock) or to take back (it must be
 * installed with this customer). Nothing about the item changes until the job is completed.
 * `serial` is the label's serial, any case.
 */
export function attachEquipment(db: Db, input: { jobId: number; serial: string; action: string; actor: string; now: number }): JobEquipment {
  if (input.action !== 'installed' && input.action !== 'removed') throw new JobError('wrong-action');
  const action = input.action;
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    if (!ACTIONS[job.kind].includes(action)) throw new JobError('wrong-action');
    const item = d.select().from(equipment).where(eq(equipment.serial, input.serial.trim().toUpperCase())).get();
    if (!item) throw new JobError('unknown-equipment');
    if (!available(item, action, job.customerId)) throw new JobError('equipment-unavailable');
    d.insert(fieldJobEquipment).values({ jobId: job.id, equipmentId: item.id, action }).onConflictDoNothing().run();
    recordAudit(d, `staff:${input.actor}`, 'job.equipment', `job:${job.id}`, { serial: item.serial, equipmentId: item.id, action }, input.now);
    d.update(fieldJobs).set({ updatedAt: input.now }).where(eq(fieldJobs.id, job.id)).run();
    return { item, action };
  }, { behavior: 'immediate' });
}

/** Takes an item off a job that is not completed yet. */
export function detachEquipment(db: Db, input: { jobId: number; equipmentId: number; action: string; actor: string; now: number }): void {
  db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    const where = and(eq(fieldJobEquipment.jobId, job.id), eq(fieldJobEquipment.equipmentId, input.equipmentId), eq(fieldJobEquipment.action, input.action as 'installed' | 'removed'));
    if (d.delete(fieldJobEquipment).where(where).run().changes === 0) throw new JobError('unknown-equipment');
    recordAudit(d, `staff:${input.actor}`, 'job.equipment-off', `job:${job.id}`, { equipmentId: input.equipmentId, action: input.action }, input.now);
  }, { behavior: 'immediate' });
}

export interface CompleteResult {
  job: Job;
  /** The customer's account was reactivated by this installation. */
  activated: boolean;
  /** An installation that activates service found the account suspended for an unpaid bill: it stays so until paid. */
  unpaid: boolean;
}

/**
 * Completes the job, all or nothing: every checklist line must be ticked; each attached item
 * moves (installed with the customer, or returned); an installation that activates service
 * brings a suspended customer back to 'active' (not one suspended for an unpaid bill: paying
 * does that) and resumes a paused line. A new customer is
 * usually added 'suspended' until the installer has been; their plan's period is not restarted
 * here (a first-login plan starts its clock at the first login after installation).
 */
export function completeJob(db: Db, input: { jobId: number; note?: string | undefined; actor: string; now: number }): CompleteResult {
  const note = input.note?.trim() ?? '';
  if (note.length > NOTES_MAX) throw new JobError('text');
  return db.transaction((tx) => {
    const d = tx as Db;
    const job = openJob(d, input.jobId);
    const unticked = d.select({ n: sql<number>`count(*)` }).from(fieldJobChecks).where(and(eq(fieldJobChecks.jobId, job.id), isNull(fieldJobChecks.doneAt))).get()?.n ?? 0;
    if (unticked > 0) throw new JobError('unticked');
    const customer = findCustomerById(d, job.customerId);
    if (!customer) throw new JobError('unknown-customer');
    const activates = job.kind === 'installation' && job.activatesService;
    if (activates && customer.status === 'terminated') throw new JobError('terminated');

    const attached = d.select().from(fieldJobEquipment).where(eq(fieldJobEquipment.jobId, job.id)).orderBy(asc(fieldJobEquipment.action)).all();
    // Take back first, then install: a swap frees the old item before the new one goes in.
    for (const link of [...attached].sort((a, b) => (a.action === b.action ? 0 : a.action === 'removed' ? -1 : 1))) {
      const item = d.select().from(equipment).where(eq(equipment.id, link.equipmentId)).get();
      if (!item || !available(item, link.action, job.customerId)) throw new JobError('equipment-unavailable');
      try {
        applyMove(d, { equipmentId: item.id, to: link.action === 'installed' ? 'installed' : 'returned', customerId: job.customerId, actor: input.actor, now: input.now, jobId: job.id });
      } catch (err) {
        if (err instanceof EquipmentError) throw new JobError('equipment-unavailable');
        throw err;
      }
    }

    let activated = false;
    // A suspension for an unpaid bill is billing's to lift (on payment), not the installer's; nor
    // is one staff made after the job was opened (abuse, a complaint): the job lifts only the
    // wait for the installation it was opened for.
    const unpaid = activates && customer.status === 'suspended' && customer.suspendedReason === 'overdue';
    const suspendedSince = lastStatusChangeAt(d, customer.id);
    const later = suspendedSince !== null && suspendedSince > job.createdAt;
    if (activates && customer.status === 'suspended' && !unpaid && !later) {
      setCustomerStatus(d, customer.username, 'active', input.now);
      const actor = `staff:${input.actor}`;
      recordAudit(d, actor, 'customer.reactivate', `customer:${customer.id}`, { username: customer.username, from: customer.status, to: 'active', reason: `job #${job.id}` }, input.now);
      recordEvent(d, customer.id, 'reactivated', actor, { from: customer.status, to: 'active', reason: `job #${job.id}` }, input.now);
      activated = true;
    }
    const subscription = subscriptionOf(d, customer.id);
    if (activates && subscription?.status === 'paused' && (subscription.pausedAt ?? 0) <= job.createdAt) {
      resumeSubscription(d, { customerId: customer.id, at: input.now, actor: `staff:${input.actor}` });
      activated = true;
    }
    recordAudit(d, `staff:${input.actor}`, 'job.complete', `job:${job.id}`, { customerId: customer.id, activated, equipment: attached.map((a) => ({ equipmentId: a.equipmentId, action: a.action })), ...(note && { note }) }, input.now);
    const done = d
      .update(fieldJobs)
      .set({ status: 'done', completedAt: input.now, completedBy: input.actor, completionNote: note === '' ? null : note, updatedAt: input.now })
      .where(eq(fieldJobs.id, job.id))
      .returning()
      .get()!;
    return { job: done, activated, unpaid };
  }, { behavior: 'immediate' });
}

export interface JobFilter {
  status?: FieldJobStatus | readonly FieldJobStatus[] | undefined;
  /** A technician's username; null = nobody assigned. */
  technician?: string | null | undefined;
  customerId?: number | undefined;
  /** Visits scheduled from this moment (inclusive) until that one (exclusive). */
  from?: number | undefined;
  until?: number | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/**
 * Jobs for staff: scheduled ones by their time (soonest first), then unscheduled ones newest
 * first. A technician's name nobody has lists nothing.
 */
export function listJobs(db: Db, filter: JobFilter = {}): JobSummary[] {
  let technician: SQL | undefined;
  if (filter.technician === null) technician = isNull(fieldJobs.technicianId);
  else if (filter.technician !== undefined) {
    const found = findStaff(db, filter.technician);
    if (!found) return [];
    technician = eq(fieldJobs.technicianId, found.id);
  }
  const conditions: Array<SQL | undefined> = [
    filter.status === undefined ? undefined : typeof filter.status === 'string' ? eq(fieldJobs.status, filter.status) : inArray(fieldJobs.status, [...filter.status]),
    technician,
    filter.customerId === undefined ? undefined : eq(fieldJobs.customerId, filter.customerId),
    filter.from === undefined ? undefined : gte(fieldJobs.scheduledAt, filter.from),
    filter.until === undefined ? undefined : lt(fieldJobs.scheduledAt, filter.until),
  ];
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 50)), 200);
  return db
    .select({ job: fieldJobs, username: customers.username, fullName: customers.fullName, technician: staff.username })
    .from(fieldJobs)
    .innerJoin(customers, eq(customers.id, fieldJobs.customerId))
    .leftJoin(staff, eq(staff.id, fieldJobs.technicianId))
    .where(and(...conditions))
    .orderBy(sql`${fieldJobs.scheduledAt} IS NULL`, asc(fieldJobs.scheduledAt), desc(fieldJobs.id))
    .limit(limit)
    .offset(Math.max(0, Math.trunc(filter.offset ?? 0)))
    .all()
    .map((row) => ({ ...row.job, username: row.username, fullName: row.fullName, technician: row.technician }));
}

/** One job with its checklist and equipment, for its page. */
export function jobForStaff(db: Db, jobId: number): StaffJob | undefined {
  const row = db
    .select({ job: fieldJobs, customer: customers, technician: staff.username })
    .from(fieldJobs)
    .innerJoin(customers, eq(customers.id, fieldJobs.customerId))
    .leftJoin(staff, eq(staff.id, fieldJobs.technicianId))
    .where(eq(fieldJobs.id, jobId))
    .get();
  if (!row) return undefined;
  const c = row.customer;
  return {
    job: { ...row.job, username: c.username, fullName: c.fullName, technician: row.technician },
    customer: { id: c.id, username: c.username, fullName: c.fullName, phone: c.phone, language: c.language, status: c.status, serviceLocation: c.serviceLocation },
    checks: db.select().from(fieldJobChecks).where(eq(fieldJobChecks.jobId, jobId)).orderBy(asc(fieldJobChecks.position)).all(),
    equipment: db
      .select({ item: equipment, action: fieldJobEquipment.action })
      .from(fieldJobEquipment)
      .innerJoin(equipment, eq(equipment.id, fieldJobEquipment.equipmentId))
      .where(eq(fieldJobEquipment.jobId, jobId))
      .orderBy(asc(equipment.serial))
      .all(),
  };
}
