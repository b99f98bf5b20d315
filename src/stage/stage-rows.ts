import { randomBytes } from 'node:crypto';
import type { Db } from '../connect/open.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import type { ProgressListener } from '../progress/event.js';
import { nowIso } from '../util/clock.js';
import { narrowToKeys, type KeyFilter } from './key-filter.js';
import { loadRows } from './load-rows.js';
import { ensureStagingNamespace, readStaging, recordStaged, stagedName, type StagedTable } from './namespace.js';
import type { LoadedCopy, RowSource, SourceTable } from './row-source.js';

/** How to stage from a source. */
export interface StageFromOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /**
   * Skip tables already staged from this source (unless the source grows: see RowSource.grows)
   * when what is staged serves (see servesFilter).
   */
  onlyMissing?: boolean;
  /** Targeted staging: the tables to stage only some rows of (see KeyFilter); the others are staged whole. */
  filters?: Map<SourceTable, KeyFilter>;
}

/** One table staged from a source. */
export interface StagedFromSource extends StagedTable {
  seconds: number;
  /** The source's table it came from. */
  from: SourceTable;
  /** What the copy left out (LoadedCopy.note). */
  note?: string;
}

/**
 * Stages tables of a row source into the source's staging namespace on the live server
 * (DESIGN.md safety rule 2): each copy is built under a temporary name — by the source's own load
 * when it has one, else from its definition and rows — then swapped in and recorded in the
 * namespace's marker in one step, so a failure leaves an earlier staged copy intact. Live tables
 * are never written; the connection must be read-write only for the staging namespace. Loads of
 * small tables overlap (up to CONCURRENT_LOADS); swaps, records and `done` progress events keep
 * the order of `tables`, and a failure stages none of the tables after the one that failed.
 */
export async function stageFromSource(
  db: Db,
  source: RowSource,
  tables: SourceTable[],
  opts: StageFromOptions = {},
): Promise<{ namespace: string; tables: StagedFromSource[] }> {
  const d = db.dialect;
  const ns = await ensureStagingNamespace(db, d, db.target.database, source.id);
  let all = tables;
  if (opts.onlyMissing && !source.grows) {
    const current = await readStaging(db, d, ns);
    const have = new Map(current?.tables.map((t) => [`${t.schema}\0${t.name}`, t]) ?? []);
    all = all.filter((t) => {
      const staged = have.get(`${t.live.schema}\0${t.live.name}`);
      return !staged || !servesFilter(staged, opts.filters?.get(t));
    });
  }
  const defaultSchema = d.defaultSchema(source.database);
  const total = all.reduce((s, t) => s + (t.bytes ?? 0), 0);
  let doneBytes = 0;
  const loadingBytes = new Map<number, number>();
  const out: StagedFromSource[] = [];
  const started = performance.now();
  // Loads of later tables are stopped when one fails (theirs is not the error to report).
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const load = (i: number): Loading => {
    const t = all[i];
    const display = `${t.schema}.${t.name}`;
    let lastEmit = 0;
    const emit = (bytes: number) => {
      loadingBytes.set(i, bytes);
      // Progress as backup reports it: a few events a second, not one per chunk.
      const now = performance.now();
      if (now - lastEmit < 200) return;
      lastEmit = now;
      const sofar = doneBytes + [...loadingBytes.values()].reduce((a, b) => a + b, 0);
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? sofar / secs : 0;
      opts.onProgress?.({
        operation: 'stage',
        phase: 'load',
        table: display,
        done: out.length,
        total: all.length,
        bytes: sofar,
        rate,
        etaSeconds: rate > 0 ? Math.max(0, (total - sofar) / rate) : null,
      });
    };
    const t0 = performance.now();
    emit(0);
    const stagedAs = stagedName(d, t.schema, t.name, defaultSchema);
    const temporaryName = `${stagedAs.slice(0, 40)}__new_${randomBytes(3).toString('hex')}`;
    const filter = opts.filters?.get(t);
    const copy = t.load
      ? t.load({ db, namespace: ns, temporaryName, onBytes: emit, signal, ...(filter && { filter }) })
      : loadRows(db, t, { schema: ns, name: temporaryName }, signal, filter);
    copy.catch(() => undefined);
    return { t0, stagedAs, copy };
  };
  const loads: Loading[] = [];
  try {
    for (const [i, t] of all.entries()) {
      // The tables after this one start now when they are small and only small ones come
      // between (see CONCURRENT_LOADS); they are swapped in in order, after this one.
      for (let j = loads.length; j < Math.min(all.length, i + CONCURRENT_LOADS); j++) {
        if (j > i && !all.slice(i, j + 1).every(isSmall)) break;
        loads.push(load(j));
      }
      const { t0, stagedAs, copy: loading } = loads[i];
      const copy = await loading;
      let staged: StagedTable;
      try {
        // A targeted copy is narrowed exactly to its keys, by the engine, before anyone reads it.
        const filter = opts.filters?.get(t);
        const narrowed = filter ? await narrowToKeys(db, copy.table, filter, { countFound: filter.countFound ?? false }) : null;
        const rows = narrowed?.rows ?? copy.rows ?? (await countRows(db, copy.table));
        staged = { schema: t.live.schema, name: t.live.name, stagedAs, rows, bytes: copy.bytes, stagedAt: '' };
        if (filter && narrowed) staged.targeted = { keys: filter.keys.length, found: narrowed.found, digest: filter.digest };
        await swapIn(db, ns, source.id, copy, staged);
      } finally {
        await copy.cleanup();
      }
      loadingBytes.delete(i);
      doneBytes += copy.bytes ?? 0;
      out.push({ ...staged, stagedAt: nowIso(), seconds: (performance.now() - t0) / 1000, from: t, ...(copy.note && { note: copy.note }) });
      opts.onProgress?.({
        operation: 'stage',
        phase: 'done',
        table: `${t.schema}.${t.name}`,
        done: i + 1,
        total: all.length,
        bytes: doneBytes,
        rate: 0,
        etaSeconds: 0,
      });
    }
  } catch (err) {
    // Nothing is left behind: the loads still running are stopped, and the copies already built
    // after the failed table are dropped unstaged, as if they had never started.
    stop.abort();
    await Promise.all(loads.slice(out.length + 1).map((l) => l.copy.then((c) => c.cleanup()).catch(() => undefined)));
    throw err;
  }
  return { namespace: ns, tables: out };
}

