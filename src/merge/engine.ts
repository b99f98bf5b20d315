import type { Db } from '../connect/open.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, LockWaitError } from '../connect/lock-wait.js';
import type { TriggerBypass, TriggerInfo } from '../dialect/live.js';
import { internalNamespace } from '../dialect/namespaces.js';
import { ownTables } from '../dialect/own-tables-db.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import { colList, tableContexts, type TableCtx } from './context.js';
import { checkConflicts } from './checks.js';
import { NoRowsMatchError } from './errors.js';
import { newMergeId } from './ids.js';
import { ensureJournal, finishHeader, insertHeader, type MergeRecord } from './journal.js';
import { isUndelete, type MergeRequest, type MergeResult, type PlannedTable, type RowOutcome, type SkipReason, type TriggerUse } from './model.js';
import { parentsFirst } from './order.js';
import { columnDrift } from './drift.js';
import { createSelectionTables, dropSelectionTables, expandRelated, selectRoot } from './selection.js';
import { expandUndelete, selectUndelete, undeleteNotes } from './undelete.js';
import { tableLocks } from './locks.js';
import { checkWrittenForeignKeys, mismatchError, triggerUses, verifyWrites } from './verify.js';
import { writeTable } from './write.js';
import { nowMs } from '../util/clock.js';

/** Options of a prepared merge. */
export interface MergeSessionOptions {
  /** The staging namespace of the backup (where the staged tables and selection tables live). */
  stagingNs: string;
  mergeId?: string;
}

/** A merge whose selection is computed; it can be dry-run and applied, then must be closed. */
export interface MergeSession {
  readonly mergeId: string;
  /** Rows selected per table (before conflict checks). */
  readonly selected: { table: string; rows: number; via: string }[];
  /**
   * Runs the whole plan in one transaction: conflict checks, writes, journal. Rolls back unless
   * `apply`. `onOutcome` receives every row's outcome (page by page) before the transaction ends.
   */
  execute(apply: boolean, onOutcome?: (o: RowOutcome) => void): Promise<MergeResult>;
  close(): Promise<void>;
}

/**
 * Prepares a merge on a read-write connection: orders the tables parents first, builds the
 * selection tables in the staging namespace (nothing is written to live here), brings related
 * rows along when asked, and remembers each selected live row as the diff saw it.
 */
