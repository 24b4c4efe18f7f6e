/**
 * What the main thread asks the PostgreSQL worker (worker.ts), and what it answers. `fresh`:
 * no transaction is open, so a lost connection may be replaced before this statement runs.
 */
export type WorkerRequest =
  | { op: 'open'; url: string; applicationName: string; setup: string[] }
  | { op: 'query'; id: number; text: string; params: unknown[]; rowMode: 'array' | 'object'; name?: string; fresh: boolean }
  | { op: 'exec'; id: number; text: string; fresh: boolean }
  | { op: 'close'; id: number };

export type WorkerReply =
  | { kind: 'opened'; id: number }
  | { kind: 'rows'; rows: unknown[]; rowCount: number; columns: string[]; bytea: number[] }
  | { kind: 'done' }
  | { kind: 'error'; message: string; code?: string; detail?: string; constraint?: string };
