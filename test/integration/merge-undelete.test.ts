import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { internalNamespace } from '../../src/dialect/namespaces.js';
import { prepareMerge } from '../../src/merge/engine.js';
import { UNDELETE_SOURCE } from '../../src/merge/model.js';
import { undoMerge } from '../../src/merge/undo.js';
import { checksums } from '../helpers/checksum.js';
import { queryChecksum } from '../helpers/crm-e2e.js';
import { expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * `merge --undelete`: soft-deleted rows come back with no backup at all (every backup would hold
 * them deleted too). Hostile names throughout: the person table and two of its columns carry
 * quotes, a backtick, spaces and non-ASCII letters.
 */

const PEOPLE = 'we"ird `people` ü';
const NAME = 'na"me `x`';
const PERSON_ID = 'person id';

function q(engine: TestEngine, name: string): string {
  return engine === 'postgres' ? `"${name.replace(/"/g, '""')}"` : `\`${name.replace(/`/g, '``')}\``;
}

function schemaSql(engine: TestEngine): string[] {
  const ts = engine === 'postgres' ? 'timestamp' : 'datetime(6)';
  const bool = engine === 'postgres' ? 'boolean' : 'tinyint(1)';
  const t = (n: string) => (engine === 'postgres' ? (n === '1' ? 'true' : 'false') : n);
  const P = q(engine, PEOPLE);
  const N = q(engine, NAME);
  const PID = q(engine, PERSON_ID);
  return [
    // Generic schema: `deleted_at` (a deletion time) and `deleted` (a flag) are marks crm-rescue knows.
    `CREATE TABLE ${P} (id int PRIMARY KEY, ${N} varchar(50), deleted_at ${ts} NULL)`,
    `CREATE TABLE links (id int PRIMARY KEY, ${PID} int NOT NULL REFERENCES ${P}(id), label varchar(20), deleted_at ${ts} NULL)`,
    `CREATE TABLE tags (id int PRIMARY KEY, person_id int NOT NULL REFERENCES ${P}(id), tag varchar(20), deleted ${bool} NOT NULL DEFAULT ${t('0')})`,
    `CREATE TABLE plain (id int PRIMARY KEY, v varchar(10))`,
    // Odoo-style archive: active = false, with write_date/write_uid set on archiving.
    `CREATE TABLE archived (id int PRIMARY KEY, active ${bool}, write_date ${ts} NULL, write_uid int)`,
    `INSERT INTO archived VALUES (1, ${t('1')}, NULL, NULL), (2, ${t('0')}, '2026-03-02 08:00:00', 7), (3, NULL, NULL, NULL)`,
    `INSERT INTO ${P} VALUES (1, 'Ann', NULL), (2, 'Bob ☃', '2026-03-01 10:00:00'), (3, 'Cy', '2026-03-01 10:00:05'), (4, 'Di', '2025-01-01 00:00:00')`,
    // 20, 30: deleted with Bob (seconds apart); 21: unlinked a day before; 22: live.
    `INSERT INTO links VALUES (20, 2, 'same', '2026-03-01 10:00:01'), (21, 2, 'older', '2026-02-28 09:00:00'), (22, 2, 'live', NULL), (23, 1, 'ann', NULL), (30, 3, 'cy', '2026-03-01 10:00:05')`,
    `INSERT INTO tags VALUES (40, 2, 'flagged', ${t('1')}), (41, 2, 'kept', ${t('0')}), (42, 4, 'di', ${t('1')})`,
    `INSERT INTO plain VALUES (1, 'x')`,
  ];
}

interface Plan {
  type: string;
  mergeId: string;
  backupId: string;
  applied: boolean;
  tables: { name: string; updates: number; inserts: number; skipped: number }[];
  totals: { inserted: number; updated: number; skipped: number };
  notes?: string[];
  verify?: { checked: number; mismatched: number };
}

