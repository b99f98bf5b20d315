import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { planMerge } from '../../src/recovery/merge-plan.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { freezeStatistics, statRows } from '../helpers/statistics.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * #18: one recovery is one transaction. An incident's tables (here `acc` and `con`, both lost
 * rows) are planned, dry-run and applied as ONE merge: one journal entry, one undo, and a failure
 * in the last table's part leaves the first table as it was, not half an incident recovered.
 */
describe.each(engines)('%s: several tables, one merge', (engine: TestEngine) => {
  const sb = makeSandbox(`m1tx-${engine}`);
  const env = { ...process.env, ...sb.env };
  let db: TempDb;
  let live: Db;
  let id: string;
  let before: string;
  const ns = () => (engine === 'postgres' ? '"crm_rescue".merges' : `\`crm_rescue__${db.name}\`.merges`);

  /** What both tables hold, in one comparable string. */
  async function contents(): Promise<string> {
    const a = await db.query<{ id: unknown; name: unknown }>('SELECT id, name FROM acc ORDER BY id');
    const c = await db.query<{ id: unknown; acc_id: unknown; name: unknown }>('SELECT id, acc_id, name FROM con ORDER BY id');
    return JSON.stringify([a.map((r) => [Number(r.id), r.name]), c.map((r) => [Number(r.id), Number(r.acc_id), r.name])]);
  }
  const journal = async () => Number((await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${ns()}`))[0].n);

  beforeAll(async () => {
    db = await createTempDb(engine, 'm1tx');
    await db.exec(`CREATE TABLE acc (id int PRIMARY KEY, name varchar(40) NOT NULL UNIQUE)`);
    await db.exec(`CREATE TABLE con (id int PRIMARY KEY, acc_id int NOT NULL, name varchar(40) NOT NULL)`);
    const gen = (n: number) => (engine === 'postgres' ? `generate_series(1, ${n}) AS g` : `seq_1_to_${n} AS g`);
    const g = engine === 'postgres' ? 'g' : 'g.seq';
    await db.exec(`INSERT INTO acc SELECT ${g}, CONCAT('account ', ${g}) FROM ${gen(40)}`);
    await db.exec(`INSERT INTO con SELECT ${g}, 1 + ${g} % 40, CONCAT('contact ', ${g}) FROM ${gen(300)}`);
    before = await contents();
    id = await backupId(sb.run, db.url);
    live = await openDb(parseTargetUrl(db.url), { interactive: false });
  }, 300_000);
  afterAll(async () => {
    await live?.close();
    await db?.drop();
    sb.cleanup();
  });

  /** The incident: 10 accounts and 120 contacts deleted. */
  async function incident(): Promise<string> {
    await db.exec('DELETE FROM acc WHERE id > 30');
    await db.exec('DELETE FROM con WHERE id > 180');
    return contents();
  }

  it('the console plan: both tables dry-run and applied in one transaction; a failure in the second part leaves the first unwritten', async () => {
    const lost = await incident();
    const journaled = await journal().catch(() => 0);
    const selections = [
      { table: 'acc', classes: ['deleted' as const], keys: [] },
      { table: 'con', classes: ['deleted' as const], keys: [] },
    ];
    const plan = await planMerge(live, { backupId: id, selections, policy: 'abort' }, {}, env);
    try {
      expect(plan.merges.map((m) => m.root.split('.').at(-1)).sort()).toEqual(['acc', 'con']);
      // One merge: every step carries the plan's merge id.
      expect(new Set(plan.merges.map((m) => m.mergeId))).toEqual(new Set([plan.mergeId]));
      expect(plan.totals.inserted).toBe(130);
      // Break the second table's part after the plan: a trigger refuses every insert into con.
      if (engine === 'postgres') {
        await db.exec(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'con is read-only today'; END $$`);
        await db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON con FOR EACH ROW EXECUTE FUNCTION refuse()`);
      } else {
        await db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON con FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'con is read-only today'`);
      }
      const outcome = await plan.apply();
      expect(outcome.failed?.error).toMatch(/read-only today/);
      expect(outcome.merges).toEqual([]);
      // acc was written first in the same transaction: rolled back with con's part.
      expect(await contents()).toBe(lost);
      expect(await journal().catch(() => 0)).toBe(journaled);
    } finally {
      await plan.close();
      await db.exec(engine === 'postgres' ? 'DROP TRIGGER IF EXISTS refuse ON con' : 'DROP TRIGGER IF EXISTS refuse');
    }

    const again = await planMerge(live, { backupId: id, selections, policy: 'abort' }, {}, env);
    try {
      const outcome = await again.apply();
      expect(outcome.failed).toBeNull();
      expect(outcome.totals.inserted).toBe(130);
      expect(outcome.verify).toEqual({ checked: 130, mismatched: 0 });
      expect(await contents()).toBe(before);
      expect(await journal()).toBe(journaled + 1);
    } finally {
      await again.close();
    }
    // One undo takes both tables back to after the incident.
    const u = await sb.run(['undo', again.mergeId, '--url', db.url, '--yes', '--json']);
    expect(u.code, u.stderr).toBe(0);
    expect(await contents()).toBe(lost);
  });

  it('the CLI: merge --table acc --table con is one dry run, one apply, one journal entry, one undo', async () => {
    // Back to the backup's contents, then the incident again.
    const restore = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'acc', '--table', 'con', '--deleted', '--apply', '--yes', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await contents()).toBe(before);
    const lost = await incident();
    const journaled = await journal();

    // Statistics that change only when asked: the merge itself must refresh them (ANALYZE).
    await freezeStatistics(db, 'con');
    expect(await statRows(db, 'con')).toBe(180);

    const dry = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'acc', '--table', 'con', '--deleted', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = ndjson(dry.stdout).find((l) => l.type === 'plan') as { mergeId: string; totals: { inserted: number }; parts: { root: { name: string } }[] };
    expect(plan.totals.inserted).toBe(130);
    expect(plan.parts.map((p) => p.root.name).sort()).toEqual(['acc', 'con']);
    expect(await contents()).toBe(lost);

    const r = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'acc', '--table', 'con', '--deleted', '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as { mergeId: string; totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.totals.inserted).toBe(130);
    expect(result.verify.mismatched).toBe(0);
    expect(await contents()).toBe(before);
    expect(await journal()).toBe(journaled + 1);
    expect(await statRows(db, 'con')).toBe(300);

    const u = await sb.run(['undo', result.mergeId, '--url', db.url, '--yes', '--json']);
    expect(u.code, u.stderr).toBe(0);
    expect(await contents()).toBe(lost);

    // A part blocked by a conflict (abort policy): the dry run shows both parts, says which is
    // blocked and exits non-zero; the apply writes neither table.
    // Someone re-created account 31 under another id: its name collides with the backup's row.
    await db.exec(`INSERT INTO acc (id, name) VALUES (1000, 'account 31')`);
    const blockedLive = await contents();
    const dryBlocked = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'acc', '--table', 'con', '--deleted', '--json']);
    expect(dryBlocked.code, dryBlocked.stderr).toBe(1);
    expect(dryBlocked.stdout, dryBlocked.stderr).toContain('"type":"plan"');
    const blockedPlan = ndjson(dryBlocked.stdout).find((l) => l.type === 'plan') as { parts: { root: { name: string }; blocked?: { message: string } }[] };
    expect(blockedPlan.parts.find((p) => p.root.name === 'acc')?.blocked?.message).toMatch(/conflict/i);
    expect(blockedPlan.parts.find((p) => p.root.name === 'con')?.blocked).toBeUndefined();
    const applyBlocked = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'acc', '--table', 'con', '--deleted', '--apply', '--yes']);
    expectOneLineError(applyBlocked, 1, /nothing was written/);
    expect(await contents()).toBe(blockedLive);
    await db.exec('DELETE FROM acc WHERE id = 1000');

    // Flags about one table's rows are refused with several tables: one line, nothing written.
    const bad = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'acc', '--table', 'con', '--keys', '31', '--apply', '--yes']);
    expectOneLineError(bad, 2, /--keys is about one table's rows, and 2 tables are named/);
    expect(await contents()).toBe(lost);
  });
});
