import type { z } from 'zod';
import type { ConfigurableModule } from './module-config.js';

// A pluggable module's settings as form fields, read from its own zod schema, so the staff
// settings page needs no edit when a provider or gateway gains a field. Fields a flat form
// cannot hold (nested objects, maps) are reported as 'other' and left to the CLI.

export type ConfigFieldKind = 'text' | 'number' | 'boolean' | 'choice' | 'list' | 'numberList' | 'other';

export interface ConfigField {
  name: string;
  kind: ConfigFieldKind;
  /** Sealed in the secrets table: never shown, a blank field keeps what is stored. */
  secret: boolean;
  /** Neither optional nor defaulted: the configuration is incomplete without it. */
  required: boolean;
  /** For 'choice'. */
  options?: readonly string[];
  /** The module's own words about the field (English, from the schema). */
  description?: string;
  /** What applies when nothing is stored (shown, and a checkbox's state before the first save). */
  defaultValue?: unknown;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  defaultValue?: unknown;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schema under transforms and pipes (MoMo's schema is an object piped into a transform). */
function objectOf(schema: z.ZodType): Record<string, z.ZodType> {
  const def = defOf(schema);
  if (def.type === 'object' && def.shape) return def.shape;
  if (def.type === 'pipe' && def.in) return objectOf(def.in);
  return {};
}

function kindOf(schema: z.ZodType): { kind: ConfigFieldKind; options?: readonly string[] } {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return { kind: 'text' };
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'choice', options: Object.values(def.entries ?? {}) };
    case 'optional':
    case 'default':
    case 'nullable':
      return kindOf(def.innerType!);
    case 'pipe': {
      // What it ends as when that is a plain kind (a currency refined into an enum), else what it takes.
      const out = kindOf(def.out!);
      return out.kind === 'other' ? kindOf(def.in!) : out;
    }
    case 'union': {
      const kinds = (def.options ?? []).map((option) => kindOf(option).kind);
      return kinds.length > 0 && kinds.every((k) => k === 'text' || k === 'number') ? { kind: 'text' } : { kind: 'other' };
    }
    case 'array': {
      const element = kindOf(def.element!).kind;
      return element === 'text' ? { kind: 'list' } : element === 'number' ? { kind: 'numberList' } : { kind: 'other' };
    }
    default:
      return { kind: 'other' };
  }
}

function isRequired(schema: z.ZodType): boolean {
  const def = defOf(schema);
  if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') return false;
  if (def.type === 'pipe') return isRequired(def.in!);
  return true;
}

function defaultOf(schema: z.ZodType): unknown {
  const def = defOf(schema);
  if (def.type === 'default') return def.defaultValue;
  if (def.type === 'optional' || def.type === 'nullable') return defaultOf(def.innerType!);
  if (def.type === 'pipe') return defaultOf(def.in!);
  return undefined;
}

function descriptionOf(schema: z.ZodType): string | undefined {
  const own = (schema as unknown as { description?: string }).description;
  if (own !== undefined) return own;
  const def = defOf(schema);
  const inner = def.innerType ?? def.in;
  return inner ? descriptionOf(inner) : undefined;
}

export function configFields(module: ConfigurableModule<unknown>): ConfigField[] {
  return Object.entries(objectOf(module.configSchema as z.ZodType)).map(([name, schema]) => {
    const { kind, options } = kindOf(schema);
    const description = descriptionOf(schema);
    const defaultValue = defaultOf(schema);
    return {
      name,
      kind,
      secret: module.secretFields.includes(name),
      required: isRequired(schema),
      ...(options && { options }),
      ...(description !== undefined && { description }),
      ...(defaultValue !== undefined && { defaultValue }),
    };
  });
}

export type FormReading = { ok: true; fields: Record<string, unknown> } | { ok: false; field: string; problem: 'required' | 'number' | 'choice' };

/**
 * The values of a submitted form, ready for saveModuleConfig. A blank plain field goes back to
 * its default (or is removed); a blank secret keeps the stored one; 'other' fields are not touched.
 * `shown` is describeModuleConfig's answer: it says which secrets are set.
 */
export function readConfigForm(fields: readonly ConfigField[], form: Record<string, unknown>, shown: Record<string, unknown>): FormReading {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.kind === 'other') continue;
    const raw = typeof form[field.name] === 'string' ? (form[field.name] as string).trim() : '';
    if (field.secret) {
      if (raw !== '') out[field.name] = raw;
      else if (field.required && shown[field.name] !== '(set)') return { ok: false, field: field.name, problem: 'required' };
      continue;
    }
    if (field.kind === 'boolean') {
      out[field.name] = raw === 'yes';
      continue;
    }
    if (raw === '') {
      if (field.required) return { ok: false, field: field.name, problem: 'required' };
      out[field.name] = undefined;
      continue;
    }
    if (field.kind === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) return { ok: false, field: field.name, problem: 'number' };
      out[field.name] = Number(raw);
    } else if (field.kind === 'choice') {
      if (!field.options?.includes(raw)) return { ok: false, field: field.name, problem: 'choice' };
      out[field.name] = raw;
    } else if (field.kind === 'list' || field.kind === 'numberList') {
      const items = raw.split(/[\s,]+/).filter((item) => item !== '');
      if (field.kind === 'numberList' && !items.every((item) => /^-?\d+$/.test(item))) return { ok: false, field: field.name, problem: 'number' };
      out[field.name] = field.kind === 'numberList' ? items.map(Number) : items;
    } else out[field.name] = raw;
  }
  return { ok: true, fields: out };
}
