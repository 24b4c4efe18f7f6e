import type { Logger } from 'pino';
import { usagePeriodStart, type SubscriberLookup } from '../billing/index.js';
import type { Db } from '../db/connection.js';
import type { GroupCommit } from '../db/group-commit.js';
import { Code } from '../radius/packet.js';
import type { Handler } from '../radius/server.js';
import { readAddress, readInteger, readText, type AaaAttributes } from './attributes.js';
import { consequencesOf, enqueueForCustomer, recordNotifications } from './enforcement.js';
import type { AccountingRecord, SessionWriter, UsageOwner } from './sessions.js';

const START = 1;
const STOP = 2;
const INTERIM = 3;
const ACCOUNTING_ON = 7;
const ACCOUNTING_OFF = 8;
const GIGAWORD = 2 ** 32;
const NO_ATTRIBUTES = Buffer.alloc(0);

/**
 * Accounting-Request → sessions and usage, through the group commit: the Accounting-Response
 * leaves only once the batch holding this record is fsynced (RFC 2866 §2: a response promises
 * the record is stored). What the new usage calls for — a slower FUP speed, a disconnect, a
 * notification — is queued in the same transaction, so it is never lost or done twice.
 * A write failure sends nothing, so the NAS retries.
 */
export function createAccountingHandler(deps: {
  db: Db;
  sessions: SessionWriter;
  subscribers: SubscriberLookup;
  commit: GroupCommit;
  attributes: AaaAttributes;
  zone: string;
  /** Called after a commit that queued CoA or Disconnect work. */
  onEnforcement: () => void;
  logger: Logger;
}): Handler {
  const a = deps.attributes;
  const names = a.acctStatusType.valueNames;

  return (request, respond) => {
    const { packet, client } = request;
    const status = readInteger(packet, a.acctStatusType);
    if (status === undefined) return respond({ kind: 'drop', reason: 'missing_acct_status_type' });
    const statusName = names.get(status) ?? String(status);
    // The result becomes a metrics label: a value the dictionary does not name must not mint a
    // new label set per number, or a NAS sending odd status values grows the daemon without bound.
    const result = names.has(status) ? statusName.toLowerCase() : 'other';
    const acknowledge = (err?: Error) =>
      respond(err ?? { kind: 'reply', code: Code.AccountingResponse, attributes: NO_ATTRIBUTES, result });

    // Event time: the NAS's own timestamp when sent, else arrival minus the time it spent retrying.
    const timestamp = readInteger(packet, a.eventTimestamp);
    const eventTime = timestamp !== undefined ? timestamp * 1000 : Date.now() - (readInteger(packet, a.acctDelayTime) ?? 0) * 1000;

    if (status === ACCOUNTING_ON || status === ACCOUNTING_OFF) {
      return deps.commit.submit(() => {
        const closed = deps.sessions.closeNasSessions(client.id, eventTime, 'NAS-Reboot');
        deps.logger.info({ nas: client.name, closed }, `${statusName} from ${client.name}: closed its open sessions`);
      }, acknowledge);
    }
    if (status !== START && status !== STOP && status !== INTERIM) {
      // Tunnel and Failed records carry nothing Lango keeps; acknowledging them is honest.
      return acknowledge();
    }
    const acctSessionId = readText(packet, a.acctSessionId);
    if (!acctSessionId) return respond({ kind: 'drop', reason: 'missing_acct_session_id' });

    const causeNumber = readInteger(packet, a.acctTerminateCause);
    const inputGigawords = readInteger(packet, a.acctInputGigawords);
    const outputGigawords = readInteger(packet, a.acctOutputGigawords);
    const record: AccountingRecord = {
      nasId: client.id,
      acctSessionId,
      username: (readText(packet, a.userName) ?? '').trim(),
      eventTime,
      sessionTime: readInteger(packet, a.acctSessionTime) ?? 0,
      inputOctets: (inputGigawords ?? 0) * GIGAWORD + (readInteger(packet, a.acctInputOctets) ?? 0),
      outputOctets: (outputGigawords ?? 0) * GIGAWORD + (readInteger(packet, a.acctOutputOctets) ?? 0),
      inputPackets: readInteger(packet, a.acctInputPackets) ?? 0,
      outputPackets: readInteger(packet, a.acctOutputPackets) ?? 0,
      framedIp: readAddress(packet, a.framedIpAddress) ?? null,
      callingStationId: readText(packet, a.callingStationId) ?? null,
      calledStationId: readText(packet, a.calledStationId) ?? null,
      nasPortId: readText(packet, a.nasPortId) ?? null,
      stop: status === STOP ? { cause: causeNumber === undefined ? 'Unknown' : (a.acctTerminateCause.valueNames.get(causeNumber) ?? String(causeNumber)) } : null,
      gigawords: inputGigawords !== undefined || outputGigawords !== undefined,
    };
    const subscriber = record.username ? deps.subscribers.byUsername(record.username) : undefined;
    const owner: UsageOwner | null = subscriber
      ? { customerId: subscriber.id, periodStart: usagePeriodStart(subscriber.activatedAt, subscriber, eventTime, deps.zone) }
      : null;
    let enforcementQueued = false;
    deps.commit.submit(
      () => {
        const change = deps.sessions.record(record, owner);
        if (!change || !subscriber || change.owner.customerId !== subscriber.id) return;
        const consequences = consequencesOf(change, subscriber);
        recordNotifications(deps.db, change.owner.customerId, change.owner.periodStart, consequences.notifications, eventTime);
        if (consequences.disconnect) {
          enforcementQueued = enqueueForCustomer(deps.db, change.owner.customerId, 'disconnect', consequences.disconnect) > 0;
        } else if (consequences.coaRate) {
          enforcementQueued = enqueueForCustomer(deps.db, change.owner.customerId, 'coa', 'fup tier reached', consequences.coaRate) > 0;
        }
      },
      (err) => {
        acknowledge(err);
        if (!err && enforcementQueued) deps.onEnforcement();
      },
    );
  };
}
