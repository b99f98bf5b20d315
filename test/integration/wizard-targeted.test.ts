import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTriggerAudit } from '../../src/audit/index.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { auditServices, type IncidentSummary } from '../../src/recovery/audit.js';
import { diffServices } from '../../src/recovery/diff.js';
import { protectPgTables } from '../../src/nobackup/pg-protect.js';
import { readLossKeys, type LossQuery } from '../../src/recovery/loss-keys.js';
import { planMerge } from '../../src/recovery/merge-plan.js';
import { stageServices } from '../../src/recovery/stage.js';
import { stagingOf } from '../../src/stage/resolve.js';
import { lossOfIncident, lossQuery } from '../../src/tui/screens/wizard/wizard-model.js';
import { backupId, makeSandbox } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * #19: the wizard's recovery of an incident stages only the rows the incident deleted (its keys,
 * from the audit), not the tables: the stage step's copies hold the incident's rows, the diff and
 * the plan use those copies without staging again, and the merge brings every row back.
 */
describe.each(engines)("%s: the wizard stages only the incident's rows", (engine: TestEngine) => {
  const sb = makeSandbox(`wiztgt-${engine}`);
  const env = { ...process.env, ...sb.env };
  let db: TempDb;
  let rw: Db;
  let live: Db;
  let id: string;
  let before: string;
  let incident: IncidentSummary;

  /** What both tables hold, in one comparable string. */
  async function contents(): Promise<string> {
    const a = await db.query<{ id: unknown; name: unknown }>('SELECT id, name FROM acc ORDER BY id');
    const c = await db.query<{ id: unknown; acc_id: unknown; name: unknown }>('SELECT id, acc_id, name FROM con ORDER BY id');
    return JSON.stringify([a.map((r) => [Number(r.id), r.name]), c.map((r) => [Number(r.id), Number(r.acc_id), r.name])]);
  }

  beforeAll(async () => {
    db = await createTempDb(engine, 'wiztgt');
    await db.exec(`CREATE TABLE acc (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
    await db.exec(`CREATE TABLE con (id int PRIMARY KEY, acc_id int NOT NULL, name varchar(40) NOT NULL, FOREIGN KEY (acc_id) REFERENCES acc (id))`);
    const gen = (n: number) => (engine === 'postgres' ? `generate_series(1, ${n}) AS g` : `seq_1_to_${n} AS g`);
    const g = engine === 'postgres' ? 'g' : 'g.seq';
    await db.exec(`INSERT INTO acc SELECT ${g}, CONCAT('account ', ${g}) FROM ${gen(400)}`);
    await db.exec(`INSERT INTO con SELECT ${g}, 1 + ${g} % 400, CONCAT('contact ', ${g}) FROM ${gen(3000)}`);
    before = await contents();
    id = await backupId(sb.run, db.url);
    rw = await openDb(parseTargetUrl(db.url), { readOnly: false, interactive: false });
    await installTriggerAudit(rw, { tables: ['acc', 'con'] });
    // The incident: 10 accounts and their 70 contacts, deleted by one user at once.
    await db.exec('DELETE FROM con WHERE acc_id > 390');
    await db.exec('DELETE FROM acc WHERE id > 390');
    // The console reads through a read-only connection; staging and merges open their own.
    live = await openDb(parseTargetUrl(db.url), { interactive: false });
    [incident] = await auditServices(live, env).incidents();
  }, 300_000);
  afterAll(async () => {
    await live?.close();
    await rw?.close();
    await db?.drop();
    sb.cleanup();
  });

  const loss = (): LossQuery => lossQuery(lossOfIncident(incident))!;
  const stagedRows = async () => {
    const [staging] = (await stageServices(live, () => live.dialect.introspect(live), env).list()).filter((s) => s.backupId === id);
    return Object.fromEntries(staging.tables.map((t) => [t.table.split('.').at(-1), t.rows]));
  };

  it("the incident's keys, per table, from the audit", async () => {
    expect(incident.rows.total).toBe(80);
    expect(incident.actorId).not.toBeUndefined();
    const keys = await readLossKeys(live, loss());
    const snap = await live.dialect.introspect(live);
    const table = (name: string) => snap.tables.find((t) => t.name === name)!;
    expect(keys.keysOf(table('acc'))).toHaveLength(10);
    expect(keys.keysOf(table('con'))).toHaveLength(70);
    expect((await keys.target(table('acc')))?.keys.map((k) => Number(k[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 391 + i));
    // A loss described by hand, of one table: every actor's deletions of it.
    const described = await readLossKeys(live, { since: loss().since, until: loss().until, tables: ['con'] });
    expect(described.keysOf(table('con'))).toHaveLength(70);
  });

  it('stage, diff and plan of the incident stage its rows only, once; the merge brings them all back', async () => {
    const stage = stageServices(live, () => live.dialect.introspect(live), env);
    const staged = await stage.run({ backupId: id, tables: lossOfIncident(incident).tables, withRelated: true, loss: loss() });
    expect(staged.targeted?.map((t) => [t.table.split('.').at(-1), t.keys, t.found]).sort()).toEqual([
      ['acc', 10, 10],
      ['con', 70, 70],
    ]);
    // The copies hold the incident's rows, not the tables' (400 and 3,000 in the backup).
    expect(await stagedRows()).toEqual({ acc: 10, con: 70 });

    const set = await diffServices(live, env).open({ backupId: id, tables: lossOfIncident(incident).tables, loss: loss() });
    // The stage step's copies serve: nothing staged again.
    expect(set.stagedNow).toEqual([]);
    expect(set.targeted?.map((t) => t.keys).sort((a, b) => a - b)).toEqual([10, 70]);
    const counts = Object.fromEntries(set.tables.map((t) => [t.id.split('.').at(-1), t.counts]));
    // Only the incident's keys were compared: live's other rows are not "added".
    expect(counts.acc).toMatchObject({ deleted: 10, changed: 0, added: 0 });
    expect(counts.con).toMatchObject({ deleted: 70, changed: 0, added: 0 });

    const marker = async () => (await stagingOf(live, id))!.tables.map((t) => `${t.name} ${t.stagedAt} ${t.targeted?.digest}`).sort();
    const copies = await marker();
    // Single rows chosen: only they are planned, from the same copies.
    const accId = set.tables.find((t) => t.id.endsWith('acc'))!.id;
    const two = (await set.rows(accId, 'deleted', null, 2)).map((r) => ({ class: r.class, key: r.key }));
    const some = await planMerge(live, { backupId: id, selections: [{ table: accId, classes: [], keys: two }], policy: 'abort', loss: loss() }, {}, env);
    try {
      expect(some.totals.inserted).toBe(2);
    } finally {
      await some.close();
    }
    expect(await marker()).toEqual(copies);
    const selections = set.tables.map((t) => ({ table: t.id, classes: ['deleted' as const], keys: [] }));
    const plan = await planMerge(live, { backupId: id, selections, policy: 'abort', loss: loss() }, {}, env);
    try {
      expect(plan.totals.inserted).toBe(80);
      const outcome = await plan.apply();
      expect(outcome.failed).toBeNull();
      expect(outcome.totals.inserted).toBe(80);
    } finally {
      await plan.close();
    }
    expect(await contents()).toBe(before);
    // Nothing was staged again: the plan took the stage step's copies (same keys, same digests),
    // con too, although it is brought along with acc (withRelated): its own incident keys serve.
    expect(await marker()).toEqual(copies);
    // Still only the incident's rows staged.
    expect(await stagedRows()).toEqual({ acc: 10, con: 70 });
    const after = await set.recount();
    for (const t of after) expect(t.counts).toMatchObject({ deleted: 0, changed: 0, added: 0 });
  });
});

/**
 * A source that needs no backup gets the loss's keys too: PostgreSQL's dead tuples hold every row
 * deleted since the last vacuum, and the wizard stages only those of the loss.
 */
describe('postgres: the dead tuples of a loss, by its keys', () => {
  const sb = makeSandbox('wiztgt-dead');
  const env = { ...process.env, ...sb.env };
  let db: TempDb;
  let live: Db;

  beforeAll(async () => {
    db = await createTempDb('postgres', 'wiztgtdead');
    await db.exec('CREATE EXTENSION pageinspect');
    await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name text NOT NULL)`);
    const rw = await openDb(parseTargetUrl(db.url), { readOnly: false, interactive: false });
    try {
      // Protected before anything is deleted: autovacuum cannot take the dead versions first.
      expect((await protectPgTables(rw, [{ schema: 'public', name: 'contacts' }]))[0].ran).toBe(true);
      await db.exec(`INSERT INTO contacts SELECT g, 'contact ' || g FROM generate_series(1, 200) g`);
      await installTriggerAudit(rw, { tables: ['contacts'] });
    } finally {
      await rw.close();
    }
    // Deleted earlier, and not part of the loss: dead tuples too.
    await db.exec('DELETE FROM contacts WHERE id <= 5');
    await db.exec('DELETE FROM contacts WHERE id BETWEEN 101 AND 120');
    live = await openDb(parseTargetUrl(db.url), { interactive: false });
  }, 120_000);
  afterAll(async () => {
    await live?.close();
    await db?.drop();
    sb.cleanup();
  });

  it('stages, compares and merges only the loss rows; the rows deleted before it stay deleted', async () => {
    // The loss: the second deletion's events (a later transaction, so a later time).
    const events = await auditServices(live, env).events({}, null, 100);
    const times = events.filter((e) => Number(e.key.id) > 100).map((e) => e.time);
    expect(times).toHaveLength(20);
    const since = times.reduce((a, b) => (a < b ? a : b));
    const until = new Date(Date.parse(times.reduce((a, b) => (a > b ? a : b))) + 1).toISOString();
    expect(
      events
        .filter((e) => e.time >= since)
        .map((e) => Number(e.key.id))
        .sort((a, b) => a - b)[0],
    ).toBe(101);
    const loss: LossQuery = { since, until, tables: ['contacts'] };

    const staged = await stageServices(live, () => live.dialect.introspect(live), env).run({
      backupId: 'dead-tuples',
      tables: ['contacts'],
      withRelated: true,
      window: { since, until },
      loss,
    });
    expect(staged.targeted).toEqual([{ table: 'contacts', keys: 20, found: 20 }]);
    expect(staged.tables.find((t) => t.table === 'contacts')?.rows).toBe(20);

    const window = { since, until, staged: true };
    const set = await diffServices(live, env).open({ backupId: 'dead-tuples', tables: ['contacts'], window, loss });
    expect(set.stagedNow).toEqual([]);
    expect(set.tables[0].counts).toMatchObject({ deleted: 20, added: 0 });

    const selections = [{ table: set.tables[0].id, classes: ['deleted' as const], keys: [] }];
    const plan = await planMerge(live, { backupId: 'dead-tuples', selections, policy: 'abort', window, loss }, {}, env);
    try {
      expect(plan.totals.inserted).toBe(20);
      expect((await plan.apply()).failed).toBeNull();
    } finally {
      await plan.close();
    }
    const ids = (await db.query<{ id: number }>('SELECT id FROM contacts ORDER BY id')).map((r) => r.id);
    expect(ids).toHaveLength(195);
    expect(ids[0]).toBe(6);
  });
});
