import { describe, expect, it } from 'vitest';
import { bind, translate } from './translate.js';

describe('SQLite SQL for PostgreSQL', () => {
  it('numbers ? parameters and binds named ones from an object, leaving quoted text alone', () => {
    const t = translate(`SELECT "a?b", 'it''s ? @x' FROM t WHERE a = ? AND b = @name AND c = :name AND d = ?`);
    expect(t.text).toBe(`SELECT "a?b", 'it''s ? @x' FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d = $4`);
    expect(t.slots).toEqual([0, 'name', 'name', 1]);
    expect(bind(translate('SELECT ?, ?').slots, [[7, null]])).toEqual([7, null]);
    expect(bind(translate('SELECT ?, ?').slots, [true, undefined])).toEqual([1, null]);
    expect(bind(translate('SELECT @from, @to').slots, [{ from: 1, to: 2n }])).toEqual([1, '2']);
    expect(() => bind(translate('SELECT @from').slots, [{}])).toThrow('missing named parameter "from"');
  });

  it('turns insert or ignore into on conflict do nothing, before any returning', () => {
    expect(translate('INSERT OR IGNORE INTO t (a) VALUES (?)').text).toBe('insert into t (a) VALUES ($1) on conflict do nothing');
    expect(translate('insert or ignore into t (a) values (?) returning id').text).toBe('insert into t (a) values ($1)  on conflict do nothing returning id');
  });

  it('drops the table from drizzle\'s conflict target and SQLite\'s planner hints', () => {
    expect(translate('insert into "settings" ("key") values (?) on conflict ("settings"."key") do update set "value" = ?').text).toBe(
      'insert into "settings" ("key") values ($1) on conflict ("key") do update set "value" = $2',
    );
    expect(translate('SELECT id FROM invoices NOT INDEXED WHERE id > ?').text).toBe('SELECT id FROM invoices  WHERE id > $1');
    expect(translate('SELECT max(at) FROM samples INDEXED BY samples_by_nas WHERE nas_id = ?').text).toBe('SELECT max(at) FROM samples  WHERE nas_id = $1');
    expect(translate('SELECT * FROM unnest(CAST(? AS bigint[]))').text).toBe('SELECT * FROM unnest(CAST($1 AS bigint[]))');
  });

  it('keeps SQLite meanings: like ignores case, integer is 64 bits, real is a double, ifnull and limit -1', () => {
    expect(translate("SELECT CAST(x AS INTEGER), CAST(y AS REAL), ifnull(z, 0) FROM t WHERE n LIKE ? LIMIT -1").text).toBe(
      'SELECT CAST(x as bigint), CAST(y as double precision), coalesce(z, 0) FROM t WHERE n ilike $1 limit all',
    );
  });

  it('refuses SQLite-only statements instead of sending them', () => {
    expect(() => translate('INSERT OR REPLACE INTO t VALUES (1)')).toThrow('SQLite-only statement reached PostgreSQL');
    expect(() => translate('PRAGMA foreign_keys = ON')).toThrow('SQLite-only statement');
  });
});
