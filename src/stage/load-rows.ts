import type { Db } from '../connect/open.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import { matcherFor, type KeyFilter } from './key-filter.js';
import type { LoadedCopy, SourceTable } from './row-source.js';

/** A decoded value as the key matcher compares it; undefined for a value whose text form is not the one keys are given in (a date, bytes): such a row is kept. */
function textOf(v: unknown): string | null | undefined {
  if (v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** Placeholders per INSERT: below both engines' limit of 65,535 parameters per statement. */
const MAX_PARAMS = 30_000;
/** Rows per INSERT at most, whatever the width. */
const MAX_ROWS = 1_000;

/**
 * The stager's way for a source without a load of its own: creates `into` from the table's
 * definition (columns, types, NOT NULL; nothing that runs code), INSERTs the rows as they stream,
 * a batch at a time (memory holds one batch), then adds the keys, built once after the data.
 */
export async function loadRows(db: Db, t: SourceTable, into: QualifiedName, signal?: AbortSignal, filter?: KeyFilter): Promise<LoadedCopy> {
  if (!t.definition || !t.rows) throw new Error(`internal: source table ${t.schema}.${t.name} has neither rows nor a load of its own`);
  const d = db.dialect;
  const def = await t.definition();
  const target = d.quoteQualified(into.schema, into.name);
  const aside = { schema: into.schema, name: `${into.name}_old` };
  // The new copy when it was not swapped in, the old one when it was moved aside (MySQL).
  const cleanup = async () => {
    for (const x of [into, aside]) await db.query(`DROP TABLE IF EXISTS ${d.quoteQualified(x.schema, x.name)}`).catch(() => undefined);
  };
  const cols = def.columns.map((c) => d.quoteIdent(c.name)).join(', ');
  const perBatch = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / Math.max(1, def.columns.length))));
  // Targeted staging: rows of other keys are left out here already (the stager narrows exactly).
  const at = filter?.columns.map((c) => def.columns.findIndex((x) => x.name === c));
  const match = filter && at && at.every((i) => i >= 0) ? matcherFor(filter) : null;
  const wanted = (row: unknown[]) => {
    if (!match) return true;
    const values = at!.map((i) => textOf(row[i]));
    return values.includes(undefined) || match(values as (string | null)[]);
  };
  let rows = 0;
  try {
    await db.query(`CREATE TABLE ${target} (${def.columns.map((c) => `${d.quoteIdent(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`).join(', ')})`);
    let batch: unknown[][] = [];
    const flush = async () => {
      if (!batch.length) return;
      let p = 0;
      const values = batch.map((r) => `(${r.map(() => d.placeholder(++p)).join(', ')})`).join(', ');
      await db.query(`INSERT INTO ${target} (${cols}) VALUES ${values}`, batch.flat());
      rows += batch.length;
      batch = [];
    };
    for await (const row of t.rows(signal)) {
      signal?.throwIfAborted();
      if (row.length !== def.columns.length)
        throw new Error(`internal: a row of ${t.schema}.${t.name} has ${row.length} values for ${def.columns.length} columns`);
      if (!wanted(row)) continue;
      batch.push(row);
      if (batch.length >= perBatch) await flush();
    }
    await flush();
    const keys = [...(def.primaryKey ? [['PRIMARY KEY', def.primaryKey] as const] : []), ...def.uniqueKeys.map((k) => ['UNIQUE', k] as const)];
    for (const [kind, columns] of keys) await db.query(`ALTER TABLE ${target} ADD ${kind} (${columns.map((c) => d.quoteIdent(c)).join(', ')})`);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { table: into, aside, rows, bytes: null, cleanup };
}
