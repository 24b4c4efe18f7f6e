import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCustomerById, recordEvent, setCustomerStatus, timelineOf } from '../billing/index.js';
import { eq } from 'drizzle-orm';
import type { Connection } from '../db/connection.js';
import { customers } from '../db/schema/billing.js';
import { addTestCustomer, openTestDatabase } from '../messaging/test-fixtures.js';
import { addStaff, auditTrail, setStaffDisabled } from '../staff/index.js';
import {
  addEquipment,
  assignJob,
  attachEquipment,
  completeJob,
  createJob,
  findEquipment,
  jobForStaff,
  JobError,
  jobRefusalText,
  jobStaff,
  listJobs,
  moveEquipment,
  scheduleJob,
  setJobStatus,
  tickCheck,
  addCheck,
  type JobRefusal,
} from './index.js';

const T0 = Date.UTC(2026, 2, 2, 7, 0, 0);
const HOUR = 3_600_000;

let conn: Connection;
let alice: number;
let bob: number;

function refusal(fn: () => unknown): JobRefusal {
  try {
    fn();
  } catch (err) {
    if (err instanceof JobError) return err.reason;
    throw err;
  }
  throw new Error('expected a JobError');
}

beforeEach(() => {
  conn = openTestDatabase();
  alice = addTestCustomer(conn, { username: 'alice', serviceLocation: 'Plot 12, Gudele' }).id;
  // A new customer waits, suspended, for the installer.
  bob = addTestCustomer(conn, { username: 'bob', serviceLocation: 'Munuki block C' }).id;
  setCustomerStatus(conn.db, 'bob', 'suspended', T0);
});
afterEach(() => conn.close());

const install = (customerId = bob, checklist?: string[]) => createJob(conn.db, { customerId, kind: 'installation', activatesService: true, checklist, actor: 'amina', language: 'en', now: T0 });
const addModem = (serial = 'MD-7') => addEquipment(conn.db, { kind: 'modem', model: 'Huawei B311', serial, actor: 'amina', now: T0 });
const tickAll = (jobId: number) => jobForStaff(conn.db, jobId)!.checks.forEach((c) => tickCheck(conn.db, { jobId, position: c.position, done: true, actor: 'wanjiku', now: T0 + HOUR }));

describe('creating a job', () => {
  it('starts with the kind’s checklist in the creator’s language and the customer’s service location', () => {
    const job = install();
    const view = jobForStaff(conn.db, job.id)!;
    expect(view.job).toMatchObject({ status: 'open', kind: 'installation', address: 'Munuki block C', activatesService: true, createdBy: 'amina' });
    expect(view.checks.map((c) => c.label)).toContain('Customer can browse the internet');
    const arabic = createJob(conn.db, { customerId: alice, kind: 'repair', actor: 'amina', language: 'ar', now: T0 });
    expect(jobForStaff(conn.db, arabic.id)!.checks[0]!.label).toBe('تحديد العطل');
  });

  it('takes a checklist and an address as typed, and activates service only for installations', () => {
    const job = createJob(conn.db, { customerId: alice, kind: 'repair', address: 'Shop by the market', checklist: ['Swap the radio', '', ' Check  signal '], activatesService: true, actor: 'amina', language: 'en', now: T0 });
    const view = jobForStaff(conn.db, job.id)!;
    expect(view.job).toMatchObject({ address: 'Shop by the market', activatesService: false });
    expect(view.checks.map((c) => c.label)).toEqual(['Swap the radio', 'Check signal']);
    expect(refusal(() => createJob(conn.db, { customerId: alice, kind: 'party', actor: 'amina', language: 'en', now: T0 }))).toBe('kind');
    expect(refusal(() => install(alice, ['x'.repeat(121)]))).toBe('checklist');
    expect(refusal(() => install(9999))).toBe('unknown-customer');
    expect(auditTrail(conn.db, `job:${job.id}`)[0]).toMatchObject({ actor: 'staff:amina', action: 'job.create' });
  });
});

