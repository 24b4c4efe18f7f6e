import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { taxClasses, taxRules } from '../db/schema/ledger.js';
import { LangoError } from '../errors.js';
import { validateTaxRule, type TaxClass, type TaxRule } from './tax.js';

const CODE = /^[A-Za-z0-9_-]{1,32}$/;

/** Creates or replaces a tax class: its rules apply in the order given. */
export function saveTaxClass(db: Db, input: { code: string; name: string; inclusive: boolean; rules: TaxRule[] }): TaxClass {
  if (!CODE.test(input.code)) throw new LangoError('INPUT_BAD_TAX', { value: input.code, reason: 'the class code is 1 to 32 letters, digits, - or _' });
  for (const rule of input.rules) {
    const reason = validateTaxRule(rule) ?? (CODE.test(rule.code) ? null : 'the tax code is 1 to 32 letters, digits, - or _');
    if (reason) throw new LangoError('INPUT_BAD_TAX', { value: `${rule.code}:${rule.name}:${rule.rateBasisPoints / 100}`, reason });
  }
  return db.transaction((tx) => {
    tx.insert(taxClasses)
      .values({ code: input.code, name: input.name, inclusive: input.inclusive })
      .onConflictDoUpdate({ target: taxClasses.code, set: { name: input.name, inclusive: input.inclusive } })
      .run();
    tx.delete(taxRules).where(eq(taxRules.classCode, input.code)).run();
    input.rules.forEach((rule, position) => {
      tx.insert(taxRules).values({ classCode: input.code, position, code: rule.code, name: rule.name, rateBasisPoints: rule.rateBasisPoints, compound: rule.compound }).run();
    });
    return findTaxClass(tx as Db, input.code)!;
  }, { behavior: 'immediate' });
}

export function findTaxClass(db: Db, code: string): TaxClass | undefined {
  const cls = db.select().from(taxClasses).where(eq(taxClasses.code, code)).get();
  if (!cls) return undefined;
  const rules = db.select().from(taxRules).where(eq(taxRules.classCode, code)).orderBy(asc(taxRules.position)).all();
  return {
    code: cls.code,
    inclusive: cls.inclusive,
    rules: rules.map((r) => ({ code: r.code, name: r.name, rateBasisPoints: r.rateBasisPoints, compound: r.compound })),
  };
}

export function listTaxClasses(db: Db): Array<TaxClass & { name: string }> {
  return db
    .select()
    .from(taxClasses)
    .orderBy(asc(taxClasses.code))
    .all()
    .map((c) => ({ ...findTaxClass(db, c.code)!, name: c.name }));
}
