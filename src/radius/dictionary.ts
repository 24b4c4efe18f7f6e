/**
 * Loader for RADIUS dictionaries in the FreeRADIUS text format.
 *
 * Only the subset Lango ships and operators realistically add is accepted
 * (plain ATTRIBUTE/VALUE/VENDOR lines, vendor blocks, includes). Anything
 * else is rejected loudly rather than skipped: a silently ignored line would
 * surface much later as an attribute that "does not exist" at runtime.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type DataType =
  | 'string'
  | 'octets'
  | 'ipaddr'
  | 'integer'
  | 'date'
  | 'ipv6addr'
  | 'ipv6prefix'
  | 'ifid'
  | 'integer64'
  | 'byte'
  | 'short'
  | 'signed'
  | 'ether'
  | 'abinary'
  | 'vsa';

export interface AttributeDef {
  readonly name: string;
  readonly vendor: number; // 0 for standard attributes
  readonly type: number; // attribute number within the vendor space
  readonly dataType: DataType;
  readonly encrypt: 0 | 1 | 2 | 3;
  readonly hasTag: boolean;
  readonly values: ReadonlyMap<string, number>; // VALUE name -> number
  readonly valueNames: ReadonlyMap<number, string>; // number -> VALUE name
}

export interface Dictionary {
  byName(name: string): AttributeDef | undefined; // case-insensitive, like FreeRADIUS
  byCode(vendor: number, type: number): AttributeDef | undefined;
  vendorId(name: string): number | undefined; // case-insensitive
  vendorName(id: number): string | undefined;
  /** Throws with the attribute name in the message when the name is unknown: for names written in code. */
  require(name: string): AttributeDef;
}

const DATA_TYPES: ReadonlySet<string> = new Set<DataType>([
  'string',
  'octets',
  'ipaddr',
  'integer',
  'date',
  'ipv6addr',
  'ipv6prefix',
  'ifid',
  'integer64',
  'byte',
  'short',
  'signed',
  'ether',
  'abinary',
  'vsa',
]);

/** Inclusive bounds of VALUE numbers per enumerable type. */
const VALUE_RANGES: ReadonlyMap<DataType, readonly [number, number]> = new Map<DataType, readonly [number, number]>([
  ['byte', [0, 0xff]],
  ['short', [0, 0xffff]],
  ['integer', [0, 0xffffffff]],
  ['signed', [-0x80000000, 0x7fffffff]],
  // A JS number is exact only up to 2^53; larger enum values would silently round.
  ['integer64', [0, Number.MAX_SAFE_INTEGER]],
]);

// Dots and slashes occur in real names (X.75, G.3-Fax, 802.1q); value names may start with a digit (40-bit-WEP).
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._\-/:+]*$/;
const MAX_VENDOR_ID = 0xffffff; // the top byte of the Vendor-Id field must be zero (RFC 2865 §5.26)

/**
 * Map whose lookups ignore case (FreeRADIUS resolves value names that way)
 * while iteration still yields the names as the dictionary spells them.
 */
class CaseInsensitiveMap<V> extends Map<string, V> {
  readonly #spelling = new Map<string, string>();

  override get(key: string): V | undefined {
    return super.get(this.#spelling.get(key.toLowerCase()) ?? key);
  }

  override has(key: string): boolean {
    return this.#spelling.has(key.toLowerCase());
  }

  override set(key: string, value: V): this {
    // Map's constructor calls set() before private fields exist; we never pass it entries.
    const existing = this.#spelling.get(key.toLowerCase());
    if (existing !== undefined && existing !== key) super.delete(existing);
    this.#spelling.set(key.toLowerCase(), key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const spelled = this.#spelling.get(key.toLowerCase());
    if (spelled === undefined) return false;
    this.#spelling.delete(key.toLowerCase());
    return super.delete(spelled);
  }

  override clear(): void {
    this.#spelling.clear();
    super.clear();
  }
}

interface MutableAttributeDef extends AttributeDef {
  readonly values: CaseInsensitiveMap<number>;
  readonly valueNames: Map<number, string>;
  /** Where it was first defined, for duplicate-definition messages. */
  readonly definedAt: string;
}

interface Flags {
  encrypt: 0 | 1 | 2 | 3;
  hasTag: boolean;
  concat: boolean;
}

interface VendorEntry {
  readonly name: string;
  readonly id: number;
  readonly definedAt: string;
}

class DictionaryError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'DictionaryError';
  }
}

