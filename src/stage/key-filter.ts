import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../connect/open.js';
import type { Dialect } from '../dialect/dialect.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import { UserError } from '../errors.js';

/**
 * Targeted staging: the rows to stage, by the values of some columns (a table's key: the keys
 * the audit log, an incident or `--keys-from` names; or a related table's reference to them).
 * A source's reader may leave rows out as it reads (`matcherFor`: a cheap text comparison that
 * keeps every row the database could call equal, and perhaps a few more), and the stager then
 * narrows the copy exactly, in the database, with the engine's own equality (`narrowToKeys`).
 * So a reader never decides alone what "the same key" means, and one that cannot filter simply
 * passes every row.
 */
export interface KeyFilter {
  /** Column names, as the source's table names them. */
  columns: string[];
  /** The wanted values, one array per key in `columns` order (JSON scalars as given; duplicates removed). */
  keys: unknown[][];
  /** sha256 of the columns and the keys: the staging marker records it, and a copy is reused only for the same filter. */
  digest: string;
  /** Count the wanted keys found (a table's own key; not a reference, which many rows may share). */
  countFound?: boolean;
}

/** Keys as objects (`{"id": 12}`, as --keys-from and the audit give them) → a filter on `columns`; null when a key lacks a column. */
export function keyFilterOf(columns: string[], keys: Record<string, unknown>[]): KeyFilter | null {
  const seen = new Map<string, unknown[]>();
  for (const k of keys) {
    if (!columns.every((c) => c in k)) return null;
    const values = columns.map((c) => k[c]);
    // A NULL is no key: no row is equal to it.
    if (values.some((v) => v === null || v === undefined)) continue;
    seen.set(JSON.stringify(values.map(String)), values);
  }
  return { ...filterOfValues(columns, [...seen.values()]), countFound: true };
}

/** A filter on `columns` from value tuples (already distinct). */
export function filterOfValues(columns: string[], keys: unknown[][]): KeyFilter {
  const h = createHash('sha256').update(JSON.stringify(columns));
  for (const k of keys.map((v) => JSON.stringify(v.map(String))).sort()) h.update('\n').update(k);
  return { columns, keys, digest: h.digest('hex') };
}

/**
 * A matcher for values as a reader decodes them to text (null for NULL): true for every row
 * whose values the database may call equal to a wanted key. Text is compared folded, so a
 * case- or accent-insensitive collation, a padded CHAR or a number written with other zeros
 * never loses a row here; narrowToKeys removes the rows the engine calls different.
 */
export function matcherFor(f: KeyFilter): (values: (string | null)[]) => boolean {
  const wanted = new Set(f.keys.map((k) => k.map((v) => fold(String(v))).join('\0')));
  if (f.columns.length === 1)
    return (values) => {
      const v = values[0];
      return v !== null && v !== undefined && wanted.has(fold(v));
    };
  return (values) => {
    if (values.some((v) => v === null || v === undefined)) return false;
    return wanted.has(values.map((v) => fold(v as string)).join('\0'));
  };
}

const PLAIN = /^[0-9a-z_-]*$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?\d*\.\d+$/;

/** One value's comparison form: lower case, trailing spaces dropped, accents removed, numbers canonical. */
function fold(text: string): string {
  // The common case (ids, UUIDs, integers) costs one regular-expression test.
  if (PLAIN.test(text)) return INTEGER.test(text) ? canonicalInteger(text) : text;
  let t = text.toLowerCase().replace(/ +$/, '');
  if (INTEGER.test(t)) return canonicalInteger(t);
  if (DECIMAL.test(t)) return t.replace(/^([+-]?)0*(?=\d|\.)/, '$1').replace(/\.?0+$/, '') || '0';

  if (!/^[\x00-\x7f]*$/.test(t)) t = t.normalize('NFKD').replace(/\p{M}/gu, '');
  return t;
}

function canonicalInteger(t: string): string {
  const neg = t.startsWith('-');
  const digits = t.replace(/^[+-]?0*/, '');
  return digits ? `${neg ? '-' : ''}${digits}` : '0';
}

/**
 * `columns IN (…)` of these keys, as quoted literals (the server casts them as it casts a
 * parameter): how a diff of a targeted copy is kept to its keys on both sides, and a class is
 * narrowed to the keys on a whole copy.
 */
export function keysCondition(d: Dialect, columns: string[], keys: unknown[][]): string {
  if (!keys.length) return '1 = 0';
  const lit = (v: unknown) => d.quoteLiteral(String(v));
  if (columns.length === 1) return `(${d.quoteIdent(columns[0])} IN (${keys.map((k) => lit(k[0])).join(', ')}))`;
  return `((${columns.map((c) => d.quoteIdent(c)).join(', ')}) IN (${keys.map((k) => `(${k.map(lit).join(', ')})`).join(', ')}))`;
}