/**
 * Tables whose loads may overlap, each at most SMALL_TABLE_BYTES: a stage run of a CRM's related
 * tables is mostly empty or small tables, whose cost is starting a client and a few round trips
 * (the machine waits on them, idle), not reading. A larger table, or one of unknown size, loads
 * alone, as the only load on the live server.
 */
const CONCURRENT_LOADS = 3;
const SMALL_TABLE_BYTES = 4 << 20;

/**
 * Whether a staged copy serves a request: a whole copy serves a whole request, a targeted one
 * only the same filter. (A whole copy is restaged targeted when keys are asked for, so that a
 * diff or merge by keys reads exactly those rows; prepareTables keeps a whole copy of a source
 * read once.)
 */
export function servesFilter(staged: Pick<StagedTable, 'targeted'>, filter: KeyFilter | undefined): boolean {
  if (!staged.targeted) return filter === undefined;
  return filter !== undefined && staged.targeted.digest === filter.digest;
}

function isSmall(t: SourceTable): boolean {
  return t.bytes !== null && t.bytes <= SMALL_TABLE_BYTES;
}

/** A table's load under way. */
interface Loading {
  t0: number;
  stagedAs: string;
  copy: Promise<LoadedCopy>;
}

/**
 * Old copy out, new one in, marker updated: one transaction where DDL is transactional, else
 * one atomic RENAME followed by the marker (a failure between them leaves the marker's earlier
 * row, whose counts the next staging replaces).
 */
async function swapIn(db: Db, ns: string, sourceId: string, copy: LoadedCopy, t: StagedTable): Promise<void> {
  const d = db.dialect;
  const to = { schema: ns, name: t.stagedAs };
  if (!d.capabilities.transactionalDdl) {
    await d.replaceTable(db, copy.table, to, copy.aside);
    await recordStaged(db, d, ns, sourceId, db.target.database, t);
    return;
  }
  await db.withConnection(async (conn) => {
    await conn.query('BEGIN');
    try {
      await d.replaceTable(conn, copy.table, to, copy.aside);
      await recordStaged(conn, d, ns, sourceId, db.target.database, t);
      await conn.query('COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

async function countRows(db: Db, table: QualifiedName): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${db.dialect.quoteQualified(table.schema, table.name)}`);
  return Number(n);
}
