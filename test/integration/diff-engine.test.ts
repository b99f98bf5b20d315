import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { TableInfo } from '../../src/dialect/model.js';
import { planDiff } from '../../src/diff/plan.js';
import { countDiff, diffPage, diffRows, runDiff } from '../../src/diff/run.js';
import type { DiffRow } from '../../src/diff/model.js';
import { engines } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * The same table twice: "Kon takt" as the backup had it (staged) and as live has it now. Rows are
 * built so each one exercises one comparison trap.
 */
function ddl(engine: 'postgres' | 'mysql', qualified: string): string {
  if (engine === 'postgres') {
    return `CREATE TABLE ${qualified} (
      "Id" int NOT NULL, "sub key" varchar(10) NOT NULL, name text, note varchar(50), amount numeric, ts timestamptz,
      doc json, bin bytea, "deleted" smallint NOT NULL DEFAULT 0, date_modified timestamptz, PRIMARY KEY ("Id", "sub key"))`;
  }
  return `CREATE TABLE ${qualified} (
    \`Id\` int NOT NULL, \`sub key\` varchar(10) NOT NULL, name text, note varchar(50), amount decimal(12,4), ts datetime(6),
    doc longtext, bin blob, \`deleted\` tinyint NOT NULL DEFAULT 0, date_modified datetime(6), PRIMARY KEY (\`Id\`, \`sub key\`))
    CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;
}

const COLS = '("Id", "sub key", name, note, amount, ts, doc, bin, deleted, date_modified)';
const BASE = [
  `(1, 'a', 'same', 'x', 1.5, '2026-01-01 10:00:00.123456+00', '{"a":1}', '\\x0102', 0, NULL)`,
  `(2, 'a', 'gone', 'x', 1.5, '2026-01-01 10:00:00+00', NULL, NULL, 0, NULL)`,
  `(3, 'a', 'null vs empty', NULL, 1, NULL, NULL, NULL, 0, NULL)`,
  `(4, 'a', 'trailing', 'abc', 1, NULL, NULL, NULL, 0, NULL)`,
  `(5, 'a', 'case', 'abc', 1, NULL, NULL, NULL, 0, NULL)`,
  `(6, 'a', 'scale', 'x', 1.5, NULL, NULL, NULL, 0, NULL)`,
  `(7, 'a', 'micro', 'x', 1, '2026-01-01 10:00:00.000001+00', NULL, NULL, 0, NULL)`,
  `(8, 'a', 'blob', 'x', 1, NULL, NULL, '\\x00ff', 0, NULL)`,
  `(9, 'a', 'soft', 'x', 1, NULL, NULL, NULL, 0, '2026-01-01 00:00:00+00')`,
  `(9, 'b', 'soft+edit', 'x', 1, NULL, NULL, NULL, 0, NULL)`,
  `(10, 'a', 'json', 'x', 1, NULL, '{"a":1}', NULL, 0, NULL)`,
];
const LIVE_CHANGES = [
  `DELETE FROM T WHERE "Id" = 2`,
  `UPDATE T SET note = '' WHERE "Id" = 3`,
  `UPDATE T SET note = 'abc ' WHERE "Id" = 4`,
  `UPDATE T SET note = 'ABC' WHERE "Id" = 5`,
  `UPDATE T SET amount = 1.50 WHERE "Id" = 6`,
  `UPDATE T SET ts = '2026-01-01 10:00:00.000002+00' WHERE "Id" = 7`,
  `UPDATE T SET bin = '\\x00fe' WHERE "Id" = 8`,
  `UPDATE T SET deleted = 1, date_modified = '2026-11-21 16:42:00+00' WHERE "Id" = 9 AND "sub key" = 'a'`,
  `UPDATE T SET deleted = 1, name = 'edited too' WHERE "Id" = 9 AND "sub key" = 'b'`,
  `UPDATE T SET doc = '{"a": 1}' WHERE "Id" = 10`,
  `INSERT INTO T ${COLS} VALUES (11, 'a', 'new', 'x', 1, NULL, NULL, NULL, 0, NULL)`,
];

/** Spells the PostgreSQL-flavoured fixture SQL for MySQL. */
function forEngine(engine: 'postgres' | 'mysql', sqlText: string): string {
  if (engine === 'postgres') return sqlText;
  return sqlText
    .replace(/"Id"/g, '`Id`')
    .replace(/"sub key"/g, '`sub key`')
    .replace(/'\\x([0-9a-f]+)'/g, "X'$1'")
    .replace(/'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\+00'/g, "'$1'");
}

describe.each(engines)('%s diff engine', (engine) => {
  let live: TempDb;
  let stage: TempDb | undefined;
  let db: Db;
  let liveInfo: TableInfo;
  let stagedInfo: TableInfo;
  const TABLE = 'Kon takt';

  beforeAll(async () => {
    live = await createTempDb(engine, 'diff');
    const q = (s: string, t: string) => (engine === 'postgres' ? `"${s}"."${t}"` : `\`${s}\`.\`${t}\``);
    let stagedSchema: string;
    if (engine === 'postgres') {
      stagedSchema = 'crm_rescue_stage_test';
      await live.exec(`CREATE SCHEMA ${stagedSchema}`);
    } else {
      stage = await createTempDb('mysql', 'diffstage');
      stagedSchema = stage.name;
    }
    const liveSchema = engine === 'postgres' ? 'public' : live.name;
    for (const schema of [liveSchema, stagedSchema]) {
      await live.exec(ddl(engine, q(schema, TABLE)));
      await live.exec(forEngine(engine, `INSERT INTO ${q(schema, TABLE)} ${COLS} VALUES ${BASE.join(', ')}`));
    }
    for (const change of LIVE_CHANGES) await live.exec(forEngine(engine, change.replace(/\bT\b/, q(liveSchema, TABLE))));
    db = await openDb(completeTarget(parseTargetUrl(live.url)), { interactive: false });
    const snap = await db.dialect.introspect(db, engine === 'postgres' ? { schemas: ['public', stagedSchema], includeInternal: true } : {});
    liveInfo = snap.tables.find((t) => t.schema === liveSchema && t.name === TABLE)!;
    if (engine === 'postgres') stagedInfo = snap.tables.find((t) => t.schema === stagedSchema && t.name === TABLE)!;
    else {
      // The staged copy lives in another database on the same server.
      stagedInfo = { ...liveInfo, schema: stagedSchema };
    }
  });
  afterAll(async () => {
    await db?.close();
    await live?.drop();
    await stage?.drop();
  });

  const softDelete = { column: 'deleted', kind: 'flag' as const, touches: ['date_modified'] };

  it('counts every class exactly, in the database', async () => {
    const plan = planDiff({ staged: stagedInfo, live: liveInfo, softDelete });
    expect(plan.key).toEqual(['Id', 'sub key']);
    const summary = await countDiff(db, plan);
    // changed: 3 (null vs empty), 4 (trailing space), 5 (case), 7 (microsecond), 8 (blob), 9b (soft + edit), 10 (json text)
    // and 6 (numeric scale) on PostgreSQL, where numeric keeps the scale it was given.
    const changedIds = engine === 'postgres' ? 8 : 7;
    expect(summary.counts).toEqual({ deleted: 1, softDeleted: 1, changed: changedIds, added: 1, unchanged: engine === 'postgres' ? 1 : 2 });
  });

  it('streams rows by class in key order with column-level detail', async () => {
    const plan = planDiff({ staged: stagedInfo, live: liveInfo, softDelete });
    const rows: DiffRow[] = [];
    for await (const r of diffRows(db, plan, ['deleted', 'soft-deleted', 'changed', 'added'], 2)) rows.push(r);
    const byClass = (c: string) => rows.filter((r) => r.class === c);
    expect(byClass('deleted').map((r) => r.key)).toEqual([{ Id: 2, 'sub key': 'a' }]);
    expect(byClass('deleted')[0].before?.name).toBe('gone');
    expect(byClass('soft-deleted')).toEqual([
      {
        class: 'soft-deleted',
        key: { Id: 9, 'sub key': 'a' },
        changedColumns: ['deleted', 'date_modified'],
        before: { deleted: 0, date_modified: expect.stringMatching(/^2026-01-01 00:00:00/) },
        after: { deleted: 1, date_modified: expect.stringMatching(/^2026-11-21 16:42:00/) },
      },
    ]);
    const changed = byClass('changed');
    const cols = Object.fromEntries(changed.map((r) => [`${String(r.key.Id)}${String(r.key['sub key'])}`, r.changedColumns]));
    expect(cols['3a']).toEqual(['note']);
    expect(changed.find((r) => r.key.Id === 3)?.before).toEqual({ note: null });
    expect(changed.find((r) => r.key.Id === 3)?.after).toEqual({ note: '' });
    expect(cols['4a']).toEqual(['note']);
    expect(cols['5a']).toEqual(['note']);
    expect(cols['7a']).toEqual(['ts']);
    expect(cols['8a']).toEqual(['bin']);
    expect(changed.find((r) => r.key.Id === 8)?.after).toEqual({ bin: '\\x00fe' });
    expect(cols['9b']).toEqual(['name', 'deleted']);
    expect(cols['10a']).toEqual(['doc']);
    expect(byClass('added').map((r) => r.key)).toEqual([{ Id: 11, 'sub key': 'a' }]);
    // Key order within a class, across pages of 2.
    const keys = changed.map((r) => `${String(r.key.Id)}${String(r.key['sub key'])}`);
    expect(keys).toEqual([...keys].sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b)));
  });

  it('one pass (counts from the rows, rows spooled) matches the counts statements and the per-class streams', async () => {
    for (const plan of [
      planDiff({ staged: stagedInfo, live: liveInfo, softDelete }),
      planDiff({ staged: stagedInfo, live: liveInfo, where: forEngine(engine, `"Id" >= 4`) }),
    ]) {
      const streamed: DiffRow[] = [];
      for await (const r of diffRows(db, plan, ['deleted', 'soft-deleted', 'changed', 'added'])) streamed.push(r);
      const run = await runDiff(db, plan);
      const spooled: DiffRow[] = [];
      for await (const r of run.rows()) spooled.push(r);
      await run.close();
      expect(run.summary.counts).toEqual((await countDiff(db, plan)).counts);
      expect(spooled).toEqual(streamed);
      expect(spooled.length).toBe(run.summary.counts.deleted + run.summary.counts.softDeleted + run.summary.counts.changed + run.summary.counts.added);
    }
    // Nothing differs: the counts come without any row to carry them.
    const same = await runDiff(db, planDiff({ staged: stagedInfo, live: liveInfo, where: forEngine(engine, `"Id" = 1`) }));
    const none: DiffRow[] = [];
    for await (const r of same.rows()) none.push(r);
    expect(none).toEqual([]);
    expect(same.summary.counts).toEqual({ deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 1 });
    // Only the asked classes come back; the counts still cover every class.
    const plan = planDiff({ staged: stagedInfo, live: liveInfo, softDelete });
    const run = await runDiff(db, plan, { classes: ['added', 'deleted'] });
    const rows: DiffRow[] = [];
    for await (const r of run.rows()) rows.push(r);
    expect(rows.map((r) => r.class)).toEqual(['deleted', 'added']);
    expect(run.summary.counts.changed).toBe(engine === 'postgres' ? 8 : 7);
  });

  it('leaves no spool behind: after reading, after an early stop, and on close without reading', async () => {
    const plan = planDiff({ staged: stagedInfo, live: liveInfo, softDelete });
    const own = mkdtempSync(join(tmpdir(), 'diff-spool-test-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = own;
    try {
      const read = await runDiff(db, plan);
      let n = 0;
      for await (const r of read.rows()) n += r ? 1 : 0;
      expect(n).toBeGreaterThan(5);
      expect(readdirSync(own)).toEqual([]);
      const stopped = await runDiff(db, plan);
      for await (const r of stopped.rows()) if (r) break;
      expect(readdirSync(own)).toEqual([]);
      const unread = await runDiff(db, plan);
      await unread.close();
      expect(readdirSync(own)).toEqual([]);
      // The connection came back in a usable state each time.
      expect((await countDiff(db, plan)).counts.deleted).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('--limit stops each class after N rows in the server, and 0 reads no row', async () => {
    const plan = planDiff({ staged: stagedInfo, live: liveInfo, softDelete });
    const all: DiffRow[] = [];
    for await (const r of diffRows(db, plan, ['deleted', 'soft-deleted', 'changed', 'added'])) all.push(r);
    const full = (await countDiff(db, plan)).counts;
    for (const limit of [0, 2]) {
      const run = await runDiff(db, plan, { limit });
      const rows: DiffRow[] = [];
      for await (const r of run.rows()) rows.push(r);
      await run.close();
      expect(run.summary.counts).toEqual(full);
      const expected = ['deleted', 'soft-deleted', 'changed', 'added'].flatMap((c) => all.filter((r) => r.class === c).slice(0, limit));
      expect(rows).toEqual(expected);
    }
  });

  it('pages of a class follow each other by key (composite key), and skip jumps ahead', async () => {
    const plan = planDiff({ staged: stagedInfo, live: liveInfo, softDelete });
    const all: DiffRow[] = [];
    for await (const r of diffRows(db, plan, ['changed'])) all.push(r);
    const paged: DiffRow[] = [];
    let after: unknown[] | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof diffPage>> = await diffPage(db, plan, 'changed', after, 2);
      paged.push(...page.rows);
      if (page.rows.length < 2) break;
      after = page.keys[page.keys.length - 1];
    }
    expect(paged).toEqual(all);
    expect((await diffPage(db, plan, 'changed', null, 2, 3)).rows).toEqual(all.slice(3, 5));
    const deleted = await diffPage(db, plan, 'deleted', [1, 'z'], 5);
    expect(deleted.rows.map((r) => r.key)).toEqual([{ Id: 2, 'sub key': 'a' }]);
    expect((await diffPage(db, plan, 'added', [11, 'a'], 5)).rows).toEqual([]);
  });

  it('without the soft-delete mark, a flipped flag is an ordinary change', async () => {
    const summary = await countDiff(db, planDiff({ staged: stagedInfo, live: liveInfo }));
    expect(summary.counts.softDeleted).toBe(0);
    expect(summary.counts.changed).toBe(engine === 'postgres' ? 9 : 8);
  });

  it('--columns limits the comparison, --where filters both sides', async () => {
    const onlyName = await countDiff(db, planDiff({ staged: stagedInfo, live: liveInfo, columns: ['name'] }));
    expect(onlyName.counts).toMatchObject({ deleted: 1, changed: 1, added: 1 });
    const where = await countDiff(db, planDiff({ staged: stagedInfo, live: liveInfo, where: forEngine(engine, `"Id" >= 9`) }));
    expect(where.counts).toMatchObject({ deleted: 0, changed: 3, added: 1 });
  });

  it('refuses unknown columns, a keyless table without --key, and a --where that ends the statement', () => {
    expect(() => planDiff({ staged: stagedInfo, live: liveInfo, columns: ['nope'] })).toThrow(/"nope" is not a column/);
    const keyless = { ...liveInfo, primaryKey: null, uniqueKeys: [] };
    expect(() => planDiff({ staged: keyless, live: keyless })).toThrow(/no primary key.*Pass --key|no primary key/);
    expect(planDiff({ staged: keyless, live: keyless, key: ['Id', 'sub key'] }).keySource).toBe('flag');
    expect(() => planDiff({ staged: stagedInfo, live: liveInfo, where: '1=1; DROP TABLE x' })).toThrow(/without ";"/);
    expect(planDiff({ staged: stagedInfo, live: liveInfo, where: "name = 'a;b'" }).where).toBe("name = 'a;b'");
  });
});
