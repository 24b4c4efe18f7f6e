import type { Logger } from 'pino';
import type { Subscriber } from '../billing/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { errorMessage, type ErrorCode } from '../errors.js';
import { Code } from '../radius/packet.js';
import type { Handler } from '../radius/server.js';
import { attribute, readText, type AaaAttributes } from './attributes.js';
import { authenticate, detectMethod, failure, type AuthOutcome } from './authenticate.js';
import { checkAccountStatus } from './policy/account-status.js';
import { checkHasPlan } from './policy/has-plan.js';
import { buildAcceptAttributes } from './reply.js';
import type { TraceStep, Verdict } from './verdict.js';

export interface AccessDependencies {
  findSubscriber: (username: string) => Subscriber | undefined;
  box: SecretBox;
  attributes: AaaAttributes;
  interimSeconds: number;
  logger: Logger;
}

const policies: ReadonlyArray<[string, (s: Subscriber) => Verdict]> = [
  ['account-status', checkAccountStatus],
  ['has-plan', checkHasPlan],
];

/**
 * The Access-Request path after the protocol checks: authorize (find the subject),
 * authenticate (prove the password), policy (may they connect now), reply (what the router
 * enforces). Synchronous and free of network calls: one prepared lookup and some hashing.
 */
export function createAccessHandler(deps: AccessDependencies): Handler {
  const a = deps.attributes;
  const debug = () => deps.logger.isLevelEnabled('debug');

  return (request, respond) => {
    const { packet, client } = request;
    const trace: TraceStep[] = [];
    const method = detectMethod(packet, a);

    const finishReject = (reason: ErrorCode, auth: AuthOutcome | undefined, userName: string) => {
      trace.push({ stage: 'post-auth', verdict: 'reject', detail: reason });
      if (debug()) deps.logger.debug({ nas: client.name, user: userName, method, trace }, 'Access-Reject');
      respond({
        kind: 'reply',
        code: Code.AccessReject,
        attributes: Buffer.concat([attribute(a.replyMessage, errorMessage(reason)), ...(auth?.attributes ?? [])]),
        result: 'reject',
      });
    };

    // Stage 4, authorize. FreeRADIUS's filter_username habit: trim before the lookup.
    const userName = (readText(packet, a.userName) ?? '').trim();
    const subscriber = userName ? deps.findSubscriber(userName) : undefined;
    trace.push({ stage: 'authorize', verdict: subscriber ? 'continue' : 'reject', detail: subscriber ? `customer ${subscriber.id}` : 'no such user' });
    if (method === 'none') return finishReject('AAA_NO_CREDENTIALS', undefined, userName);
    // An unknown user is refused exactly like a wrong password, so usernames cannot be probed.
    if (!subscriber) return finishReject('AAA_BAD_CREDENTIALS', failure(method, packet, a), userName);

    // Stage 5, authenticate. The password is checked before the account state is revealed.
    const auth = authenticate(method, packet, a, {
      userName,
      password: deps.box.open(subscriber.passwordSealed),
      secret: client.secret,
    });
    trace.push({ stage: 'authenticate', verdict: auth.ok ? 'continue' : 'reject', detail: method });
    if (!auth.ok) return finishReject('AAA_BAD_CREDENTIALS', auth, userName);

    // Stage 6, policy.
    for (const [stage, check] of policies) {
      const verdict = check(subscriber);
      trace.push({ stage, verdict: verdict.kind });
      if (verdict.kind === 'reject') return finishReject(verdict.reason, failure(method, packet, a), userName);
    }

    // Stage 7, reply.
    const attributes = Buffer.concat([...buildAcceptAttributes(subscriber, a, deps.interimSeconds), ...auth.attributes]);
    trace.push({ stage: 'post-auth', verdict: 'continue' });
    if (debug()) deps.logger.debug({ nas: client.name, user: userName, method, trace }, 'Access-Accept');
    respond({ kind: 'reply', code: Code.AccessAccept, attributes, result: 'accept' });
  };
}

