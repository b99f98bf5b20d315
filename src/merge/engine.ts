import type { Db } from '../connect/open.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, LockWaitError } from '../connect/lock-wait.js';
import type { TriggerBypass, TriggerInfo } from '../dialect/live.js';
import { internalNamespace } from '../dialect/namespaces.js';
import { ownTables } from '../dialect/own-tables-db.js';
import type { Queryable } from '../dialect/queryable.js';
import { BugError, UserError } from '../errors.js';
import { colList, tableContexts, type TableCtx } from './context.js';
import { checkConflicts } from './checks.js';
import { MergeConflictError, NoRowsMatchError } from './errors.js';
import { newMergeId } from './ids.js';
import { ensureJournal, finishHeader, insertHeader, type MergeRecord } from './journal.js';
import {
  isUndelete,
  type MergePartResult,
  type MergeRequest,
  type MergeResult,
  type PlannedTable,
  type RowOutcome,
  type SkipReason,
  type TriggerUse,
} from './model.js';
import { parentsFirst } from './order.js';
import { columnDrift } from './drift.js';
import { createSelectionTables, dropSelectionTables, expandRelated, selectRoot } from './selection.js';
import { expandUndelete, selectUndelete, undeleteNotes } from './undelete.js';
import { tableLocks } from './locks.js';
import { checkWrittenForeignKeys, mismatchError, triggerUses, verifyWrites, type WriteCheck } from './verify.js';
import { refreshStatistics } from './statistics.js';
import { writeTable } from './write.js';
import { nowMs } from '../util/clock.js';

/** Options of a prepared merge. */
export interface MergeSessionOptions {
  /** The staging namespace of the backup (where the staged tables and selection tables live). */
  stagingNs: string;
  mergeId?: string;
}

/** One root of a merge of several: its request and the staging namespace its rows are in. */
export interface MergePart {
  req: MergeRequest;
  stagingNs: string;
}

/** A merge whose selection is computed; it can be dry-run and applied, then must be closed. */
export interface MergeSession {
  readonly mergeId: string;
  /** Rows selected per table (before conflict checks). */
  readonly selected: { table: string; rows: number; via: string }[];
  /** The roots kept (a root none of whose rows is selected is left out), in write order. */
  readonly roots: { schema: string; name: string }[];
  /**
   * Runs the whole plan in one transaction: conflict checks, writes, journal. Rolls back unless
   * `apply`. `onOutcome` receives every row's outcome (page by page) before the transaction ends.
   * An apply checks everything a dry run does before its COMMIT (conflicts, verify); the CLI
   * and the console still run a dry run first (live is written only after a preview).
   */
  execute(apply: boolean, onOutcome?: (o: RowOutcome) => void, onProgress?: (p: MergeProgress) => void): Promise<MergeResult>;
  close(): Promise<void>;
}

/**
 * How far an execute is: tables written of the plan's, and rows gone through of those selected
 * (conflicting rows count once their table is done). `verify` comes once every table is
 * written, before the journal and the COMMIT or ROLLBACK. Only observes: a listener that throws
 * changes nothing.
 */
export interface MergeProgress {
  phase: 'write' | 'verify';
  /** The table being written (`schema.name`). */
  table?: string;
  tablesDone: number;
  tablesTotal: number;
  rowsDone: number;
  /** Rows selected in all (known once the merge is prepared). */
  rowsTotal: number;
}

/**
 * Prepares a merge on a read-write connection: orders the tables parents first, builds the
 * selection tables in the staging namespace (nothing is written to live here), brings related
 * rows along when asked, and remembers each selected live row as the diff saw it.
 */
export async function prepareMerge(db: Db, req: MergeRequest, opts: MergeSessionOptions): Promise<MergeSession> {
  return prepareMergeGroup(db, [{ req, stagingNs: opts.stagingNs }], { mergeId: opts.mergeId });
}

