/**
 * Loads the seeded CRM into an empty demo database: schema, batched multi-row inserts generated
 * batch by batch (one statement in flight while the next batch is generated), the change log,
 * and the engine's steps around them (keys and indexes, staging). Runs on one pinned connection
 * with the engine's bulk-load settings.
 */
import type { Db } from '../connect/open.js';
import type { Queryable } from '../dialect/index.js';
import { loadSql } from '../util/sql-file.js';
import type { DemoEngine, DemoStep } from './demo-engine.js';
import type { DemoProgress } from './progress.js';
import { ghostHistory, tableGenerators, type Row, type SeedContext, type TableGenerator } from './rows.js';
import { runScript } from './sql-script.js';
import { HISTORY_COLUMNS, DEMO_COLUMNS } from './tables.js';

/** Keeps one write in flight while the caller generates the next batch. */
class WritePipeline {
  private pending: Promise<void> = Promise.resolve();

  /** Waits for the write in flight, then starts `task` without waiting for it. */
  async submit(task: () => Promise<void>): Promise<void> {
    await this.pending;
    const p = task();
    p.catch(() => undefined); // observed by the next submit/drain
    this.pending = p;
  }

  drain(): Promise<void> {
    return this.pending;
  }
}

/** Creates the schema and loads every table of the seeded CRM. */
export async function seedDemo(db: Db, engine: DemoEngine, ctx: SeedContext, onProgress: (e: DemoProgress) => void): Promise<void> {
  const started = performance.now();
  const dir = `demo/${engine.engine}`;
  // One connection throughout: the session's bulk-load settings and temporary tables stick.
  await db.withConnection(async (q) => {
    for (const s of engine.loadSessionSql) await q.query(s);
    try {
      const runSteps = async (steps: readonly DemoStep[]) => {
        for (const step of steps) {
          const t0 = performance.now();
          await runScript(q, loadSql(`${dir}/${step.file}`));
          onProgress({ phase: 'step', step: step.describe, elapsedMs: performance.now() - t0 });
        }
      };
      await runSteps(engine.steps.beforeLoad);
      const pipeline = new WritePipeline();
      const history: Row[] = ghostHistory(ctx);
      const flushHistory = async (all: boolean) => {
        while (history.length >= engine.batchRows || (all && history.length > 0)) {
          const batch = history.splice(0, engine.batchRows);
          await pipeline.submit(() => engine.insertRows(q, 'demo_history_seed', HISTORY_COLUMNS, batch));
        }
      };
      for (const gen of tableGenerators(ctx)) {
        const t0 = performance.now();
        const rows = await loadTable(q, engine, gen, pipeline, history, flushHistory);
        await pipeline.drain();
        onProgress({ phase: 'load', table: gen.table, rows, elapsedMs: performance.now() - t0 });
      }
      await flushHistory(true);
      await pipeline.drain();
      await runSteps(engine.steps.afterLoad);

      const t0 = performance.now();
      await runScript(q, loadSql(`${dir}/history`));
      const [{ n }] = await q.query<{ n: number | string }>('SELECT count(*) AS n FROM history');
      onProgress({ phase: 'load', table: 'history', rows: Number(n), elapsedMs: performance.now() - t0 });
      await runSteps(engine.steps.afterHistory);
    } finally {
      for (const s of engine.endLoadSessionSql) await q.query(s).catch(() => undefined);
    }
  });
  onProgress({ phase: 'seeded', elapsedMs: performance.now() - started });
}

async function loadTable(
  q: Queryable,
  engine: DemoEngine,
  gen: TableGenerator,
  pipeline: WritePipeline,
  history: Row[],
  flushHistory: (all: boolean) => Promise<void>,
): Promise<number> {
  const columns = DEMO_COLUMNS[gen.table];
  const target = engine.loadTableOf(gen.table);
  let rows: Row[] = [];
  let total = 0;
  const flush = async () => {
    const batch = rows;
    rows = [];
    total += batch.length;
    await pipeline.submit(() => engine.insertRows(q, target, columns, batch));
  };
  for (let i = 0; i < gen.units; i++) {
    gen.generate(i, rows, history);
    if (rows.length >= engine.batchRows) await flush();
    if (history.length >= engine.batchRows) await flushHistory(false);
  }
  if (rows.length > 0) await flush();
  return total;
}
