// The running daemon's parts the staff screens use beyond the database, wired in src/main.ts.
// Every field is optional: a screen without the part it needs says so in words (and the
// route × role test builds the plugin with none of them).

import type { SecretBox } from '../../crypto/secret-box.js';
import type { StorageReport } from '../../operations/index.js';
import type { RouterMonitor, SetupDaemonFacts } from '../../network/index.js';
import type { RouterOsEndpoint, RouterOsSession } from '../../routeros/types.js';

export interface StaffServices {
  /**
   * When each router (by NAS id) last sent a RADIUS packet this process received, in ms since
   * the epoch; a router absent from the map has sent nothing since the daemon started.
   */
  lastPacketAt?: () => ReadonlyMap<number, number>;
  /** The daemon's Acct-Interim-Interval for plans that set none (LANGO_INTERIM_INTERVAL), for the reply preview. */
  interimSeconds?: number;
  /** LANGO_STALE_GRACE: with the interim interval, when an open session counts as silent or stale ("Why?"). */
  staleGraceSeconds?: number;
  /** The storage report, counted outside the daemon's event loop (a child process); absent, it is counted in place. */
  storageReport?: () => Promise<StorageReport>;
  /** Wakes the daemon's payment reconcile worker ("Why?": ask the provider about a pending payment now). */
  kickReconcile?: () => void;
  /** Seals customers' network passwords (the key file's box, as `lango customer add` uses): creating a customer and changing a password need it. */
  box?: SecretBox;
  /** Issue 10: the daemon's API poller (live view, refresh); absent, the live page says monitoring is not running. */
  routerMonitor?: RouterMonitor;
  /** Opens a RouterOS API session (src/routeros/client.ts) for setup, kick and sync. */
  connectRouter?: (endpoint: RouterOsEndpoint) => Promise<RouterOsSession>;
  /** Ports and interim interval the setup writes into the router. */
  setupFacts?: SetupDaemonFacts;
  /** How long one API connection or command may take (setting routers.apiTimeoutSeconds, ms). */
  routerApiTimeoutMs?: number;
}
