import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { Connection, Db } from '../db/connection.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { LangoError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface CliContext {
  db: Db;
  connection: Connection;
  box: SecretBox;
  config: Config;
}

/** One `lango …` command: its words, help text, options, and how to run and print it. */
export interface Command {
  words: string[];
  summary: string;
  usage: string;
  options: Options;
  /** Options that must be given. */
  required?: string[];
  /** The option(s) bare arguments stand for, in order (`lango restore FILE` = `--file FILE`); none = no bare arguments. */
  positional?: string | readonly string[];
  run(ctx: CliContext, values: Values): unknown;
  /**
   * Runs without opening the database or the key file (restore): the database may be the
   * damaged thing being replaced, and a key must never be made up for a restored database.
   */
  standalone?: (config: Config, values: Values) => unknown;
  print(result: unknown): string;
}

/** Plain aligned columns: readable over SSH on a phone, no colours to garble. */
export function table(rows: readonly object[], columns: Array<[string, string]>): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map(([key]) => formatCell((row as Record<string, unknown>)[key])));
  const widths = columns.map(([, title], i) => Math.max(title.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map(([, title]) => title)), ...cells.map(line)].join('\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  return String(value);
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** The --json option every command takes. */
export const json = { json: { type: 'boolean' as const } };

/** A string option's value, or undefined when it was not given. */
export const str = (v: Values, k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);

/** One of a fixed set of words, or a plain refusal naming the allowed ones. */
export function choice<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new LangoError('INPUT_BAD_CHOICE', { value, option, allowed: allowed.join(', ') });
  return value as T;
}
