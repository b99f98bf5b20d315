import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { ProgressUpdate } from '../../src/progress/event.js';
import { planMerge } from '../../src/recovery/merge-plan.js';
import { backupId, makeSandbox } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * #18: the console's plan and apply show real progress. The dry run and the apply of one merge of
 * three tables report every table, rows gone through of the rows selected, and end with every
 * table and every row done; the rows written are the rows counted.
 */
describe.each(engines)('%s: progress of a plan and its apply', (engine: TestEngine) => {
  const sb = makeSandbox(`mprog-${engine}`);
  const env = { ...process.env, ...sb.env };
  let db: TempDb;
  let live: Db;
  let id: string;

  beforeAll(async () => {
    db = await createTempDb(engine, 'mprog');
    const gen = (n: number) => (engine === 'postgres' ? `generate_series(1, ${n}) AS g` : `seq_1_to_${n} AS g`);
    const g = engine === 'postgres' ? 'g' : 'g.seq';
    for (const [t, n] of [
      ['acc', 40],
      ['con', 300],
      ['note', 90],
    ] as const) {
      await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
      await db.exec(`INSERT INTO ${t} SELECT ${g}, CONCAT('${t} ', ${g}) FROM ${gen(n)}`);
    }
    id = await backupId(sb.run, db.url);
    live = await openDb(parseTargetUrl(db.url), { interactive: false });
  }, 300_000);
  afterAll(async () => {
    await live?.close();
    await db?.drop();
    sb.cleanup();
  });

  /** The events of one phase (`dry run` or `apply`, and its verify), checked to count every table and end done. */
  function expectComplete(events: ProgressUpdate[], phase: string, rows: number): void {
    const own = events.filter((e) => e.phase === phase || e.phase === `${phase}: verify`);
    expect(own.length, phase).toBeGreaterThan(3);
    for (const e of own) {
      expect(e.total, phase).toBe(3);
      expect(e.rows?.total, phase).toBe(rows);
    }
    // Never backwards, and each table is named while it is written.
    for (let i = 1; i < own.length; i++) {
      expect(own[i].done).toBeGreaterThanOrEqual(own[i - 1].done);
      expect(own[i].rows!.done).toBeGreaterThanOrEqual(own[i - 1].rows!.done);
    }
    expect(new Set(own.map((e) => e.table?.split('.').at(-1)).filter(Boolean))).toEqual(new Set(['acc', 'con', 'note']));
    const last = own.at(-1)!;
    expect(last.done).toBe(last.total);
    expect(last.rows).toEqual({ done: rows, total: rows });
    expect(last.etaSeconds).toBe(0);
  }

  it('the dry run and the apply report every table and every row, and end at done = total', async () => {
    await db.exec('DELETE FROM acc WHERE id > 30');
    await db.exec('DELETE FROM con WHERE id > 180');
    await db.exec('DELETE FROM note WHERE id > 85');
    const lost = 10 + 120 + 5;
    const selections = ['acc', 'con', 'note'].map((table) => ({ table, classes: ['deleted' as const], keys: [] }));
    const planning: ProgressUpdate[] = [];
    const plan = await planMerge(live, { backupId: id, selections, policy: 'abort' }, { onProgress: (e) => planning.push(e) }, env);
    try {
      expect(plan.totals.inserted).toBe(lost);
      expectComplete(planning, 'dry run', lost);
      // The dry run wrote nothing that stays.
      expect(Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM con'))[0].n)).toBe(180);

      const applying: ProgressUpdate[] = [];
      const outcome = await plan.apply({ onProgress: (e) => applying.push(e) });
      expect(outcome.failed).toBeNull();
      expect(outcome.totals.inserted).toBe(lost);
      expectComplete(applying, 'apply', lost);
      for (const [t, n] of [
        ['acc', 40],
        ['con', 300],
        ['note', 90],
      ] as const)
        expect(Number((await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${t}`))[0].n), t).toBe(n);
    } finally {
      await plan.close();
    }
  });

  it('a progress listener only observes: one that throws changes nothing of the apply', async () => {
    await db.exec('DELETE FROM con WHERE id > 250');
    const plan = await planMerge(live, { backupId: id, selections: [{ table: 'con', classes: ['deleted'], keys: [] }], policy: 'abort' }, {}, env);
    try {
      let calls = 0;
      const outcome = await plan.apply({
        onProgress: () => {
          calls++;
          throw new Error('a broken display');
        },
      });
      expect(calls).toBeGreaterThan(1);
      expect(outcome.failed).toBeNull();
      expect(outcome.totals.inserted).toBe(50);
      expect(outcome.verify).toEqual({ checked: 50, mismatched: 0 });
      expect(Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM con'))[0].n)).toBe(300);
    } finally {
      await plan.close();
    }
  });
});