/** One part as the session holds it. */
interface PartCtx {
  req: MergeRequest;
  stagingNs: string;
  root: TableCtx;
  tables: TableCtx[];
  notes: string[];
}

/**
 * Prepares one merge of several roots (an incident's deleted contacts and soft-deleted accounts,
 * each with its related rows): one connection, one merge id, one journal entry, and at execute
 * one transaction for every part, so a failure in one table's part leaves every table as it was.
 * Parts come in the order given (parents first is the caller's); a part none of whose rows is
 * selected is left out, and when none is left the first part's NoRowsMatchError is thrown.
 * The parts must share the conflict policy; the header names their backups.
 */
export async function prepareMergeGroup(db: Db, parts: MergePart[], opts: { mergeId?: string } = {}): Promise<MergeSession> {
  if (!parts.length) throw new NoRowsMatchError('nothing was chosen to merge', 'crm-rescue diff shows what differs between the backup and live');
  const d = db.dialect;
  const mergeId = opts.mergeId ?? newMergeId();
  const internalNs = internalNamespace(d.engine, db.target.database);
  const serverVersion = await d.serverVersion(db);
  const first = parts[0].req;
  if (parts.some((p) => p.req.policy !== first.policy)) throw new BugError('the parts of one merge must share the conflict policy');
  const withoutTriggers = parts.some((p) => p.req.withoutTriggers);
  const lockSeconds = Math.max(...parts.map((p) => p.req.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS));
  const erasureHashes = [...new Set(parts.flatMap((p) => p.req.erasureHashes))];
  const erasures = erasureHashes.length ? d.quoteQualified(parts[0].stagingNs, `_erasures_${mergeId}`) : null;

  let nextIdx = 0;
  let ctxs: PartCtx[] = parts.map(({ req, stagingNs }) => {
    const inPlan = [{ table: req.root, via: 'selection' }, ...(req.withRelated ? req.related.map((t) => ({ table: t, via: 'related' })) : [])];
    const ordered = parentsFirst(
      inPlan.map((p) => ({ ...p, schema: p.table.live.schema, name: p.table.live.name })),
      req.relations,
    );
    const tables = tableContexts(d, ordered, { mergeId, stagingNs, internalNs, firstIdx: nextIdx });
    nextIdx += tables.length;
    return { req, stagingNs, tables, root: tables.find((t) => t.table === req.root)!, notes: [] };
  });
  const allTables = () => ctxs.flatMap((c) => c.tables);

  // One connection for the whole session: the selection must outlive the dry run.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const ready = new Promise<Queryable>((resolveConn, rejectConn) => {
    db.withConnection(async (conn) => {
      resolveConn(conn);
      await held;
    }).catch(rejectConn);
  });
  const conn = await ready;
  // The live tables' triggers (read once: the preview lists those the plan sets off).
  const triggers = new Map<TableCtx, TriggerInfo[]>();
  let bypass: TriggerBypass = { refused: 'not asked' };
  const built: TableCtx[] = [];
  const cleanup = async () => {
    await dropSelectionTables(conn, built);
    if (erasures) await conn.query(`DROP TABLE IF EXISTS ${erasures}`).catch(() => undefined);
  };
  const selected: { part: PartCtx; table: TableCtx; rows: number }[] = [];
  try {
    // Selecting rows must not lock live rows (MySQL's INSERT … SELECT does under REPEATABLE
    // READ), and any wait is bounded.
    await conn.query(d.readCommitted());
    // Settings that outlive a transaction are made once here; transaction-local ones at each BEGIN.
    const session = [
      ...d.sessionLockTimeouts(lockSeconds),
      ...(d.capabilities.transactionLocalSettings ? [] : d.transactionTimeouts(lockSeconds, first.statementTimeoutSeconds ?? 900, serverVersion)),
    ];
    for (const s of session) await conn.query(s);
    bypass = await d.triggerBypass(conn);
    if (withoutTriggers && 'refused' in bypass) {
      throw new UserError(
        `--without-triggers cannot be honoured: ${bypass.refused}`,
        'Merge without it (the preview lists the triggers that fire), or disable the triggers while merging',
      );
    }
    await ensureJournal(conn, d, internalNs);
    for (const ns of new Set(ctxs.map((c) => c.stagingNs))) await sweepOrphans(conn, db, internalNs, ns);
    if (erasures) {
      await conn.query(`CREATE TABLE ${erasures} (h varchar(64) PRIMARY KEY)`);
      for (let i = 0; i < erasureHashes.length; i += 500) {
        const part = erasureHashes.slice(i, i + 500);
        await conn.query(`INSERT INTO ${erasures} (h) VALUES ${part.map((_, j) => `(${d.placeholder(j + 1)})`).join(', ')}`, part);
      }
    }
    for (const c of ctxs) {
      built.push(...c.tables);
      await createSelectionTables(conn, d, c.tables);
      const undelete = c.req.selections.find((s) => s.kind === 'undelete');
      if (undelete) {
        await selectUndelete(conn, d, c.root, undelete);
        if (c.req.withRelated) c.notes.push(...(await expandUndelete(conn, d, c.tables, c.req.relations)));
      } else {
        await selectRoot(conn, d, c.root, c.req);
        if (c.req.withRelated) await expandRelated(conn, d, c.tables, c.req.relations);
        // Columns renamed, added or dropped since the backup: refused, or said in the preview.
        c.notes.push(...(await columnDrift(conn, d, c.tables, c.req)));
      }
      for (const t of c.tables) {
        const [{ n }] = await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.sel}`);
        selected.push({ part: c, table: t, rows: Number(n) });
      }
    }
  } catch (err) {
    await cleanup();
    release();
    if (err instanceof UserError && !(err instanceof LockWaitError)) throw err;
    throw new UserError(
      `preparing the merge failed, live data is unchanged: ${(err as Error).message.split('\n')[0]}`,
      err instanceof LockWaitError ? err.hint : undefined,
      { cause: err },
    );
  }
  const rowsOf = (t: TableCtx) => selected.find((s) => s.table === t)?.rows ?? 0;
  // An undelete looks at every table below the root but writes few: keep only those it writes
  // (each table in the plan costs shadow tables in the journal). A part that selects nothing goes.
  const dropped: TableCtx[] = [];
  const emptyParts: PartCtx[] = [];
  for (const c of ctxs) {
    if (c.tables.every((t) => rowsOf(t) === 0)) {
      emptyParts.push(c);
      dropped.push(...c.tables);
    } else if (isUndelete(c.req)) {
      const empty = c.tables.filter((t) => rowsOf(t) === 0 && t !== c.root);
      dropped.push(...empty);
      c.tables = c.tables.filter((t) => !empty.includes(t));
    }
  }
  await dropSelectionTables(conn, dropped);
  built.splice(0, built.length, ...built.filter((t) => !dropped.includes(t)));
  const firstPart = ctxs[0];
  ctxs = ctxs.filter((c) => !emptyParts.includes(c));
  if (!ctxs.length) {
    await cleanup();
    release();
    if (isUndelete(firstPart.req))
      throw new NoRowsMatchError(
        `no soft-deleted row of ${firstPart.root.display} matches the selection`,
        'crm-rescue audit deletions lists deleted rows and their keys',
      );
    throw new NoRowsMatchError(`the selection matches no rows of ${firstPart.root.display}`, 'crm-rescue diff shows what differs between the backup and live');
  }
  for (const c of ctxs) {
    if (isUndelete(c.req))
      c.notes.unshift(
        ...undeleteNotes(
          c.tables,
          c.tables.map((t) => ({ table: t.display, rows: rowsOf(t) })),
        ),
      );
  }
  try {
    for (const t of allTables()) triggers.set(t, await d.tableTriggers(conn, t.table.live));
  } catch (err) {
    await cleanup();
    release();
    throw err;
  }

  let closed = false;
  return {
    mergeId,
    selected: allTables().map((t) => ({ table: t.display, rows: rowsOf(t), via: t.via })),
    roots: ctxs.map((c) => ({ schema: c.root.table.live.schema, name: c.root.table.live.name })),
    execute: (apply, onOutcome, onProgress) =>
      executeMerge(conn, db, {
        parts: ctxs,
        mergeId,
        internalNs,
        serverVersion,
        erasures,
        apply,
        onOutcome,
        onProgress,
        rowsOf,
        triggers,
        bypass,
        lockSeconds,
        withoutTriggers,
      }),
    async close() {
      if (closed) return;
      closed = true;
      await cleanup();
      release();
    },
  };
}

/**
 * Without transactional DDL (MySQL), a merge killed mid-apply leaves its empty shadow tables
 * behind (its journal row never committed). Drop shadow and selection tables of merges that
 * have no journal row and are older than six hours (a merge still running is never that old:
 * its statements time out first), so the journal holds only real merges.
 */
async function sweepOrphans(conn: Queryable, db: Db, internalNs: string, stagingNs: string): Promise<void> {
  const d = db.dialect;
  const rows = await d.tablesIn(conn, [internalNs, stagingNs]);
  const own = await ownTables(conn, d);
  const known = new Set((await own.db.withSchema(internalNs).selectFrom('merges').select('id').execute()).map((r) => r.id));
  const cutoff = newMergeId(new Date(nowMs() - 6 * 3600_000)).slice(0, 18);
  for (const r of rows) {
    const m = /^(?:_sel_)?(mrg_\d{14}_[0-9a-f]{4})_\d+(?:_before|_after)?$/.exec(r.table);
    if (!m || known.has(m[1]) || m[1].slice(0, 18) > cutoff) continue;
    await conn.query(`DROP TABLE IF EXISTS ${d.quoteQualified(r.namespace, r.table)}`);
  }
}

interface ExecuteArgs {
  parts: PartCtx[];
  mergeId: string;
  internalNs: string;
  serverVersion: string;
  erasures: string | null;
  apply: boolean;
  onOutcome?: (o: RowOutcome) => void;
  onProgress?: (p: MergeProgress) => void;
  /** Rows selected in a table (at prepare). */
  rowsOf: (t: TableCtx) => number;
  triggers: Map<TableCtx, TriggerInfo[]>;
  bypass: TriggerBypass;
  lockSeconds: number;
  withoutTriggers: boolean;
}

async function executeMerge(conn: Queryable, db: Db, a: ExecuteArgs): Promise<MergeResult> {
  const d = db.dialect;
  const { parts } = a;
  const first = parts[0].req;
  const tables = parts.flatMap((p) => p.tables);
  const sql: string[] = [];
  const started = performance.now();
  const phase = a.apply ? 'apply' : 'dry run';
  // Progress: tables and rows gone through; the listener only observes (its faults are ignored).
  const rowsTotal = tables.reduce((n, t) => n + a.rowsOf(t), 0);
  const progress = { tablesDone: 0, rowsDone: 0 };
  const report = (p: 'write' | 'verify', table?: string) => {
    try {
      a.onProgress?.({
        phase: p,
        ...(table !== undefined && { table }),
        tablesDone: progress.tablesDone,
        tablesTotal: tables.length,
        rowsDone: progress.rowsDone,
        rowsTotal,
      });
    } catch {
      // An observer's fault never changes a merge.
    }
  };
  const tableDone = (t: TableCtx, start: number) => {
    progress.tablesDone++;
    progress.rowsDone = start + a.rowsOf(t);
    report('write', t.display);
  };
  const skipping = a.withoutTriggers;
  const several = parts.length > 1;
  // The header's source: the backup of every part (an incident's parts share it).
  const backupId = [...new Set(parts.map((p) => p.req.backupId))].join('+');
  const shadows = async (create: boolean) => {
    for (const t of tables) {
      if (create) {
        for (const s of d.createShadowTable(t.before, t.live, t.key, [])) await conn.query(s);
        for (const s of d.createShadowTable(t.after, t.live, t.key, [
          ['crm_rescue_op', 'varchar(10)'],
          ['crm_rescue_kind', 'varchar(10)'],
        ]))
          await conn.query(s);
      } else {
        await conn.query(`DROP TABLE IF EXISTS ${t.before}`).catch(() => undefined);
        await conn.query(`DROP TABLE IF EXISTS ${t.after}`).catch(() => undefined);
      }
    }
  };
  const locks = tableLocks(conn, d, db.target.database);
  let committed = false;
  let inTx = false;
  try {
    // Without transactional DDL the shadow tables must exist before BEGIN (and go if we roll back).
    if (!d.capabilities.transactionalDdl) {
      await shadows(false);
      await shadows(true);
    }
    await conn.query('START TRANSACTION READ WRITE');
    inTx = true;
    for (const s of d.transactionTimeouts(a.lockSeconds, first.statementTimeoutSeconds ?? 900, a.serverVersion)) await conn.query(s);
    // One merge (or undo) per live table at a time: what live holds is read under the lock.
    const liveTables = new Map(tables.map((t) => [t.display, t.table.live]));
    await locks.take([...liveTables.values()], a.lockSeconds);
    if (skipping && 'statement' in a.bypass) await conn.query(a.bypass.statement);
    if (d.capabilities.transactionalDdl) await shadows(true);
    const uses = new Map<string, TriggerUse[]>();
    const header = (stats?: PlannedTable[]) =>
      tables.map((t, i) => ({
        ...(stats?.[i] ?? emptyPlanned(t, i)),
        beforeTable: t.beforeName,
        afterTable: t.afterName,
        key: t.key,
        // What undo compares and restores: every column the shadows copy.
        writable: t.journaled.map((c) => c.name),
        withoutTriggers: skipping,
      })) satisfies MergeRecord['tables'];
    await insertHeader(conn, d, a.internalNs, { id: a.mergeId, backupId, database: db.target.database, policy: first.policy, tables: header() });
    const planned: PlannedTable[] = [];
    const partResults: MergePartResult[] = [];
    report('write');
    for (const p of parts) {
      const changedCols = p.req.selections.find((s) => s.kind === 'changed') as { columns?: string[] } | undefined;
      const part: MergePartResult = {
        root: { schema: p.root.table.live.schema, name: p.root.table.live.name },
        tables: [],
        totals: { inserted: 0, updated: 0, skipped: 0 },
        sql: [],
      };
      partResults.push(part);
      try {
        await checkConflicts(conn, d, p.tables, p.req.relations, p.req.policy, a.erasures);
      } catch (err) {
        // A dry run of several roots goes on with the others, so the plan shows every part;
        // an apply stops here and rolls everything back.
        if (!(err instanceof MergeConflictError) || a.apply || !several) throw err;
        part.blocked = { message: err.message, conflicts: err.conflicts };
        for (const t of p.tables) {
          part.tables.push(planned.length);
          planned.push(emptyPlanned(t, planned.length));
          tableDone(t, progress.rowsDone);
        }
        continue;
      }
      for (const t of p.tables) {
        const start = progress.rowsDone;
        report('write', t.display);
        const counts = await writeTable(conn, d, t, {
          batchSize: p.req.batchSize ?? 5000,
          journal: a.apply,
          changedColumns: changedCols?.columns,
          log: (s) => {
            sql.push(s);
            part.sql.push(s);
          },
          onBatch: (n) => {
            progress.rowsDone = Math.min(start + a.rowsOf(t), progress.rowsDone + n);
            report('write', t.display);
          },
        });
        const reasons = await conn.query<{ reason: string; n: number }>(
          `SELECT crm_rescue_reason AS reason, count(*) AS n FROM ${t.sel} WHERE crm_rescue_reason IS NOT NULL GROUP BY crm_rescue_reason`,
        );
        const conflicts: PlannedTable['conflicts'] = {};
        for (const r of reasons) conflicts[r.reason as SkipReason] = Number(r.n);
        const events = [...(counts.inserted ? (['INSERT'] as const) : []), ...(counts.updated ? (['UPDATE'] as const) : [])];
        const fired = triggerUses(a.triggers.get(t) ?? [], events, skipping);
        uses.set(t.display, fired);
        const row: PlannedTable = {
          schema: t.table.live.schema,
          name: t.table.live.name,
          order: planned.length + 1,
          inserts: counts.inserted,
          updates: counts.updated,
          skipped: Object.values(conflicts).reduce((s, n) => s + (n ?? 0), 0),
          conflicts,
          columns: t.writable.map((c) => c.name),
          via: t.via,
          ...(fired.length && { triggers: fired }),
        };
        part.tables.push(planned.length);
        planned.push(row);
        part.totals = { inserted: part.totals.inserted + row.inserts, updated: part.totals.updated + row.updates, skipped: part.totals.skipped + row.skipped };
        tableDone(t, start);
      }
    }
    report('verify');
    // Deferred constraint checks and triggers run now, so what is verified is what commits.
    if (d.checkDeferredNow) await conn.query(d.checkDeferredNow);
    const check: WriteCheck = { checked: 0, mismatched: 0, details: [] };
    for (const [i, p] of parts.entries()) {
      // A blocked part (dry run only) wrote nothing to check.
      if (partResults[i].blocked) continue;
      const changedCols = p.req.selections.find((s) => s.kind === 'changed') as { columns?: string[] } | undefined;
      const c = await verifyWrites(conn, d, p.tables, changedCols?.columns);
      check.checked += c.checked;
      check.mismatched += c.mismatched;
      check.details.push(...c.details);
    }
    if (check.mismatched) throw mismatchError(phase, check, uses, a.bypass, skipping, 'backup');
    if (skipping) await checkWrittenForeignKeys(conn, d, tables, phase);
    const totals = {
      inserted: planned.reduce((s, t) => s + t.inserts, 0),
      updated: planned.reduce((s, t) => s + t.updates, 0),
      skipped: planned.reduce((s, t) => s + t.skipped, 0),
    };
    await finishHeader(conn, d, a.internalNs, a.mergeId, header(planned), totals);
    // The journal's per-row outcomes only for an apply: a dry run's would be rolled back unread
    // (its outcomes stream from the selection tables).
    if (a.apply) await recordOutcomes(conn, db, a.mergeId, a.internalNs, tables);
    if (a.onOutcome) await streamOutcomes(conn, db, tables, a.apply, a.onOutcome);
    if (a.apply) {
      await conn.query('COMMIT');
      committed = true;
    } else {
      await conn.query('ROLLBACK');
    }
    inTx = false;
    const notes = parts.flatMap((p) => p.notes);
    // After COMMIT, outside the transaction: row estimates (the console's Inspect, the planner)
    // count the rows brought back. A failure is a note: the merge stands.
    if (a.apply)
      notes.push(
        ...(await refreshStatistics(
          conn,
          d,
          planned.filter((t) => worthAnalyzing(t, tables)),
        )),
      );
    return {
      mergeId: a.mergeId,
      applied: a.apply,
      backupId,
      policy: first.policy,
      tables: planned,
      totals,
      sql,
      durationSeconds: (performance.now() - started) / 1000,
      ...(notes.length && { notes }),
      verify: { checked: check.checked, mismatched: check.mismatched },
      ...(skipping && { withoutTriggers: true }),
      ...(several && { parts: partResults }),
    };
  } catch (err) {
    if (inTx) await conn.query('ROLLBACK').catch(() => undefined);
    if (!committed && !d.capabilities.transactionalDdl) await shadows(false);
    if (err instanceof UserError && !(err instanceof LockWaitError)) throw err;
    throw new UserError(
      `${phase} failed and was rolled back, live data is unchanged: ${(err as Error).message.split('\n')[0]}`,
      err instanceof LockWaitError
        ? err.hint
        : a.apply
          ? 'Fix the cause and run the merge again; crm-rescue merge without --apply shows the plan'
          : 'The plan cannot be applied as it is',
      { cause: err },
    );
  } finally {
    // After COMMIT or ROLLBACK: the next merge of these tables may start.
    await locks.release();
    if (!a.apply && !d.capabilities.transactionalDdl) await shadows(false);
  }
}

function emptyPlanned(t: TableCtx, i: number): PlannedTable {
  return {
    schema: t.table.live.schema,
    name: t.table.live.name,
    order: i + 1,
    inserts: 0,
    updates: 0,
    skipped: 0,
    conflicts: {},
    columns: t.writable.map((c) => c.name),
    via: t.via,
  };
}

/**
 * Whether a written table's statistics are refreshed after the COMMIT: when the rows written are
 * at least a tenth of what the planner thinks the table holds (autovacuum's own analyze threshold
 * is a tenth too). Below that the estimate is off by less, and an ANALYZE of a large table costs
 * most of a second (it samples 30,000 rows): 10,000 contacts back into a 1M-row table would wait
 * 0.7 s for a change of 1%.
 */
function worthAnalyzing(p: PlannedTable, tables: TableCtx[]): boolean {
  const written = p.inserts + p.updates;
  if (written === 0) return false;
  const estimate = tables.find((t) => t.table.live.schema === p.schema && t.table.live.name === p.name)?.table.live.rowEstimate ?? null;
  return estimate === null || estimate <= 0 || written >= estimate / 10;
}

/** Keeps every row's outcome with the journal, in the same transaction. */
async function recordOutcomes(conn: Queryable, db: Db, mergeId: string, internalNs: string, tables: TableCtx[]): Promise<void> {
  const d = db.dialect;
  for (const t of tables) {
    const key = d.jsonObject(t.key.map((k) => [k, `x.${d.quoteIdent(k)}`]));
    await conn.query(
      `INSERT INTO ${d.quoteQualified(internalNs, 'merge_outcomes')} (merge_id, table_name, row_key, outcome, reason)
       SELECT ${d.quoteLiteral(mergeId)}, ${d.quoteLiteral(t.display)}, ${key},
              CASE WHEN x.crm_rescue_reason IS NOT NULL THEN 'skipped' WHEN x.crm_rescue_op = 'insert' THEN 'inserted' ELSE 'updated' END, x.crm_rescue_reason
       FROM ${t.sel} x ORDER BY x.crm_rescue_seq`,
    );
  }
}

/** Hands every row's outcome to the caller, a page at a time. */
async function streamOutcomes(conn: Queryable, db: Db, tables: TableCtx[], applied: boolean, onOutcome: (o: RowOutcome) => void): Promise<void> {
  const d = db.dialect;
  for (const t of tables) {
    let after = 0;
    for (;;) {
      const rows = await conn.query<Record<string, unknown>>(
        `SELECT ${colList(d, 'x', t.key)}, x.crm_rescue_op, x.crm_rescue_reason, x.crm_rescue_seq FROM ${t.sel} x WHERE x.crm_rescue_seq > ${d.placeholder(1)} ORDER BY x.crm_rescue_seq LIMIT 2000`,
        [after],
      );
      for (const r of rows) {
        const key = Object.fromEntries(t.key.map((k) => [k, r[k]]));
        const outcome: RowOutcome['outcome'] = r.crm_rescue_reason
          ? 'skipped'
          : r.crm_rescue_op === 'insert'
            ? applied
              ? 'inserted'
              : 'would-insert'
            : applied
              ? 'updated'
              : 'would-update';
        onOutcome({ table: t.display, key, outcome, ...(r.crm_rescue_reason ? { reason: String(r.crm_rescue_reason) } : {}) });
      }
      if (rows.length < 2000) break;
      after = Number(rows[rows.length - 1].crm_rescue_seq);
    }
  }
}