function parseUnsigned(token: string): number | undefined {
  if (/^[0-9]+$/.test(token)) return Number(token);
  if (/^0x[0-9a-f]+$/i.test(token)) return Number.parseInt(token.slice(2), 16);
  return undefined;
}

function parseSigned(token: string): number | undefined {
  if (token.startsWith('-')) {
    const n = parseUnsigned(token.slice(1));
    return n === undefined ? undefined : -n;
  }
  return parseUnsigned(token);
}

class Loader {
  readonly attrsByName = new Map<string, MutableAttributeDef>();
  readonly attrsByCode = new Map<string, MutableAttributeDef>();
  readonly vendorsByName = new Map<string, VendorEntry>();
  readonly vendorsById = new Map<number, VendorEntry>();
  /** Real paths of the files currently being read, outermost first. */
  readonly includeStack: string[] = [];

  loadFile(file: string, includedAt?: string, optional = false): void {
    const shown = resolve(file);
    let real: string;
    let text: string;
    try {
      real = realpathSync(shown);
      text = readFileSync(real, 'utf8');
    } catch (err) {
      if (optional) return;
      const reason = err instanceof Error ? err.message : String(err);
      if (includedAt !== undefined) throw new DictionaryError(includedAt, `cannot read included file ${shown}: ${reason}`);
      throw new Error(`cannot read dictionary file ${shown}: ${reason}`);
    }
    if (this.includeStack.includes(real)) {
      const chain = [...this.includeStack.slice(this.includeStack.indexOf(real)), real].join(' -> ');
      throw new DictionaryError(includedAt ?? shown, `include loop: ${chain}`);
    }
    this.includeStack.push(real);
    try {
      this.parse(shown, text);
    } finally {
      this.includeStack.pop();
    }
  }

  private parse(file: string, text: string): void {
    // Vendor blocks are scoped to one file, as in FreeRADIUS: an include starts outside any block.
    let block: { vendor: VendorEntry; openedAt: string } | undefined;
    const lines = text.split(/\r?\n/);
    for (const [index, raw] of lines.entries()) {
      const where = `${file}:${index + 1}`;
      const hash = raw.indexOf('#');
      const tokens = (hash === -1 ? raw : raw.slice(0, hash)).trim().split(/\s+/).filter((t) => t !== '');
      const keyword = tokens[0];
      if (keyword === undefined) continue;
      switch (keyword.toUpperCase()) {
        case 'ATTRIBUTE':
          this.attribute(where, tokens, block?.vendor.id ?? 0);
          break;
        case 'VALUE':
          this.value(where, tokens);
          break;
        case 'VENDOR':
          this.vendor(where, tokens);
          break;
        case 'BEGIN-VENDOR': {
          expectArgs(where, tokens, 2, 2, 'BEGIN-VENDOR <vendor-name>');
          const name = tokens[1] as string;
          if (block !== undefined) {
            throw new DictionaryError(where, `BEGIN-VENDOR ${name} inside BEGIN-VENDOR ${block.vendor.name} (${block.openedAt}); vendor blocks do not nest`);
          }
          const vendor = this.vendorsByName.get(name.toLowerCase());
          if (vendor === undefined) throw new DictionaryError(where, `BEGIN-VENDOR names unknown vendor "${name}" (define it with VENDOR first)`);
          block = { vendor, openedAt: where };
          break;
        }
        case 'END-VENDOR': {
          expectArgs(where, tokens, 2, 2, 'END-VENDOR <vendor-name>');
          const name = tokens[1] as string;
          if (block === undefined) throw new DictionaryError(where, `END-VENDOR ${name} without BEGIN-VENDOR`);
          if (name.toLowerCase() !== block.vendor.name.toLowerCase()) {
            throw new DictionaryError(where, `END-VENDOR ${name} does not match BEGIN-VENDOR ${block.vendor.name} (${block.openedAt})`);
          }
          block = undefined;
          break;
        }
        case '$INCLUDE':
        case '$INCLUDE-': {
          expectArgs(where, tokens, 2, 2, `${keyword} <file>`);
          // `$INCLUDE-` is FreeRADIUS's "include if present", handy for optional site files.
          this.loadFile(resolve(dirname(file), tokens[1] as string), where, keyword === '$INCLUDE-');
          break;
        }
        default:
          throw new DictionaryError(where, `unknown keyword "${keyword}"`);
      }
    }
    if (block !== undefined) {
      throw new DictionaryError(block.openedAt, `BEGIN-VENDOR ${block.vendor.name} has no END-VENDOR before the end of the file`);
    }
  }

