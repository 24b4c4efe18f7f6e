import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './daemon-process.js';
import { runMain } from './run-main.js';

// `node dist/scripts/log-scan.js <dir>`: looks through the daemon logs a test run left (see
// LANGO_TEST_LOG_DIR in daemon-process.ts) for anything that must never be logged:
// - canaries: the secrets, passwords, PINs, tokens, phone numbers and emails the tests themselves
//   type, read out of the test sources (so a new test brings its own canaries);
// - patterns: Bearer credentials, Lango API tokens (lango_ + 43 characters), full phone numbers
//   of Kenya, Uganda and South Sudan, and email addresses.
// Personal data here means phone numbers and emails: they must be masked. Usernames, router
// names and customer ids are operational identifiers an operator needs in the log, and may appear.
// Exits 1 naming file, line and what was found (masked), 0 when clean, 2 on a usage error.

export interface Canary {
  value: string;
  /** Why it is a canary: the key or flag it was bound to, and where. */
  kind: string;
}

export interface Finding {
  file: string;
  line: number;
  what: string;
  masked: string;
}

export interface ScanResult {
  files: number;
  lines: number;
  canaries: number;
  findings: Finding[];
}

const SECRET_WORDS = new Set(['secret', 'password', 'passwd', 'passkey', 'pin', 'token', 'apikey', 'phone', 'msisdn', 'email']);
const SECRET_FLAGS = /['"]--(secret|password|passkey|pin|token|api-key|consumer-secret|consumer-key|phone|email)['"]\s*,\s*(['"])([^'"\n]+)\2/g;
const KEY_VALUE = /\b([A-Za-z_][A-Za-z0-9_]*)['"]?\s*[:=]\s*(['"`])([^'"`\n]+)\2/g;
// radclient input lines in the tests: User-Password = "..." and friends.
const RADIUS_PASSWORD = /\b(User-Password|CHAP-Password|MS-CHAP-Password)\s*=\s*\\?"([^"\\\n]+)\\?"/g;
// Shorter values ('pw', '1234') would match ordinary log text; the patterns below cover phone numbers.
const MIN_CANARY = 6;

/** The words of an identifier: consumerSecret → consumer, secret; API_KEY → api, key (and apikey). */
function keyWords(key: string): string[] {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[\s_-]+/).filter(Boolean);
  return [...words, words.join('')];
}

function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  return words.some((w) => SECRET_WORDS.has(w)) || /password|secret|apikey|passkey/i.test(key);
}

/** Values bound to a secret-looking key that are not values at all: selectors, labels, templates, names of things. */
function plausible(value: string): boolean {
  if (value.length < MIN_CANARY || value.length > 200) return false;
  if (value.includes('${') || value.includes('{{')) return false;
  if (/^[#.[]|^input\b|^\/|^https?:/.test(value)) return false;
  // Sentences and labels ("Your password", "New password") are page text, not secrets; phone numbers may have spaces.
  if (/\s/.test(value) && !/^\+?[\d\s()-]+$/.test(value)) return false;
  // Plain lowercase words bound to such keys are modes and audit notes ('random', 'generated'), and a
  // value with '*' is already masked.
  if (/^[a-z]+$/.test(value) || value.includes('*')) return false;
  return true;
}

/** Canaries from test sources (path, text): literals bound to secret keys, CLI flags and radclient password lines. */
export function extractCanaries(sources: Array<{ path: string; text: string }>): Canary[] {
  const found = new Map<string, Canary>();
  const add = (value: string, kind: string) => {
    if (plausible(value) && !found.has(value)) found.set(value, { value, kind });
    // A phone number is logged in whatever form the code normalised it to: the digits are the canary.
    const digits = value.replace(/\D/g, '');
    if (/phone|msisdn/i.test(kind) && digits.length >= 9 && !found.has(digits)) found.set(digits, { value: digits, kind: `${kind} (digits)` });
  };
  for (const { path, text } of sources) {
    for (const m of text.matchAll(KEY_VALUE)) if (isSecretKey(m[1]!)) add(m[3]!, `${m[1]} in ${path}`);
    for (const m of text.matchAll(SECRET_FLAGS)) add(m[3]!, `--${m[1]} in ${path}`);
    for (const m of text.matchAll(RADIUS_PASSWORD)) add(m[2]!, `${m[1]} in ${path}`);
  }
  return [...found.values()];
}

const PATTERNS: Array<[string, RegExp]> = [
  ['a Bearer credential', /\bBearer\s+[A-Za-z0-9._~+/=-]{12,}/],
  ['a Lango API token', /\blango_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/],
  // +254 7xx/1xx (Kenya), +256 7xx (Uganda), +211 9xx (South Sudan), or the national 07xx/01xx form.
  // Not inside a longer run of hex or word characters: a CHAP challenge or a token is no phone number.
  ['a full phone number', /(?<![\w.])(?:\+?254[17]\d{8}|\+?2567\d{8}|\+?2119\d{8}|0[17]\d{8})(?!\w)/],
  ['an email address', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/],
];

/** Keeps enough to find it in the test source, not enough to use it. */
export function mask(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  const keep = value.length >= 10 ? 3 : 1;
  return `${value.slice(0, keep)}${'*'.repeat(value.length - 2 * keep)}${value.slice(-keep)}`;
}

/**
 * Whether the canary stands in the line. A value of digits only (a phone number's digits) must
 * stand as a whole number: inside a float or a longer run of digits (a responseTime of
 * 3.0712000001…, a timestamp) it is a coincidence, not a leak; CI once failed on one.
 */
function holds(line: string, canary: string): boolean {
  if (!/^\d+$/.test(canary)) return line.includes(canary);
  for (let at = line.indexOf(canary); at >= 0; at = line.indexOf(canary, at + 1)) {
    const before = line[at - 1] ?? '';
    const after = line[at + canary.length] ?? '';
    if (!/[\d.]/.test(before) && !/\d/.test(after)) return true;
  }
  return false;
}

export function scanText(file: string, text: string, canaries: readonly Canary[]): { lines: number; findings: Finding[] } {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    for (const canary of canaries) {
      if (holds(line, canary.value)) findings.push({ file, line: index + 1, what: `test canary (${canary.kind})`, masked: mask(canary.value) });
    }
    for (const [what, pattern] of PATTERNS) {
      const m = pattern.exec(line);
      if (m) findings.push({ file, line: index + 1, what, masked: mask(m[0]) });
    }
  });
  return { lines: lines.filter((l) => l.length > 0).length, findings };
}

/** The test sources canaries come from: tests/** and src/**\/*.test.ts. */
export function testSources(root = repoRoot()): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = (dir: string, wanted: (name: string) => boolean) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, wanted);
      else if (wanted(name)) out.push({ path: relative(root, path), text: readFileSync(path, 'utf8') });
    }
  };
  walk(join(root, 'tests'), (name) => name.endsWith('.ts'));
  walk(join(root, 'src'), (name) => name.endsWith('.test.ts'));
  return out;
}

export function scanFolder(dir: string, canaries: readonly Canary[]): ScanResult {
  const result: ScanResult = { files: 0, lines: 0, canaries: canaries.length, findings: [] };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.log')) continue;
    const scanned = scanText(name, readFileSync(join(dir, name), 'utf8'), canaries);
    result.files++;
    result.lines += scanned.lines;
    result.findings.push(...scanned.findings);
  }
  return result;
}

/** The human report: one line per log line with findings (at most `limit`), then the totals. */
export function formatScan(result: ScanResult, dir: string, limit = 50): string {
  const byLine = new Map<string, string[]>();
  for (const f of result.findings) {
    const where = `${join(dir, f.file)}:${f.line}`;
    byLine.set(where, [...(byLine.get(where) ?? []), `${f.what}: ${f.masked}`]);
  }
  const out = [...byLine].slice(0, limit).map(([where, what]) => `${where}: ${what.join('; ')}`);
  if (byLine.size > limit) out.push(`… and ${byLine.size - limit} more line(s)`);
  out.push(`log scan: ${result.files} daemon log file(s), ${result.lines} line(s), ${result.canaries} canaries and ${PATTERNS.length} patterns: ${result.findings.length === 0 ? 'clean' : `${result.findings.length} finding(s)`}`);
  return out.join('\n');
}

function main(): void {
  let dir: string;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
    if (positionals.length !== 1) throw new Error('give exactly one folder of daemon logs');
    dir = positionals[0]!;
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${dir} is not a folder`);
    json = values.json === true;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: node dist/scripts/log-scan.js <folder of daemon-*.log> [--json]\n`);
    process.exit(2);
  }
  const result = scanFolder(dir, extractCanaries(testSources()));
  process.stderr.write(`${formatScan(result, dir)}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ files: result.files, lines: result.lines, canaries: result.canaries, findings: result.findings.length })}\n`);
  process.exitCode = result.findings.length === 0 ? 0 : 1;
}

runMain(import.meta.url, main);
