import type { AccountingRecord } from './sessions.js';

/**
 * An accounting packet as the session writer receives it, for tests: which session, whose and
 * when are the caller's; counters start at zero and the rest is empty unless overridden.
 */
export function accountingRecord(record: Pick<AccountingRecord, 'nasId' | 'acctSessionId' | 'username' | 'eventTime'> & Partial<AccountingRecord>): AccountingRecord {
  return {
    sessionTime: 0,
    inputOctets: 0,
    outputOctets: 0,
    inputPackets: 0,
    outputPackets: 0,
    framedIp: null,
    callingStationId: null,
    calledStationId: null,
    nasPortId: null,
    stop: null,
    gigawords: false,
    ...record,
  };
}
