import type { Logger } from 'pino';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ClientDirectory, RadiusClient } from '../radius/server.js';
import type { NasActivity } from './nas-activity.js';
import { createRoutersVersion, loadRadiusClients, markMessageAuthenticatorSeen, normaliseAddress } from './nas.js';

/**
 * The routers Lango answers, by source IP, held in memory so the hot path never queries for
 * them. `lango nas add` runs in another process, so on a miss the directory reads the routers'
 * change counter (one cheap statement) and reloads only if it moved: a router added a moment
 * ago is served from its first packet, and a flood from an unknown address costs one counter
 * read per packet, never a reload. A timer catches changed secrets the same way.
 */
export class NasDirectory implements ClientDirectory {
  private clients = new Map<string, RadiusClient>();
  private loadedVersion = -2;
  private timer: NodeJS.Timeout | undefined;
  private readonly version: () => number;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly logger: Logger,
    /** Told of every packet from a known router (the staff pages' "last packet seen"). */
    private readonly activity?: NasActivity,
  ) {
    this.version = createRoutersVersion(db);
  }

  load(): void {
    this.loadedVersion = this.version();
    this.clients = new Map(loadRadiusClients(this.db, this.box).map((c) => [c.ip, c]));
  }

  private reloadIfChanged(): void {
    if (this.version() !== this.loadedVersion) this.load();
  }

  startRefreshing(everyMs = 5000): void {
    this.timer = setInterval(() => this.reloadIfChanged(), everyMs);
    this.timer.unref();
  }

  stopRefreshing(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * The server's lookup for every datagram: a hit is a packet from a known router's address, so
   * it is noted (before the server checks its authenticator: a router with a wrong secret still
   * shows as talking, which is what a technician chasing "no reply" wants to know first).
   */
  find(address: string): RadiusClient | undefined {
    const ip = normaliseAddress(address);
    let client = this.clients.get(ip);
    if (!client) {
      this.reloadIfChanged();
      client = this.clients.get(ip);
    }
    if (client) this.activity?.seen(client.id, Date.now());
    return client;
  }

  /** For CoA: the router that holds a session, by its row id. */
  byId(id: number): RadiusClient | undefined {
    for (const client of this.clients.values()) if (client.id === id) return client;
    this.reloadIfChanged();
    for (const client of this.clients.values()) if (client.id === id) return client;
    return undefined;
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