describe('a job’s status', () => {
  it('goes open → scheduled → in progress → done, and a finished job takes no more changes', () => {
    const job = install();
    expect(scheduleJob(conn.db, { jobId: job.id, at: T0 + 24 * HOUR, actor: 'amina', now: T0 })).toMatchObject({ status: 'scheduled', scheduledAt: T0 + 24 * HOUR });
    expect(setJobStatus(conn.db, { jobId: job.id, status: 'in_progress', actor: 'wanjiku', now: T0 + 25 * HOUR }).status).toBe('in_progress');
    expect(refusal(() => setJobStatus(conn.db, { jobId: job.id, status: 'open', actor: 'wanjiku', now: T0 }))).toBe('bad-move');
    tickAll(job.id);
    expect(completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + 26 * HOUR }).job.status).toBe('done');
    expect(refusal(() => setJobStatus(conn.db, { jobId: job.id, status: 'cancelled', actor: 'amina', now: T0 }))).toBe('closed');
    expect(refusal(() => scheduleJob(conn.db, { jobId: job.id, at: T0 + 48 * HOUR, actor: 'amina', now: T0 }))).toBe('closed');
  });

  it('can be cancelled before it is done', () => {
    const job = install();
    expect(setJobStatus(conn.db, { jobId: job.id, status: 'cancelled', actor: 'amina', now: T0 }).status).toBe('cancelled');
    expect(refusal(() => completeJob(conn.db, { jobId: job.id, actor: 'amina', now: T0 }))).toBe('closed');
  });
});

describe('assigning a job', () => {
  it('goes to a technician or staff who manage jobs, never to others or a disabled account', async () => {
    // Only here: the other tests name staff in the audit log without needing their accounts.
    await addStaff(conn.db, { username: 'wanjiku', role: 'technician', password: 'tech-pass-1' });
    await addStaff(conn.db, { username: 'otieno', role: 'support', password: 'support-pass-1' });
    await addStaff(conn.db, { username: 'akinyi', role: 'billing_manager', password: 'billing-pass-1' });
    await addStaff(conn.db, { username: 'agent-1', role: 'agent', password: 'agent-pass-1' });
    const job = install();
    expect(jobStaff(conn.db)).toEqual(expect.arrayContaining(['wanjiku', 'otieno']));
    expect(jobStaff(conn.db)).not.toContain('akinyi');
    expect(assignJob(conn.db, { jobId: job.id, technician: 'wanjiku', actor: 'amina', now: T0 }).technicianId).not.toBeNull();
    expect(refusal(() => assignJob(conn.db, { jobId: job.id, technician: 'akinyi', actor: 'amina', now: T0 }))).toBe('unknown-technician');
    expect(refusal(() => assignJob(conn.db, { jobId: job.id, technician: 'agent-1', actor: 'amina', now: T0 }))).toBe('unknown-technician');
    const wanjiku = jobForStaff(conn.db, job.id)!.job.technicianId!;
    setStaffDisabled(conn.db, { actor: 'amina', id: wanjiku, disabled: true, now: T0 });
    expect(refusal(() => assignJob(conn.db, { jobId: job.id, technician: 'wanjiku', actor: 'amina', now: T0 }))).toBe('unknown-technician');
    expect(listJobs(conn.db, { technician: 'wanjiku' }).map((j) => j.id)).toEqual([job.id]);
    expect(assignJob(conn.db, { jobId: job.id, technician: null, actor: 'amina', now: T0 }).technicianId).toBeNull();
    expect(listJobs(conn.db, { technician: null }).map((j) => j.id)).toEqual([job.id]);
  });
});