export async function prepareMerge(db: Db, req: MergeRequest, opts: MergeSessionOptions): Promise<MergeSession> {
  const d = db.dialect;
  const mergeId = opts.mergeId ?? newMergeId();
  const internalNs = internalNamespace(d.engine, db.target.database);
  const serverVersion = await d.serverVersion(db);
  const inPlan = [{ table: req.root, via: 'selection' }, ...(req.withRelated ? req.related.map((t) => ({ table: t, via: 'related' })) : [])];
  const ordered = parentsFirst(
    inPlan.map((p) => ({ ...p, schema: p.table.live.schema, name: p.table.live.name })),
    req.relations,
  );
  let tables = tableContexts(d, ordered, { mergeId, stagingNs: opts.stagingNs, internalNs });
  const root = tables.find((t) => t.table === req.root)!;
  const erasures = req.erasureHashes.length ? d.quoteQualified(opts.stagingNs, `_erasures_${mergeId}`) : null;
  const notes: string[] = [];

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
  const lockSeconds = req.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
  // The live tables' triggers (read once: the preview lists those the plan sets off).
  const triggers = new Map<TableCtx, TriggerInfo[]>();
  let bypass: TriggerBypass = { refused: 'not asked' };
  const cleanup = async () => {
    await dropSelectionTables(conn, tables);
    if (erasures) await conn.query(`DROP TABLE IF EXISTS ${erasures}`).catch(() => undefined);
  };
  try {
    // Selecting rows must not lock live rows (MySQL's INSERT … SELECT does under REPEATABLE
    // READ), and any wait is bounded.
    await conn.query(d.readCommitted());
    // Settings that outlive a transaction are made once here; transaction-local ones at each BEGIN.
    const session = [
      ...d.sessionLockTimeouts(lockSeconds),
      ...(d.capabilities.transactionLocalSettings ? [] : d.transactionTimeouts(lockSeconds, req.statementTimeoutSeconds ?? 900, serverVersion)),
    ];
    for (const s of session) await conn.query(s);
    bypass = await d.triggerBypass(conn);
    if (req.withoutTriggers && 'refused' in bypass) {
      throw new UserError(
        `--without-triggers cannot be honoured: ${bypass.refused}`,
        'Merge without it (the preview lists the triggers that fire), or disable the triggers while merging',
      );
    }
    await ensureJournal(conn, d, internalNs);
    await sweepOrphans(conn, db, internalNs, opts.stagingNs);
    await createSelectionTables(conn, d, tables);
    if (erasures) {
      await conn.query(`CREATE TABLE ${erasures} (h varchar(64) PRIMARY KEY)`);
      for (let i = 0; i < req.erasureHashes.length; i += 500) {
        const part = req.erasureHashes.slice(i, i + 500);
        await conn.query(`INSERT INTO ${erasures} (h) VALUES ${part.map((_, j) => `(${d.placeholder(j + 1)})`).join(', ')}`, part);
      }
    }
    const undelete = req.selections.find((s) => s.kind === 'undelete');
    if (undelete) {
      await selectUndelete(conn, d, root, undelete);
      if (req.withRelated) notes.push(...(await expandUndelete(conn, d, tables, req.relations)));
    } else {
      await selectRoot(conn, d, root, req);
      if (req.withRelated) await expandRelated(conn, d, tables, req.relations);
      // Columns renamed, added or dropped since the backup: refused, or said in the preview.
      notes.push(...(await columnDrift(conn, d, tables, req)));
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
  let selected: MergeSession['selected'] = [];
  for (const t of tables) {
    const [{ n }] = await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.sel}`);
    selected.push({ table: t.display, rows: Number(n), via: t.via });
  }
  if (isUndelete(req)) {
    // An undelete looks at every table below the root but writes few: keep only those it writes
    // (each table in the plan costs shadow tables in the journal).
    const empty = tables.filter((_, i) => selected[i].rows === 0 && tables[i] !== root);
    await dropSelectionTables(conn, empty);
    selected = selected.filter((_, i) => !empty.includes(tables[i]));
    tables = tables.filter((t) => !empty.includes(t));
  }
  if (selected.every((s) => s.rows === 0)) {
    await cleanup();
    release();
    if (isUndelete(req))
      throw new NoRowsMatchError(
        `no soft-deleted row of ${root.display} matches the selection`,
        'crm-rescue audit deletions lists deleted rows and their keys',
      );
    throw new NoRowsMatchError(`the selection matches no rows of ${root.display}`, 'crm-rescue diff shows what differs between the backup and live');
  }
  if (isUndelete(req)) notes.unshift(...undeleteNotes(tables, selected));
  for (const t of tables) triggers.set(t, await d.tableTriggers(conn, t.table.live));

  let closed = false;
  return {
    mergeId,
    selected,
    execute: (apply, onOutcome) =>
      executeMerge(conn, db, { req, tables, mergeId, internalNs, serverVersion, erasures, apply, onOutcome, notes, triggers, bypass, lockSeconds }),
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
  req: MergeRequest;
  tables: TableCtx[];
  mergeId: string;
  internalNs: string;
  serverVersion: string;
  erasures: string | null;
  apply: boolean;
  onOutcome?: (o: RowOutcome) => void;
  notes: string[];
  triggers: Map<TableCtx, TriggerInfo[]>;
  bypass: TriggerBypass;
  lockSeconds: number;
}

async function executeMerge(conn: Queryable, db: Db, a: ExecuteArgs): Promise<MergeResult> {
  const d = db.dialect;
  const { req, tables } = a;
  const sql: string[] = [];
  const started = performance.now();
  const phase = a.apply ? 'apply' : 'dry run';
  const skipping = Boolean(req.withoutTriggers);
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
    for (const s of d.transactionTimeouts(a.lockSeconds, req.statementTimeoutSeconds ?? 900, a.serverVersion)) await conn.query(s);
    // One merge (or undo) per live table at a time: what live holds is read under the lock.
    await locks.take(
      tables.map((t) => t.table.live),
      a.lockSeconds,
    );
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
    await insertHeader(conn, d, a.internalNs, { id: a.mergeId, backupId: req.backupId, database: db.target.database, policy: req.policy, tables: header() });
    await checkConflicts(conn, d, tables, req.relations, req.policy, a.erasures);
    const changedCols = req.selections.find((s) => s.kind === 'changed') as { columns?: string[] } | undefined;
    const planned: PlannedTable[] = [];
    for (const [i, t] of tables.entries()) {
      const counts = await writeTable(conn, d, t, { batchSize: req.batchSize ?? 5000, changedColumns: changedCols?.columns, log: (s) => sql.push(s) });
      const reasons = await conn.query<{ reason: string; n: number }>(
        `SELECT crm_rescue_reason AS reason, count(*) AS n FROM ${t.sel} WHERE crm_rescue_reason IS NOT NULL GROUP BY crm_rescue_reason`,
      );
      const conflicts: PlannedTable['conflicts'] = {};
      for (const r of reasons) conflicts[r.reason as SkipReason] = Number(r.n);
      const events = [...(counts.inserted ? (['INSERT'] as const) : []), ...(counts.updated ? (['UPDATE'] as const) : [])];
      const fired = triggerUses(a.triggers.get(t) ?? [], events, skipping);
      uses.set(t.display, fired);
      planned.push({
        schema: t.table.live.schema,
        name: t.table.live.name,
        order: i + 1,
        inserts: counts.inserted,
        updates: counts.updated,
        skipped: Object.values(conflicts).reduce((s, n) => s + (n ?? 0), 0),
        conflicts,
        columns: t.writable.map((c) => c.name),
        via: t.via,
        ...(fired.length && { triggers: fired }),
      });
    }
    // Deferred constraint checks and triggers run now, so what is verified is what commits.
    if (d.checkDeferredNow) await conn.query(d.checkDeferredNow);
    const check = await verifyWrites(conn, d, tables, changedCols?.columns);
    if (check.mismatched) throw mismatchError(phase, check, uses, a.bypass, skipping, 'backup');
    if (skipping) await checkWrittenForeignKeys(conn, d, tables, phase);
    const totals = {
      inserted: planned.reduce((s, t) => s + t.inserts, 0),
      updated: planned.reduce((s, t) => s + t.updates, 0),
      skipped: planned.reduce((s, t) => s + t.skipped, 0),
    };
    await finishHeader(conn, d, a.internalNs, a.mergeId, header(planned), totals);
    await recordOutcomes(conn, db, a, tables);
    if (a.onOutcome) await streamOutcomes(conn, db, tables, a.apply, a.onOutcome);
    if (a.apply) {
      await conn.query('COMMIT');
      committed = true;
    } else {
      await conn.query('ROLLBACK');
    }
    inTx = false;
    return {
      mergeId: a.mergeId,
      applied: a.apply,
      backupId: req.backupId,
      policy: req.policy,
      tables: planned,
      totals,
      sql,
      durationSeconds: (performance.now() - started) / 1000,
      ...(a.notes.length && { notes: a.notes }),
      verify: { checked: check.checked, mismatched: check.mismatched },
      ...(skipping && { withoutTriggers: true }),
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

/** Keeps every row's outcome with the journal, in the same transaction. */
async function recordOutcomes(conn: Queryable, db: Db, a: ExecuteArgs, tables: TableCtx[]): Promise<void> {
  const d = db.dialect;
  for (const t of tables) {
    const key = d.jsonObject(t.key.map((k) => [k, `x.${d.quoteIdent(k)}`]));
    await conn.query(
      `INSERT INTO ${d.quoteQualified(a.internalNs, 'merge_outcomes')} (merge_id, table_name, row_key, outcome, reason)
       SELECT ${d.quoteLiteral(a.mergeId)}, ${d.quoteLiteral(t.display)}, ${key},
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
