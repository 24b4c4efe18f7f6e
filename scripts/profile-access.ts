// Not part of the suite: times the Access-Request path in-process (no sockets) so changes to the
// hot path can be compared quickly. Usage: node dist/scripts/profile-access.js <bench dir kept by npm run bench -- --keep>
import pino from 'pino';
import { createAccessHandler } from '../src/aaa/access.js';
import { resolveAttributes } from '../src/aaa/attributes.js';
import { createSessionWriter } from '../src/aaa/sessions.js';
import { createGroupCommit } from '../src/db/group-commit.js';
import { createSubscriberLookup } from '../src/billing/index.js';
import { createSecretBox, loadOrCreateKey } from '../src/crypto/secret-box.js';
import { openDatabase } from '../src/db/connection.js';
import { hideUserPassword } from '../src/radius/auth/pap.js';
import { encodeReply, encodeRequest, verifyMessageAuthenticator } from '../src/radius/authenticators.js';
import { decodePacket, encodeAttribute } from '../src/radius/codec.js';
import { defaultDictionaryPath, loadDictionary } from '../src/radius/dictionary.js';
import type { HandlerResult, RadiusClient } from '../src/radius/server.js';

const dir = process.argv[2]!;
const dictionary = loadDictionary(defaultDictionaryPath());
const a = resolveAttributes(dictionary);
const connection = openDatabase(`${dir}/lango.db`);
const box = createSecretBox(loadOrCreateKey(`${dir}/secret.key`), { rememberOpened: 200_000 });
const secret = Buffer.from('bench-secret-123');
const writer = createSessionWriter(connection);
const handler = createAccessHandler({
  subscribers: createSubscriberLookup(connection.db),
  usage: (c, p, stale) => writer.usageNow(c, p, stale),
  activate: () => undefined,
  commit: createGroupCommit(connection.sqlite),
  box,
  attributes: a,
  interimSeconds: 300,
  staleGraceSeconds: 120,
  zone: 'Africa/Nairobi',
  logger: pino({ level: 'info' }),
});
const client: RadiusClient = { id: 1, name: 'bench', ip: '127.0.0.1', secret, requireMessageAuthenticator: 'yes', messageAuthenticatorSeen: true };

const N = 100_000;
const packets: Buffer[] = [];
for (let i = 0; i < N; i++) {
  const id = String((i % 10000) + 1).padStart(5, '0');
  const authenticator = Buffer.alloc(16, i % 251);
  authenticator.writeUInt32BE(i, 0);
  packets.push(
    encodeRequest({
      code: 1,
      identifier: i & 255,
      authenticator,
      secret,
      messageAuthenticator: true,
      attributes: Buffer.concat([encodeAttribute(a.userName, `user${id}`), encodeAttribute(a.userPassword, hideUserPassword(Buffer.from(`pw-${id}`), secret, authenticator))]),
    }),
  );
}
let accepted = 0;
const started = process.hrtime.bigint();
for (const datagram of packets) {
  const packet = decodePacket(datagram, dictionary);
  if (!verifyMessageAuthenticator(packet, secret)) throw new Error('bad MA');
  handler({ kind: 'auth', client, packet, source: { address: '127.0.0.1', port: 1 } }, (r: HandlerResult | Error) => {
    if (r instanceof Error || r.kind !== 'reply') throw new Error('no reply');
    if (r.code === 2) accepted++;
    encodeReply({ code: r.code, identifier: packet.identifier, requestAuthenticator: packet.authenticator, attributes: r.attributes, secret, messageAuthenticator: true });
  });
}
const us = Number(process.hrtime.bigint() - started) / 1e3 / N;
console.log(JSON.stringify({ accepted, usPerRequest: Number(us.toFixed(2)) }));
