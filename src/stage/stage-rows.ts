import { randomBytes } from 'node:crypto';
import type { Db } from '../connect/open.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import type { ProgressListener } from '../progress/event.js';
import { nowIso } from '../util/clock.js';
import { loadRows } from './load-rows.js';
import { ensureStagingNamespace, readStaging, recordStaged, stagedName, type StagedTable } from './namespace.js';
import type { LoadedCopy, RowSource, SourceTable } from './row-source.js';

/** How to stage from a source. */
export interface StageFromOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Skip tables already staged from this source. */
  onlyMissing?: boolean;
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
 * are never written; the connection must be read-write only for the staging namespace.
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
  if (opts.onlyMissing) {
    const current = await readStaging(db, d, ns);
    const have = new Set(current?.tables.map((t) => `${t.schema}\0${t.name}`) ?? []);
    all = all.filter((t) => !have.has(`${t.live.schema}\0${t.live.name}`));
  }
  const defaultSchema = d.defaultSchema(source.database);
  const total = all.reduce((s, t) => s + (t.bytes ?? 0), 0);
  let doneBytes = 0;
  const started = performance.now();
  const out: StagedFromSource[] = [];
  for (const [i, t] of all.entries()) {
    const t0 = performance.now();
    const display = `${t.schema}.${t.name}`;
    let lastEmit = 0;
    const emit = (bytes: number) => {
      // Progress as backup reports it: a few events a second, not one per chunk.
      const now = performance.now();
      if (now - lastEmit < 200) return;
      lastEmit = now;
      const sofar = doneBytes + bytes;
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? sofar / secs : 0;
      opts.onProgress?.({
        operation: 'stage',
        phase: 'load',
        table: display,
        done: i,
        total: all.length,
        bytes: sofar,
        rate,
        etaSeconds: rate > 0 ? Math.max(0, (total - sofar) / rate) : null,
      });
    };
    emit(0);
    const stagedAs = stagedName(d, t.schema, t.name, defaultSchema);
    const temporaryName = `${stagedAs.slice(0, 40)}__new_${randomBytes(3).toString('hex')}`;
    const copy = t.load
      ? await t.load({ db, namespace: ns, temporaryName, onBytes: emit, signal: opts.signal })
      : await loadRows(db, t, { schema: ns, name: temporaryName }, opts.signal);
    let staged: StagedTable;
    try {
      const rows = copy.rows ?? (await countRows(db, copy.table));
      staged = { schema: t.live.schema, name: t.live.name, stagedAs, rows, bytes: copy.bytes, stagedAt: '' };
      await swapIn(db, ns, source.id, copy, staged);
    } finally {
      await copy.cleanup();
    }
    doneBytes += copy.bytes ?? 0;
    out.push({ ...staged, stagedAt: nowIso(), seconds: (performance.now() - t0) / 1000, from: t, ...(copy.note && { note: copy.note }) });
    opts.onProgress?.({ operation: 'stage', phase: 'done', table: display, done: i + 1, total: all.length, bytes: doneBytes, rate: 0, etaSeconds: 0 });
  }
  return { namespace: ns, tables: out };
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