  private attribute(where: string, tokens: readonly string[], vendor: number): void {
    expectArgs(where, tokens, 4, 5, 'ATTRIBUTE <name> <number> <type> [flags]');
    const [, name, numberToken, typeToken, flagsToken] = tokens as [string, string, string, string, string | undefined];
    checkName(where, 'attribute', name);
    const type = parseUnsigned(numberToken);
    if (type === undefined || type < 1 || type > 255) {
      throw new DictionaryError(where, `attribute ${name}: invalid number "${numberToken}" (expected 1-255)`);
    }
    if (!DATA_TYPES.has(typeToken)) throw new DictionaryError(where, `attribute ${name}: unknown data type "${typeToken}"`);
    const dataType = typeToken as DataType;
    const flags = parseFlags(where, name, flagsToken);

    if (dataType === 'vsa' && vendor !== 0) throw new DictionaryError(where, `attribute ${name}: type vsa is only valid outside vendor blocks`);
    if (flags.encrypt !== 0 && dataType !== 'string' && dataType !== 'octets') {
      throw new DictionaryError(where, `attribute ${name}: encrypt=${flags.encrypt} needs type string or octets, not ${dataType}`);
    }
    if (flags.hasTag && dataType !== 'string' && dataType !== 'octets' && dataType !== 'integer') {
      throw new DictionaryError(where, `attribute ${name}: has_tag needs type string, octets or integer, not ${dataType}`);
    }
    if (flags.concat && dataType !== 'octets') throw new DictionaryError(where, `attribute ${name}: concat needs type octets, not ${dataType}`);

    type Shape = Pick<AttributeDef, 'vendor' | 'type' | 'dataType' | 'encrypt' | 'hasTag'>;
    const describe = (d: Shape): string => `${d.vendor === 0 ? '' : `${d.vendor}/`}${d.type} ${d.dataType}${d.encrypt ? ` encrypt=${d.encrypt}` : ''}${d.hasTag ? ' has_tag' : ''}`;
    const sameShape = (d: Shape): boolean =>
      d.vendor === vendor && d.type === type && d.dataType === dataType && d.encrypt === flags.encrypt && d.hasTag === flags.hasTag;
    const wanted = describe({ vendor, type, dataType, encrypt: flags.encrypt, hasTag: flags.hasTag });

    const byName = this.attrsByName.get(name.toLowerCase());
    if (byName !== undefined) {
      // Re-reading an identical definition (e.g. a file included twice) is harmless; a conflicting one is not.
      if (sameShape(byName)) return;
      throw new DictionaryError(where, `attribute ${name} is already defined as ${describe(byName)} (${byName.definedAt}), cannot redefine it as ${wanted}`);
    }
    const key = codeKey(vendor, type);
    const byCode = this.attrsByCode.get(key);
    if (byCode !== undefined) {
      // A second name for the same code is an alias; the first name stays the one used for printing.
      if (!sameShape(byCode)) {
        throw new DictionaryError(where, `attribute ${name}: ${describe(byCode)} is already defined as ${byCode.name} (${byCode.definedAt}) with a different type or flags`);
      }
      this.attrsByName.set(name.toLowerCase(), byCode);
      return;
    }
    const def: MutableAttributeDef = {
      name,
      vendor,
      type,
      dataType,
      encrypt: flags.encrypt,
      hasTag: flags.hasTag,
      values: new CaseInsensitiveMap<number>(),
      valueNames: new Map<number, string>(),
      definedAt: where,
    };
    this.attrsByName.set(name.toLowerCase(), def);
    this.attrsByCode.set(key, def);
  }

  private value(where: string, tokens: readonly string[]): void {
    expectArgs(where, tokens, 4, 4, 'VALUE <attribute-name> <value-name> <number>');
    const [, attrName, valueName, numberToken] = tokens as [string, string, string, string];
    const def = this.attrsByName.get(attrName.toLowerCase());
    if (def === undefined) throw new DictionaryError(where, `VALUE for unknown attribute "${attrName}" (define the ATTRIBUTE first)`);
    const range = VALUE_RANGES.get(def.dataType);
    if (range === undefined) throw new DictionaryError(where, `VALUE ${valueName}: attribute ${def.name} has type ${def.dataType}, which takes no named values`);
    checkName(where, 'value', valueName);
    const n = def.dataType === 'signed' ? parseSigned(numberToken) : parseUnsigned(numberToken);
    if (n === undefined || !Number.isSafeInteger(n) || n < range[0] || n > range[1]) {
      throw new DictionaryError(where, `VALUE ${def.name} ${valueName}: invalid number "${numberToken}" for type ${def.dataType} (expected ${range[0]}-${range[1]})`);
    }
    const existing = def.values.get(valueName);
    if (existing !== undefined) {
      if (existing === n) return;
      throw new DictionaryError(where, `VALUE ${def.name} ${valueName} is already ${existing}, cannot redefine it as ${n}`);
    }
    def.values.set(valueName, n);
    // Several names may share a number (aliases); the first one is what gets printed.
    if (!def.valueNames.has(n)) def.valueNames.set(n, valueName);
  }