/** What narrowing left. */
export interface Narrowed {
  /** Rows of the copy after narrowing. */
  rows: number;
  /** Distinct wanted keys found in the copy (null when not counted). */
  found: number | null;
}

/** Keys per INSERT into the key table: far below both engines' parameter limits. */
const KEYS_PER_INSERT = 1000;

/**
 * Narrows a freshly loaded copy (not yet swapped in, so nobody reads it) to the rows whose
 * `columns` equal a wanted key, by the engine's own comparison: the keys go into a table typed
 * like the copy's columns (the server casts them as it would in a WHERE), every other row is
 * deleted, and the key table is dropped. Returns null when the copy lacks one of the columns (a
 * source whose table differs from live's: the copy then stays whole, and says so).
 */
export async function narrowToKeys(db: Db, copy: QualifiedName, f: KeyFilter, opts: { countFound: boolean }): Promise<Narrowed | null> {
  const d = db.dialect;
  const cols = await db.query<{ name: string }>(
    d.capabilities.stagingIsSchema
      ? 'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2'
      : 'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?',
    [copy.schema, copy.name],
  );
  const have = new Set(cols.map((c) => c.name));
  if (!f.columns.every((c) => have.has(c))) return null;
  const table = d.quoteQualified(copy.schema, copy.name);
  const keys = d.quoteQualified(copy.schema, `${copy.name.slice(0, 40)}__k${randomBytes(3).toString('hex')}`);
  const list = f.columns.map((c) => d.quoteIdent(c)).join(', ');
  const on = f.columns.map((c) => `k.${d.quoteIdent(c)} = c.${d.quoteIdent(c)}`).join(' AND ');
  try {
    await db.query(`CREATE TABLE ${keys} AS SELECT ${list} FROM ${table} WHERE 1 = 0`);
    for (let i = 0; i < f.keys.length; i += KEYS_PER_INSERT) {
      const part = f.keys.slice(i, i + KEYS_PER_INSERT);
      let p = 0;
      const values = part.map((k) => `(${k.map(() => d.placeholder(++p)).join(', ')})`).join(', ');
      await db.query(`INSERT INTO ${keys} (${list}) VALUES ${values}`, part.flat()).catch((err: unknown) => {
        if (!notAValue(err)) throw err;
        // No row can hold it (a number out of the column's range, text in a number column).
        const detail = ((err as Error).message || String(err)).split('\n')[0];
        throw new UserError(
          `a key given is not a value of the key column${f.columns.length === 1 ? '' : 's'} (${f.columns.join(', ')}): ${detail}`,
          'remove it from --keys/--keys-from',
        );
      });
    }
    // An index on the wanted keys: MySQL runs NOT EXISTS as a nested loop. A column type that
    // cannot be indexed whole (TEXT) only makes it slower.
    await db.query(`CREATE INDEX ${d.quoteIdent(`crs_k_${randomBytes(3).toString('hex')}`)} ON ${keys} (${list})`).catch(() => undefined);
    if (d.capabilities.stagingIsSchema) await db.query(`ANALYZE ${keys}`);
    // DELETE with an alias: PostgreSQL's `DELETE FROM t c`, MySQL's multi-table `DELETE c FROM t c`.
    const del = d.capabilities.stagingIsSchema ? `DELETE FROM ${table} c` : `DELETE c FROM ${table} c`;
    await db.query(`${del} WHERE NOT EXISTS (SELECT 1 FROM ${keys} k WHERE ${on})`);
    const [{ n }] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`);
    let found: number | null = null;
    if (opts.countFound) {
      const [{ m }] = await db.query<{ m: number | string }>(
        `SELECT count(*) AS m FROM (SELECT DISTINCT ${f.columns.map((c) => `k.${d.quoteIdent(c)}`).join(', ')} FROM ${keys} k WHERE EXISTS (SELECT 1 FROM ${table} c WHERE ${on})) x`,
      );
      found = Number(m);
    }
    return { rows: Number(n), found };
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${keys}`).catch(() => undefined);
  }
}

/** A value the column's type cannot hold: SQLSTATE class 22; MySQL 1264, 1292, 1366, 1406. */
function notAValue(err: unknown): boolean {
  const e = err as { code?: unknown; sqlState?: unknown; errno?: unknown } | null;
  return (
    (typeof e?.code === 'string' && e.code.startsWith('22')) ||
    (typeof e?.sqlState === 'string' && e.sqlState.startsWith('22')) ||
    [1264, 1292, 1366, 1406].includes(Number(e?.errno))
  );
}
