import type { Dialect } from '../dialect/dialect.js';
import type { Queryable, Snapshot } from '../dialect/queryable.js';
import { DIFF_CLASSES, type DiffClass, type DiffCounts, type DiffPlan, type DiffRow, type DiffSummary } from './model.js';
import { Spool } from './spool.js';
import { buildDiffSql, CLASS_CODES, type RowsRange } from './sql.js';
import { displayValue } from './values.js';

/** A connection pool that can open snapshots (a Db). */
export type DiffDb = Queryable & { dialect: Dialect; snapshot(): Promise<Snapshot> };

/** Rows read from the server per round trip (PostgreSQL FETCH) or per batch (MySQL stream). */
const BATCH = 1000;
/**
 * Rows per batch in the MySQL pass. The driver streams rows whatever the batch, so a batch is only
 * what the snapshot gathers before handing it over, and a small one costs no round trip. A pass row
 * carries both sides of every column: 1000 of them (~3 MB) outlive V8's 2 MB young generation (see
 * bin/crm-rescue), so each batch was moved to the old generation, which is collected lazily and
 * grew with the number of differing rows (3M-row table: +35 MB). 100 rows die young.
 */
const PASS_BATCH = 100;

/** Counts every class in the database: one FULL JOIN (PostgreSQL) or two anti-joins (MySQL). */
export async function countDiff(db: Queryable & { dialect: Dialect }, plan: DiffPlan): Promise<DiffSummary> {
  return summaryOf(plan, await countsOn(db, db.dialect, plan));
}

async function countsOn(conn: Queryable, d: Dialect, plan: DiffPlan): Promise<DiffCounts> {
  const counts: DiffCounts = { deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 0 };
  for (const statement of buildDiffSql(d, plan).counts) {
    const [row] = await conn.query<Record<string, unknown>>(statement);
    if ('deleted' in row) counts.deleted = Number(row.deleted);
    if ('changed' in row) counts.changed = Number(row.changed);
    if ('soft_deleted' in row) counts.softDeleted = Number(row.soft_deleted);
    if ('unchanged' in row) counts.unchanged = Number(row.unchanged);
    if ('added' in row) counts.added = Number(row.added);
  }
  return counts;
}

function summaryOf(plan: DiffPlan, counts: DiffCounts): DiffSummary {
  return {
    table: { schema: plan.live.schema, name: plan.live.name },
    staged: { schema: plan.staged.schema, name: plan.staged.name },
    key: plan.key,
    keySource: plan.keySource,
    columns: plan.columns.map((c) => c.name),
    onlyInStaged: plan.onlyInStaged,
    onlyInLive: plan.onlyInLive,
    softDelete: plan.softDelete ? { column: plan.softDelete.column, kind: plan.softDelete.kind } : null,
    where: plan.shownWhere !== undefined ? plan.shownWhere : (plan.where ?? null),
    counts,
  };
}

/** A diff whose counts are known and whose rows can now be read, once. */
export interface DiffRun {
  summary: DiffSummary;
  /** The rows of the asked classes, class by class (DIFF_CLASSES order), each in key order. */
  rows(): AsyncGenerator<DiffRow>;
  /** Frees what the run holds (snapshot, spool files); idempotent, also after `rows` ended. */
  close(): Promise<void>;
}

/**
 * The whole diff of one table, counts before rows, in one read-only snapshot.
 *
 * Without `limit`, one pass over both tables reads every differing row once:
 * - PostgreSQL (DiffSql.ordered): one FULL JOIN whose rows arrive in output order and carry the
 *   counts, so the summary comes with the first batch and rows stream on from the cursor;
 * - MySQL (DiffSql.pass): two statements whose rows are counted (unchanged: staged rows − the
 *   others) and kept in a spool file, replayed class by class after the summary.
 * Memory holds one batch; a spool holds what the output will hold.
 *
 * With `limit` (rows per class): the counts statements, then per asked class one streamed
 * statement that stops after `limit` rows in the server (`limit` 0: no row statement at all).
 */
export async function runDiff(db: DiffDb, plan: DiffPlan, options: { classes?: readonly DiffClass[]; limit?: number } = {}): Promise<DiffRun> {
  const classes = DIFF_CLASSES.filter((c) => (options.classes ?? DIFF_CLASSES).includes(c));
  const snap = await db.snapshot();
  try {
    if (options.limit !== undefined) {
      const limit = options.limit;
      const summary = summaryOf(plan, await countsOn(snap, db.dialect, plan));
      let closed = false;
      const close = async () => {
        closed = true;
        await snap.release();
      };
      return {
        summary,
        async *rows() {
          try {
            if (limit > 0) for (const cls of classes) yield* streamClass(snap, db.dialect, plan, cls, { limit });
          } finally {
            if (!closed) await close();
          }
        },
        close,
      };
    }
    const sql = buildDiffSql(db.dialect, plan);
    if (sql.ordered) return await orderedRun(snap, sql.ordered, sql.stagedCount, plan, classes);
    const spool = new Spool(classes);
    try {
      const counts: DiffCounts = { deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 0 };
      const field = { deleted: 'deleted', 'soft-deleted': 'softDeleted', changed: 'changed', added: 'added' } as const;
      for (const statement of sql.pass) {
        for await (const batch of snap.stream<Record<string, unknown>>(statement, [], PASS_BATCH)) {
          for (const raw of batch) {
            const row = decodeRow(plan, raw);
            counts[field[row.class]]++;
            spool.write(row);
          }
        }
      }
      const [{ n }] = await snap.query<{ n: unknown }>(sql.stagedCount);
      counts.unchanged = Number(n) - counts.deleted - counts.softDeleted - counts.changed;
      spool.finish();
      await snap.release();
      return { summary: summaryOf(plan, counts), rows: () => spool.read(), close: async () => spool.remove() };
    } catch (err) {
      spool.remove();
      throw err;
    }
  } catch (err) {
    await snap.release();
    throw err;
  }
}

