// What the rest of Lango sees of the RouterOS API client (client.ts): one logged-in session
// that runs commands and answers with items, and one error type whose `kind` says in a word
// what went wrong, so the network domain can tell "wrong password" from "router off".

export interface RouterOsEndpoint {
  host: string;
  /** 8728 plain, 8729 TLS. */
  port: number;
  tls: boolean;
  username: string;
  password: string;
  /** For connecting and logging in, and again for each command. */
  timeoutMs: number;
  /**
   * TLS only: check the router's certificate against the system CAs. Routers mostly carry a
   * self-signed certificate, so the default is off (the link is still encrypted).
   */
  verifyCertificate?: boolean;
}

/** One `!re` item, or the `!done` attributes: every value is a string as RouterOS sends it. */
export type RouterOsItem = Record<string, string>;

export interface RouterOsReply {
  /** The `!re` items in order; empty for a print that matched nothing (`!empty` on 7.18+, or bare `!done`). */
  items: RouterOsItem[];
  /** Attributes on `!done`, e.g. `ret` (the new `.id` after `add`). */
  done: RouterOsItem;
}

export interface RouterOsSession {
  /**
   * Runs one command: `command` is the path word (`/ip/hotspot/active/print`), `words` its
   * attribute, API-attribute and query words (`=.id=*1`, `=.proplist=name,rx-byte`,
   * `?name=ether1`). Rejects with a RouterOsError of kind 'trap' (the router's message) on
   * `!trap`, 'timeout' when no `!done` arrives in time, 'closed'/'fatal' when the connection goes.
   * Several commands may run at once on one session (tags keep their replies apart).
   */
  run(command: string, words?: readonly string[]): Promise<RouterOsReply>;
  /** What /system/resource said at login (version and board), when it could be read. */
  readonly routerosVersion: string | undefined;
  /** `board-name` from the same read, e.g. 'hAP ax2' (optional so test fakes need not carry it). */
  readonly boardName?: string | undefined;
  readonly connected: boolean;
  close(): Promise<void>;
}

export type RouterOsErrorKind =
  /** No answer in time (connect, login or a command). */
  | 'timeout'
  /** TCP refused: the API service is off or the port is wrong. */
  | 'refused'
  /** No route, DNS failure, host down. */
  | 'unreachable'
  /** Login refused: wrong user name or password, or the user lacks the api policy. */
  | 'auth'
  /** TLS handshake failed (api-ssl without a certificate offers only anonymous ciphers). */
  | 'tls'
  /** The router answered `!trap`: `message` is its text, `category` its number when sent. */
  | 'trap'
  /** The router sent `!fatal` and closed the connection. */
  | 'fatal'
  /** The connection closed under a running command, or the session was closed. */
  | 'closed'
  /** Bytes that are not the API protocol. */
  | 'protocol';

export class RouterOsError extends Error {
  constructor(
    readonly kind: RouterOsErrorKind,
    message: string,
    readonly category?: number,
  ) {
    super(message);
    this.name = 'RouterOsError';
  }
}
