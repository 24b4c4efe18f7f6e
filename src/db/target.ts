/**
 * Whether a LANGO_DB value names a PostgreSQL server rather than a SQLite file. A leaf module:
 * configuration, test scaffolding and the connection code all decide the backend by this one
 * rule, and none of them needs the database drivers to do it.
 */
export const isPostgresUrl = (target: string): boolean => /^postgres(?:ql)?:\/\//i.test(target);