describe.each(engines)('%s merge --undelete', (engine) => {
  const sb = makeSandbox(`undelete-${engine}`);
  let temp: TempDb;
  const TABLES = [PEOPLE, 'links', 'tags', 'plain'];
  const run = (args: string[]) => sb.run(['merge', '--url', temp.url, ...args]);
  const plan = async (args: string[]): Promise<Plan> => {
    const r = await run([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout);
    return (lines.find((l) => l.type === 'result') ?? lines.find((l) => l.type === 'plan')) as unknown as Plan;
  };
  const undo = (id: string) => sb.run(['undo', id, '--url', temp.url, '--yes', '--json']);
  const value = async (table: string, column: string, id: number) =>
    (await temp.query<Record<string, unknown>>(`SELECT ${q(engine, column)} AS v FROM ${q(engine, table)} WHERE id = ${id}`))[0].v;
  const written = (p: Plan) => Object.fromEntries(p.tables.filter((t) => t.updates + t.inserts > 0).map((t) => [t.name, t.updates + t.inserts]));

  beforeAll(async () => {
    temp = await createTempDb(engine, 'undel');
    for (const s of schemaSql(engine)) await temp.exec(s);
  });
  afterAll(async () => {
    await temp?.drop();
    sb.cleanup();
  });

  it('previews for real, rolls back, and says it only clears the mark and what it leaves', async () => {
    const before = await checksums(temp, TABLES);
    const p = await plan(['--table', PEOPLE, '--undelete', '--keys', '2', '--with-related']);
    expect(p.type).toBe('plan');
    expect(p.applied).toBe(false);
    expect(p.backupId).toBe('undelete');
    // Bob and the link deleted with him; not the link unlinked the day before, not Cy.
    expect(written(p)).toEqual({ [PEOPLE]: 1, links: 1 });
    expect(p.notes?.join('\n')).toMatch(/clears deleted_at \(to NULL\) and writes nothing else/);
    // The flagged tag has no deletion time to match: left, and said.
    expect(p.notes?.join('\n')).toMatch(/1 row\(s\) of \S*tags point at undeleted rows .* left as they are/);
    expect(await checksums(temp, TABLES)).toEqual(before);

    const text = await run(['--table', PEOPLE, '--undelete', '--where', 'id >= 2']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Dry run \(rolled back, nothing changed\): undelete mrg_\S+ \(soft-delete marks cleared, no backup\)/);
    expect(text.stdout).toMatch(/Total\s+0 inserted · 3 updated · 0 skipped/);
    // Keys and --where together: the keys that match it.
    expect(written(await plan(['--table', PEOPLE, '--undelete', '--keys', '2,3', '--where', 'id = 3']))).toEqual({ [PEOPLE]: 1 });
    expect(await checksums(temp, TABLES)).toEqual(before);
  });

  it('applies in one journaled transaction, is listed by merges, and undo puts the marks back', async () => {
    const before = await checksums(temp, TABLES);
    const others = {
      people: await queryChecksum(temp, `SELECT * FROM ${q(engine, PEOPLE)} WHERE id <> 2`),
      links: await queryChecksum(temp, `SELECT * FROM links WHERE id <> 20`),
    };
    const m = await plan(['--table', PEOPLE, '--undelete', '--keys', '2', '--with-related', '--apply', '--yes']);
    expect(m.applied).toBe(true);
    expect(written(m)).toEqual({ [PEOPLE]: 1, links: 1 });
    expect(m.verify).toEqual({ checked: 2, mismatched: 0 });
    expect(await value(PEOPLE, 'deleted_at', 2)).toBeNull();
    expect(await value('links', 'deleted_at', 20)).toBeNull();
    expect(await value('links', 'deleted_at', 21)).not.toBeNull();
    expect(await value(PEOPLE, NAME, 2)).toBe('Bob ☃');
    // Nothing else changed.
    expect(await queryChecksum(temp, `SELECT * FROM ${q(engine, PEOPLE)} WHERE id <> 2`)).toBe(others.people);
    expect(await queryChecksum(temp, `SELECT * FROM links WHERE id <> 20`)).toBe(others.links);
    expect(await checksums(temp, ['tags', 'plain'])).toEqual({ tags: before.tags, plain: before.plain });

    const list = await sb.run(['merges', '--url', temp.url, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({
      id: m.mergeId,
      backupId: 'undelete',
      state: 'applied',
      totals: { inserted: 0, updated: 2, skipped: 0 },
    });

    const u = await undo(m.mergeId);
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout).state).toBe('undone');
    expect(await checksums(temp, TABLES)).toEqual(before);
  });

  it('clears a boolean flag, and undo refuses a row edited since', async () => {
    const before = await checksums(temp, TABLES);
    const m = await plan(['--table', 'tags', '--undelete', '--keys', '40', '--apply', '--yes']);
    expect(written(m)).toEqual({ tags: 1 });
    expect(Number(await value('tags', 'deleted', 40))).toBe(0);
    expect(await checksums(temp, [PEOPLE, 'links', 'plain'])).toEqual({ [PEOPLE]: before[PEOPLE], links: before.links, plain: before.plain });

    await temp.exec(`UPDATE tags SET tag = 'edited' WHERE id = 40`);
    const edited = await checksums(temp, TABLES);
    const refused = await undo(m.mergeId);
    expectOneLineError(refused, 1, /1 row\(s\) of \S*tags changed after merge mrg_\S+; nothing was undone/);
    expect(await checksums(temp, TABLES)).toEqual(edited);

    await temp.exec(`UPDATE tags SET tag = 'flagged' WHERE id = 40`);
    const u = await undo(m.mergeId);
    expect(u.code, u.stderr).toBe(0);
    expect(await checksums(temp, TABLES)).toEqual(before);
  });

  it('an archive mark (active = false) is set back to true, through the engine; the touched columns stay; undo restores', async () => {
    const before = await checksums(temp, ['archived']);
    const db = await openDb(completeTarget(parseTargetUrl(temp.url)), { readOnly: false, interactive: false });
    try {
      const live = (await db.dialect.introspect(db)).tables.find((x) => x.name === 'archived')!;
      const mark = { column: 'active', kind: 'active' as const, touches: ['write_date', 'write_uid'], actorColumn: 'write_uid', timeColumn: 'write_date' };
      const session = await prepareMerge(
        db,
        {
          backupId: UNDELETE_SOURCE,
          root: { live, staged: live, key: ['id'], softDelete: mark },
          selections: [{ kind: 'undelete', where: 'id > 0' }],
          related: [],
          relations: [],
          withRelated: false,
          policy: 'abort',
          erasureHashes: [],
        },
        { stagingNs: internalNamespace(db.dialect.engine, db.target.database) },
      );
      let result;
      try {
        // Row 3 (active NULL) is not archived: only row 2 is selected.
        expect(session.selected).toEqual([{ table: `${live.schema}.archived`, rows: 1, via: 'selection' }]);
        const dry = await session.execute(false);
        expect(dry.notes).toEqual([
          `${live.schema}.archived: clears active (to true) and writes nothing else; write_date, write_uid keep the values the delete wrote`,
        ]);
        expect(await checksums(temp, ['archived'])).toEqual(before);
        result = await session.execute(true);
      } finally {
        await session.close();
      }
      expect(result.verify).toEqual({ checked: 1, mismatched: 0 });
      const row = (
        await temp.query<Record<string, unknown>>(
          `SELECT active, ${engine === 'postgres' ? 'write_date::text' : 'CAST(write_date AS CHAR)'} AS wd, write_uid FROM archived WHERE id = 2`,
        )
      )[0];
      expect([row.active === true || Number(row.active) === 1, String(row.wd).slice(0, 16), Number(row.write_uid)]).toEqual([true, '2026-03-02 08:00', 7]);
      expect((await undoMerge(db, result.mergeId)).state).toBe('undone');
      expect(await checksums(temp, ['archived'])).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it('refuses with one line: no soft-delete mark, rows not deleted, no rows named, a backup given, no backup', async () => {
    const before = await checksums(temp, TABLES);
    expectOneLineError(await run(['--table', 'plain', '--undelete', '--keys', '1']), 1, /table \S*plain has no soft-delete mark that crm-rescue knows/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--keys', '1,2']), 1, /1 row\(s\) of .+ is not soft-deleted \(deleted_at\): \{"id":1\}/);
    expectOneLineError(
      await run(['--table', PEOPLE, '--undelete', '--keys', '99']),
      1,
      /key\(s\) is not in the live .*\{"id":99\}\. Check the keys \(crm-rescue audit deletions/,
    );
    expectOneLineError(await run(['--table', PEOPLE, '--undelete']), 2, /--undelete needs to know which rows/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--where', 'id = 1']), 1, /no soft-deleted row of .* matches the selection/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--where', 'id = 1; DROP TABLE plain']), 1, /--where must be one condition/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--deleted', '--keys', '2']), 2, /does not combine with --deleted/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--keys', '2', '--backup', 'x']), 2, /--undelete reads no backup/);
    expectOneLineError(await run(['--table', PEOPLE, '--keys', '2']), 2, /merge needs --backup ID/);
    expect(await checksums(temp, TABLES)).toEqual(before);
  });
});