describe('completing an installation', () => {
  it('waits until every checklist line is ticked, saying so plainly', () => {
    const job = install();
    tickCheck(conn.db, { jobId: job.id, position: 0, done: true, actor: 'wanjiku', now: T0 + HOUR });
    expect(jobForStaff(conn.db, job.id)!.checks[0]).toMatchObject({ doneBy: 'wanjiku', doneAt: T0 + HOUR });
    expect(refusal(() => completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + HOUR }))).toBe('unticked');
    expect(jobRefusalText('unticked', 'en')).toBe('Tick every line of the checklist before completing the job.');
  });

  it('waits for a line added on site as much as for the ones it started with', () => {
    const job = install(bob, ['Mount the dish']);
    tickAll(job.id);
    expect(addCheck(conn.db, { jobId: job.id, label: 'Move the cable off the roof', actor: 'wanjiku', now: T0 + HOUR })).toMatchObject({ position: 1, doneAt: null });
    expect(refusal(() => completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + HOUR }))).toBe('unticked');
    expect(refusal(() => addCheck(conn.db, { jobId: job.id, label: '   ', actor: 'wanjiku', now: T0 }))).toBe('checklist');
  });

  it('activates the suspended customer and installs its equipment with them, in one go', () => {
    const job = install();
    const modem = addModem();
    expect(attachEquipment(conn.db, { jobId: job.id, serial: 'md-7', action: 'installed', actor: 'wanjiku', now: T0 + HOUR }).action).toBe('installed');
    // Attaching reserves nothing yet: the item changes when the job is completed.
    expect(findEquipment(conn.db, modem.id)?.status).toBe('in_stock');
    tickAll(job.id);
    const result = completeJob(conn.db, { jobId: job.id, note: 'Mounted on the roof', actor: 'wanjiku', now: T0 + 2 * HOUR });
    expect(result).toMatchObject({ activated: true, job: { status: 'done', completedBy: 'wanjiku', completionNote: 'Mounted on the roof' } });
    expect(findCustomerById(conn.db, bob)).toMatchObject({ status: 'active', suspendedReason: null });
    expect(findEquipment(conn.db, modem.id)).toMatchObject({ status: 'installed', customerId: bob, username: 'bob' });
    expect(timelineOf(conn.db, bob).map((e) => e.kind)).toContain('reactivated');
    expect(auditTrail(conn.db, `customer:${bob}`)[0]).toMatchObject({ actor: 'staff:wanjiku', action: 'customer.reactivate' });
    expect(auditTrail(conn.db, `equipment:${modem.id}`)[0]).toMatchObject({ action: 'equipment.status', detail: expect.objectContaining({ job: job.id, to: 'installed' }) });
  });

  it('leaves an account suspended for an unpaid bill to billing: paying reopens it, not the installer', () => {
    conn.db.update(customers).set({ suspendedReason: 'overdue' }).where(eq(customers.id, bob)).run();
    const job = install();
    tickAll(job.id);
    expect(completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + HOUR })).toMatchObject({ activated: false, unpaid: true, job: { status: 'done' } });
    expect(findCustomerById(conn.db, bob)?.status).toBe('suspended');
  });

  it('leaves a suspension staff made after the job was opened: it lifts only the wait for the installation', () => {
    const job = install();
    // Suspended again for abuse an hour after the job was opened.
    recordEvent(conn.db, bob, 'suspended', 'staff:amina', { reason: 'abuse' }, T0 + HOUR);
    tickAll(job.id);
    expect(completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + 2 * HOUR })).toMatchObject({ activated: false, job: { status: 'done' } });
    expect(findCustomerById(conn.db, bob)?.status).toBe('suspended');
  });

  it('changes nothing at all when one of its items is no longer free', () => {
    const job = install();
    const modem = addModem();
    const router = addEquipment(conn.db, { kind: 'router', model: 'hAP', serial: 'HX-1', actor: 'amina', now: T0 });
    attachEquipment(conn.db, { jobId: job.id, serial: 'HX-1', action: 'installed', actor: 'wanjiku', now: T0 });
    attachEquipment(conn.db, { jobId: job.id, serial: 'MD-7', action: 'installed', actor: 'wanjiku', now: T0 });
    tickAll(job.id);
    // Someone at the store finds the modem broken before the technician completes.
    moveEquipment(conn.db, { equipmentId: modem.id, to: 'faulty', actor: 'amina', now: T0 + HOUR });
    expect(refusal(() => completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + 2 * HOUR }))).toBe('equipment-unavailable');
    expect(findCustomerById(conn.db, bob)?.status).toBe('suspended');
    expect(findEquipment(conn.db, router.id)).toMatchObject({ status: 'in_stock', customerId: null });
    expect(jobForStaff(conn.db, job.id)!.job).toMatchObject({ status: 'open', completedAt: null });
    expect(auditTrail(conn.db, `job:${job.id}`).map((e) => e.action)).not.toContain('job.complete');
  });

  it('refuses equipment that is not in stock, or a job kind that does not install', () => {
    const job = install();
    addModem();
    expect(refusal(() => attachEquipment(conn.db, { jobId: job.id, serial: 'NOPE', action: 'installed', actor: 'wanjiku', now: T0 }))).toBe('unknown-equipment');
    expect(refusal(() => attachEquipment(conn.db, { jobId: job.id, serial: 'MD-7', action: 'removed', actor: 'wanjiku', now: T0 }))).toBe('equipment-unavailable');
    const survey = createJob(conn.db, { customerId: alice, kind: 'survey', actor: 'amina', language: 'en', now: T0 });
    expect(refusal(() => attachEquipment(conn.db, { jobId: survey.id, serial: 'MD-7', action: 'installed', actor: 'wanjiku', now: T0 }))).toBe('wrong-action');
  });
});

