import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Daemon } from '../../scripts/daemon-process.js';
import { SANDBOX_PASSKEY, type DarajaEmulator } from '../../scripts/emulators/daraja.js';
import { langoOk } from './peers.js';

/**
 * Points a test daemon's M-Pesa at the Daraja emulator the way an operator would: the public
 * address providers call back, then `lango provider set` from a file (secrets stay out of argv).
 * No call reaches the emulator here, so the blocking CLI is fine.
 */
export function connectMpesa(daemon: Daemon, daraja: DarajaEmulator, credentials: { consumerKey: string; consumerSecret: string }, extra: Record<string, unknown> = {}): void {
  langoOk(daemon, 'settings', 'set', '--key', 'payments.publicUrl', '--value', `http://127.0.0.1:${daemon.httpPort}`);
  const configFile = path.join(daemon.dir, 'mpesa.json');
  writeFileSync(configFile, JSON.stringify({ baseUrl: daraja.url, shortcode: '174379', passkey: SANDBOX_PASSKEY, ...credentials, ...extra }));
  langoOk(daemon, 'provider', 'set', '--provider', 'mpesa', '--config-file', configFile);
}