  private vendor(where: string, tokens: readonly string[]): void {
    expectArgs(where, tokens, 3, 4, 'VENDOR <name> <id> [format=1,1]');
    const [, name, idToken, format] = tokens as [string, string, string, string | undefined];
    checkName(where, 'vendor', name);
    const id = parseUnsigned(idToken);
    if (id === undefined || id < 1 || id > MAX_VENDOR_ID) {
      throw new DictionaryError(where, `vendor ${name}: invalid id "${idToken}" (expected 1-${MAX_VENDOR_ID})`);
    }
    // The codec only speaks the RFC 2865 layout (1-byte type, 1-byte length); other formats would be mis-decoded.
    if (format !== undefined && format !== 'format=1,1') {
      throw new DictionaryError(where, `vendor ${name}: unsupported "${format}" (only format=1,1 is supported)`);
    }
    const byName = this.vendorsByName.get(name.toLowerCase());
    if (byName !== undefined) {
      if (byName.id === id) return;
      throw new DictionaryError(where, `vendor ${name} is already defined with id ${byName.id} (${byName.definedAt})`);
    }
    const byId = this.vendorsById.get(id);
    if (byId !== undefined) throw new DictionaryError(where, `vendor id ${id} is already defined as ${byId.name} (${byId.definedAt})`);
    const entry: VendorEntry = { name, id, definedAt: where };
    this.vendorsByName.set(name.toLowerCase(), entry);
    this.vendorsById.set(id, entry);
  }
}

function expectArgs(where: string, tokens: readonly string[], min: number, max: number, usage: string): void {
  if (tokens.length < min || tokens.length > max) {
    throw new DictionaryError(where, `${tokens.length < min ? 'missing' : 'too many'} fields, expected: ${usage}`);
  }
}

function checkName(where: string, what: string, name: string): void {
  // An all-digit name would be ambiguous wherever names and numbers are both accepted.
  if (!NAME_RE.test(name) || /^[0-9]+$/.test(name)) throw new DictionaryError(where, `invalid ${what} name "${name}"`);
}

function parseFlags(where: string, attrName: string, token: string | undefined): Flags {
  const flags: Flags = { encrypt: 0, hasTag: false, concat: false };
  if (token === undefined) return flags;
  for (const flag of token.split(',')) {
    if (flag === 'has_tag') flags.hasTag = true;
    else if (flag === 'concat') flags.concat = true;
    else if (flag === 'encrypt=1' || flag === 'encrypt=2' || flag === 'encrypt=3') flags.encrypt = Number(flag.slice(8)) as 1 | 2 | 3;
    else throw new DictionaryError(where, `attribute ${attrName}: unknown flag "${flag}" (known: encrypt=1|2|3, has_tag, concat)`);
  }
  return flags;
}

function codeKey(vendor: number, type: number): string {
  return `${vendor}:${type}`;
}

export function loadDictionary(rootFile: string): Dictionary {
  const loader = new Loader();
  loader.loadFile(rootFile);
  const { attrsByName, attrsByCode, vendorsByName, vendorsById } = loader;
  return {
    byName: (name) => attrsByName.get(name.toLowerCase()),
    byCode: (vendor, type) => attrsByCode.get(codeKey(vendor, type)),
    vendorId: (name) => vendorsByName.get(name.toLowerCase())?.id,
    vendorName: (id) => vendorsById.get(id)?.name,
    require(name) {
      const def = attrsByName.get(name.toLowerCase());
      if (def === undefined) throw new Error(`RADIUS attribute "${name}" is not in the dictionary`);
      return def;
    },
  };
}

/** The dictionaries/ folder shipped with Lango, resolved relative to this module's file (works from src/ under vitest and from dist/src/ after `tsc` — both are two levels below the repo root: src/radius/ and dist/src/radius/ — so walk up until a folder containing `dictionaries/dictionary` is found). */
export function defaultDictionaryPath(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; ) {
    const candidate = join(dir, 'dictionaries', 'dictionary');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no dictionaries/dictionary found in ${start} or any folder above it`);
    dir = parent;
  }
}
