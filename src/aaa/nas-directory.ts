import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ClientDirectory, RadiusClient } from '../radius/server.js';
import { loadRadiusClients, markMessageAuthenticatorSeen, normaliseAddress } from './nas.js';

/**
 * The routers Lango answers, by source IP, held in memory so the hot path never queries for
 * them. `lango nas add` runs in another process, so the directory reloads on a miss (at most
 * twice a second, so a flood from an unknown address costs nothing) and every few seconds to
 * pick up changed secrets.
 */
export class NasDirectory implements ClientDirectory {
  private clients = new Map<string, RadiusClient>();
  private lastLoad = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly logger: Logger,
  ) {}

  load(): void {
    this.lastLoad = Date.now();
    this.clients = new Map(loadRadiusClients(this.db, this.box).map((c) => [c.ip, c]));
  }

  startRefreshing(everyMs = 5000): void {
    this.timer = setInterval(() => this.load(), everyMs);
    this.timer.unref();
  }

  stopRefreshing(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.clients.size;
  }

  find(address: string): RadiusClient | undefined {
    const ip = normaliseAddress(address);
    const client = this.clients.get(ip);
    if (client || Date.now() - this.lastLoad < 500) return client;
    this.load();
    return this.clients.get(ip);
  }

  learnMessageAuthenticator(client: RadiusClient): void {
    markMessageAuthenticatorSeen(this.db, client.id);
    this.clients.set(client.ip, { ...client, messageAuthenticatorSeen: true });
    this.logger.info(
      { nas: client.name },
      `NAS ${client.name} sends Message-Authenticator; from now on Lango requires it from this router (require-message-authenticator=auto)`,
    );
  }
}
