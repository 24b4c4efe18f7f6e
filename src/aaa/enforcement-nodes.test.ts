import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSecretBox } from '../crypto/secret-box.js';
import { openTwoNodes, type TwoNodes } from '../jobs/test-fixtures.js';
import type { CoaClient, DynamicAuthResult } from '../radius/coa-client.js';
import { defaultDictionaryPath, loadDictionary } from '../radius/dictionary.js';
import type { RadiusClient } from '../radius/server.js';
import { resolveAttributes } from './attributes.js';
import { ACTION_CLAIM_MS, claimPendingActions, enqueueForSession, EnforcementWorker, listActions } from './enforcement.js';
import { addNas } from './nas.js';
import { createSessionWriter, listSessions } from './sessions.js';

// "CoA/Disconnect for a session is sent by whichever node decides it, once": two daemons
// sharing one database drain the same enforcement queue.

const box = createSecretBox(Buffer.alloc(32, 9));
const attributes = resolveAttributes(loadDictionary(defaultDictionaryPath()));
let nodes: TwoNodes;
let nasId: number;
let sessionId: number;

beforeEach(() => {
  nodes = openTwoNodes();
  nasId = addNas(nodes.a.db, box, { name: 'R1', ip: '127.0.0.1', secret: 'testing123' }).id;
  createSessionWriter(nodes.a).record(
    { nasId, acctSessionId: '81a00001', username: 'u', eventTime: 1_000_000, sessionTime: 0, inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0, framedIp: '10.5.0.2', callingStationId: null, calledStationId: null, nasPortId: null, stop: null, gigawords: false },
    null,
  );
  sessionId = listSessions(nodes.a.db)[0]!.id;
});
afterEach(() => nodes.close());

describe('the enforcement queue drained by two nodes', () => {
  it('sends a Disconnect once when both workers pick it up at the same moment', async () => {
    enqueueForSession(nodes.a.db, sessionId, 'disconnect', 'data allowance used up');
    const ack: DynamicAuthResult = { outcome: 'ack', attempts: 1, seconds: 0 };
    const send = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return ack;
    });
    const coa = { send } as unknown as CoaClient;
    const router: RadiusClient = { id: nasId, name: 'R1', ip: '127.0.0.1', secret: Buffer.from('testing123'), requireMessageAuthenticator: 'auto', messageAuthenticatorSeen: false };
    const worker = (conn: TwoNodes['a']) => new EnforcementWorker({ db: conn.db, coa, routerById: () => router, coaPort: 3799, attributes, logger: pino({ level: 'silent' }) });

    worker(nodes.a).kick();
    worker(nodes.b).kick();
    await vi.waitFor(() => expect(listActions(nodes.b.db)[0]?.status).toBe('ack'));

    expect(send).toHaveBeenCalledTimes(1);
  });

  it('hands an action over to another node when the node that claimed it never answers', () => {
    const now = Date.now();
    enqueueForSession(nodes.a.db, sessionId, 'coa', 'fup tier 1', '512k/512k', now);
    const [action] = claimPendingActions(nodes.a.db, 100, now);
    expect(action?.kind).toBe('coa');
    expect(claimPendingActions(nodes.b.db, 100, now)).toEqual([]);
    expect(claimPendingActions(nodes.b.db, 100, now + ACTION_CLAIM_MS - 1)).toEqual([]);
    expect(listActions(nodes.b.db)[0]).toMatchObject({ status: 'pending', finishedAt: null });

    expect(claimPendingActions(nodes.b.db, 100, now + ACTION_CLAIM_MS).map((a) => a.id)).toEqual([action!.id]);
  });
});
