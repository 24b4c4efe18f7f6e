import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

// HTTP plumbing shared by the provider emulators, and nothing more: each emulator still writes
// its provider's wire contract out in full, so a slip in one provider's rules cannot spread to
// the others (and none of it is shared with src/, see daraja.ts).

/**
 * The whole request body as UTF-8. Emulators read it before answering, so a refusal never races
 * the client's upload. `limit` caps what a runaway client can make them hold: past `bytes`
 * reading stops and `tooLarge()` is thrown, or, without it, what came so far is the body.
 */
export async function readBody(req: IncomingMessage, limit?: { bytes: number; tooLarge?: () => Error }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (limit && size > limit.bytes) {
      if (limit.tooLarge) throw limit.tooLarge();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** No body means no content-type either: providers answer 201/202/204 with nothing at all. */
export function json(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
}

/** Repeated headers joined with ', ', so a test compares each as one string. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/**
 * Listens and answers the base URL (no trailing slash). Port 0 lets the system pick a free
 * port, so test files running side by side never collide; the URL names the address actually
 * bound, bracketed when IPv6.
 */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const name = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${server instanceof HttpsServer ? 'https' : 'http'}://${name}:${address.port}`;
}

/**
 * server.close() alone waits for every open connection, and emulators keep some open on
 * purpose (keep-alive clients, requests scripted never to be answered): drop them first.
 */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** --port and --host for parseArgs: loopback unless told otherwise, since an emulator is test tooling, not a service. */
export function listenArgs(port = '0') {
  return { port: { type: 'string', default: port }, host: { type: 'string', default: '127.0.0.1' } } as const;
}

/**
 * The command-line contract scripts and other processes rely on: one JSON line on stdout saying
 * where the emulator is, then serve until SIGTERM or SIGINT.
 */
export function serveUntilSignalled(emulator: { close(): Promise<void> }, announce: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(announce)}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${describe(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Runs `main` only when `moduleUrl` is the script node was started with, never when a test imports it. */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().catch((err: unknown) => {
    process.stderr.write(`${describe(err)}\n`);
    process.exitCode = 1;
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
