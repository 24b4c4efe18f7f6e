import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { nas, sessions, usageCustomerDays } from '../db/schema/aaa.js';

// One customer's sessions and daily traffic, for a personal-data export and for erasure.

export function networkRecordsOf(db: Db, customerId: number) {
  return {
    sessions: db
      .select({
        id: sessions.id,
        router: nas.name,
        username: sessions.username,
        startedAt: sessions.startedAt,
        stoppedAt: sessions.stoppedAt,
        sessionTime: sessions.sessionTime,
        inputOctets: sessions.inputOctets,
        outputOctets: sessions.outputOctets,
        framedIp: sessions.framedIp,
        mac: sessions.callingStationId,
        terminateCause: sessions.terminateCause,
      })
      .from(sessions)
      .innerJoin(nas, eq(sessions.nasId, nas.id))
      .where(eq(sessions.customerId, customerId))
      .orderBy(asc(sessions.startedAt), asc(sessions.id))
      .all(),
    dailyUsage: db.select({ day: usageCustomerDays.day, bytesDown: usageCustomerDays.bytesDown, bytesUp: usageCustomerDays.bytesUp }).from(usageCustomerDays).where(eq(usageCustomerDays.customerId, customerId)).orderBy(asc(usageCustomerDays.day)).all(),
  };
}

/**
 * Blanks the device MAC (Calling-Station-Id) and address of the customer's sessions; their
 * times and bytes stay, for the network's statistics. The username stays too: it is the
 * account's key, not a person's. Run inside the caller's transaction.
 */
export function eraseSessionPersonalData(db: Db, customerId: number): void {
  db.update(sessions).set({ callingStationId: null, framedIp: null }).where(eq(sessions.customerId, customerId)).run();
}
