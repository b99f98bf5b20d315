import { typesMatchable, type Dialect } from '../dialect/dialect.js';
import type { TableInfo } from '../dialect/model.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import { displayValue } from './values.js';

/** One copy of a table whose key is checked. */
export interface KeySide {
  /** As messages name the copy: `the backup`, `live`. */
  label: string;
  table: TableInfo;
  /** What to read instead of the table itself (a SELECT in parentheses); default the table. */
  from?: string;
  /** Only the rows matching this condition count (diff's --where, checked already). */
  where?: string;
}

/** Repeating key values shown per copy. */
const SHOWN = 5;

/**
 * Rows are matched by key, so a key must identify one row in each copy: no row may have NULL in
 * it (NULL equals nothing, so such rows would vanish from every comparison and every write) and
 * no two rows may share its values. What a copy declares is trusted — a primary key, or a unique
 * key inside the key's columns, and NOT NULL columns; the rest is counted in the database.
 * Refuses with the reason: how many rows have NULL in it, or the first repeating values and
 * their counts, per copy.
 */
export async function checkKeyIdentifies(q: Queryable, d: Dialect, key: string[], sides: KeySide[], display: string): Promise<void> {
  const keyText = `key (${key.join(', ')}) of ${display}`;
  const source = (s: KeySide) => `${s.from ?? d.quoteQualified(s.table.schema, s.table.name)} t${s.where ? ` WHERE (${s.where})` : ''}`;
  const andWhere = (s: KeySide, cond: string) => (s.where ? ` AND (${cond})` : ` WHERE ${cond}`);
  for (const s of sides) {
    const missing = key.find((k) => !s.table.columns.some((c) => c.name === k));
    if (missing)
      throw new UserError(`${keyText}: column "${missing}" is not in ${s.label}'s copy`, `Its columns: ${s.table.columns.map((c) => c.name).join(', ')}`);
  }
  checkKeyTypes(d, key, sides, display);
  const nulls: string[] = [];
  for (const s of sides) {
    const nullable = key.filter((k) => s.table.columns.find((c) => c.name === k)!.nullable);
    if (!nullable.length) continue;
    const [{ n }] = await q.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM ${source(s)}${andWhere(s, nullable.map((k) => `t.${d.quoteIdent(k)} IS NULL`).join(' OR '))}`,
    );
    if (Number(n)) nulls.push(`${Number(n)} row(s) of ${s.label}`);
  }
  if (nulls.length) {
    throw new UserError(
      `${keyText} is NULL in ${nulls.join(' and ')}, and a NULL key matches no row`,
      'Pass --key with columns that are never NULL (the primary key, or a unique key of NOT NULL columns)',
    );
  }
  const repeats: string[] = [];
  for (const s of sides) {
    if (declaredUnique(s.table, key)) continue;
    const cols = key.map((k) => `t.${d.quoteIdent(k)}`).join(', ');
    const rows = await q.query<Record<string, unknown>>(
      `SELECT ${key.map((k, i) => `t.${d.quoteIdent(k)} AS k${i}`).join(', ')}, count(*) AS n FROM ${source(s)} GROUP BY ${cols} HAVING count(*) > 1 ORDER BY count(*) DESC, ${cols} LIMIT ${SHOWN}`,
    );
    if (!rows.length) continue;
    const values = rows.map((r) => {
      const parts = key.map((_, i) => shown(r[`k${i}`]));
      return `${parts.length === 1 ? parts[0] : `(${parts.join(', ')})`} ×${Number(r.n)}`;
    });
    repeats.push(`in ${s.label} (${values.join(', ')}${rows.length === SHOWN ? ', …' : ''})`);
  }
  if (repeats.length) {
    throw new UserError(
      `${keyText} does not identify one row: values repeat ${repeats.join(' and ')}`,
      'Pass --key with columns whose values are unique (the primary key, or a unique key)',
    );
  }
}

/**
 * Rows are matched by `=` on the key: a key column retyped since the backup into another kind of
 * type (integer → varchar, varchar → uuid) cannot be matched exactly (PostgreSQL has no such
 * `=`, MySQL would convert: '01' = 1), so it is refused, naming the column and both types.
 */
export function checkKeyTypes(d: Pick<Dialect, 'typeFamily'>, key: string[], sides: Pick<KeySide, 'label' | 'table'>[], display: string): void {
  const [first, ...others] = sides;
  for (const k of key) {
    const a = first?.table.columns.find((c) => c.name === k);
    for (const s of others) {
      const b = s.table.columns.find((c) => c.name === k);
      if (a && b && !typesMatchable(d, a.dataType, b.dataType)) {
        throw new UserError(
          `key column "${k}" of ${display} is ${a.dataType} in ${first.label} and ${b.dataType} in ${s.label}, so rows cannot be matched by it`,
          'Pass --key with columns whose type has not changed since the backup',
        );
      }
    }
  }
}

/** A primary key or unique key whose columns all belong to the key: the key is unique (NULLs aside). */
function declaredUnique(t: TableInfo, key: string[]): boolean {
  return [t.primaryKey, ...t.uniqueKeys].some((k) => k && k.columns.length > 0 && k.columns.every((c) => key.includes(c)));
}

function shown(v: unknown): string {
  const s = String(displayValue(v));
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}