describe('a removal', () => {
  it('takes back what is installed with the customer: returned, and the customer untouched', () => {
    const modem = addModem();
    moveEquipment(conn.db, { equipmentId: modem.id, to: 'installed', customerId: alice, actor: 'amina', now: T0 });
    const job = createJob(conn.db, { customerId: alice, kind: 'removal', checklist: ['Collected'], actor: 'amina', language: 'en', now: T0 });
    expect(refusal(() => attachEquipment(conn.db, { jobId: job.id, serial: 'MD-7', action: 'installed', actor: 'wanjiku', now: T0 }))).toBe('wrong-action');
    attachEquipment(conn.db, { jobId: job.id, serial: 'MD-7', action: 'removed', actor: 'wanjiku', now: T0 });
    tickAll(job.id);
    expect(completeJob(conn.db, { jobId: job.id, actor: 'wanjiku', now: T0 + HOUR }).activated).toBe(false);
    expect(findEquipment(conn.db, modem.id)).toMatchObject({ status: 'returned', customerId: null });
    expect(findCustomerById(conn.db, alice)?.status).toBe('active');
  });
});

describe('the job list', () => {
  it('lists visits in a time window soonest first, by status and by customer', () => {
    const later = install(alice);
    const sooner = install(bob);
    const unscheduled = install(alice);
    scheduleJob(conn.db, { jobId: later.id, at: T0 + 30 * HOUR, actor: 'amina', now: T0 });
    scheduleJob(conn.db, { jobId: sooner.id, at: T0 + 5 * HOUR, actor: 'amina', now: T0 });
    expect(listJobs(conn.db, { from: T0, until: T0 + 24 * HOUR }).map((j) => j.id)).toEqual([sooner.id]);
    expect(listJobs(conn.db).map((j) => j.id)).toEqual([sooner.id, later.id, unscheduled.id]);
    expect(listJobs(conn.db, { status: 'open' }).map((j) => j.id)).toEqual([unscheduled.id]);
    expect(listJobs(conn.db, { customerId: bob }).map((j) => j.username)).toEqual(['bob']);
    expect(refusal(() => scheduleJob(conn.db, { jobId: later.id, at: Number.NaN, actor: 'amina', now: T0 }))).toBe('when');
  });
});

describe('refusals', () => {
  it('are each said in plain words in English and Arabic', () => {
    const reasons: JobRefusal[] = ['kind', 'text', 'checklist', 'unknown-job', 'unknown-customer', 'unknown-technician', 'when', 'bad-move', 'closed', 'unknown-check', 'unticked', 'unknown-equipment', 'wrong-action', 'equipment-unavailable', 'terminated'];
    for (const reason of reasons) {
      for (const language of ['en', 'ar'] as const) {
        const text = jobRefusalText(reason, language, { username: 'bob' });
        expect(text).not.toMatch(/staff\.field|\{\{/);
        expect(text.length).toBeGreaterThan(10);
      }
    }
  });
});