/** The PostgreSQL pass: counts from the first row, then the rows straight from the cursor. */
async function orderedRun(snap: Snapshot, statement: string, stagedCount: string, plan: DiffPlan, classes: readonly DiffClass[]): Promise<DiffRun> {
  const batches = snap.stream<Record<string, unknown>>(statement, [], BATCH);
  const first = await batches.next();
  const head = first.done ? [] : first.value;
  const n = (code: number) => Number(head[0]?.[`n${code}`] ?? 0);
  // No differing row: nothing carried the counts, the staged rows are counted alone.
  const staged = head.length ? Number(head[0].ns) : Number((await snap.query<{ n: unknown }>(stagedCount))[0].n);
  const counts: DiffCounts = {
    deleted: n(CLASS_CODES.deleted),
    softDeleted: n(CLASS_CODES['soft-deleted']),
    changed: n(CLASS_CODES.changed),
    added: n(CLASS_CODES.added),
    unchanged: 0,
  };
  counts.unchanged = staged - counts.deleted - counts.softDeleted - counts.changed;
  const asked = new Set(classes);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await batches.return(undefined);
    await snap.release();
  };
  return {
    summary: summaryOf(plan, counts),
    async *rows() {
      try {
        for (let batch = head; ;) {
          for (const raw of batch) {
            const row = decodeRow(plan, raw);
            if (asked.has(row.class)) yield row;
          }
          const next = await batches.next();
          if (next.done) break;
          batch = next.value;
        }
      } finally {
        await close();
      }
    },
    close,
  };
}

/**
 * Streams the differing rows of the given classes: one statement per class read through the
 * snapshot's stream, `batchSize` rows at a time; memory holds one batch whatever the number of
 * differences. `limit`: at most this many rows per class, stopped in the server.
 */
export async function* diffRows(db: DiffDb, plan: DiffPlan, classes: readonly DiffClass[], batchSize = BATCH, limit?: number): AsyncGenerator<DiffRow> {
  const snap = await db.snapshot();
  try {
    for (const cls of classes) yield* streamClass(snap, db.dialect, plan, cls, { limit }, batchSize);
  } finally {
    await snap.release();
  }
}

async function* streamClass(snap: Snapshot, d: Dialect, plan: DiffPlan, cls: DiffClass, range: RowsRange, batchSize = BATCH): AsyncGenerator<DiffRow> {
  const { sql, params } = buildDiffSql(d, plan).rows(cls, range);
  for await (const batch of snap.stream<Record<string, unknown>>(sql, params, batchSize)) {
    for (const raw of batch) yield decodeRow(plan, raw);
  }
}

/**
 * One page of differing rows of a class in key order: the rows after the key `after` (null:
 * from the first), skipping `skip` more. `keys` are the rows' key values as the server gave
 * them, in key order: pass the last one as `after` for the next page.
 */
export async function diffPage(
  db: Queryable & { dialect: Dialect },
  plan: DiffPlan,
  cls: DiffClass,
  after: unknown[] | null,
  limit: number,
  skip = 0,
): Promise<{ rows: DiffRow[]; keys: unknown[][] }> {
  const { sql, params } = buildDiffSql(db.dialect, plan).rows(cls, { after, limit: Math.max(1, Math.floor(limit)), skip });
  const raw = await db.query<Record<string, unknown>>(sql, params);
  return { rows: raw.map((r) => decodeRow(plan, r)), keys: raw.map((r) => plan.key.map((_, i) => r[`k${i}`])) };
}

const CLASS_OF = Object.fromEntries(Object.entries(CLASS_CODES).map(([cls, code]) => [code, cls])) as Record<number, DiffClass>;

/** A result row of any diff statement (DiffSql's column layout) as a DiffRow. */
function decodeRow(plan: DiffPlan, r: Record<string, unknown>): DiffRow {
  const cls = CLASS_OF[Number(r.c)];
  const cols = plan.columns.map((c) => c.name);
  const key = Object.fromEntries(plan.key.map((k, i) => [k, displayValue(r[`k${i}`])]));
  if (cls === 'deleted') return { class: cls, key, before: Object.fromEntries(cols.map((c, i) => [c, displayValue(r[`b${i}`])])) };
  if (cls === 'added') return { class: cls, key, after: Object.fromEntries(cols.map((c, i) => [c, displayValue(r[`a${i}`])])) };
  const changed = cols.flatMap((c, i) => (isTrue(r[`f${i}`]) ? [i] : []));
  return {
    class: cls,
    key,
    changedColumns: changed.map((i) => cols[i]),
    before: Object.fromEntries(changed.map((i) => [cols[i], displayValue(r[`b${i}`])])),
    after: Object.fromEntries(changed.map((i) => [cols[i], displayValue(r[`a${i}`])])),
  };
}

function isTrue(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}
