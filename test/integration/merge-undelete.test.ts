import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect((await checksums(temp, ['tags', 'plain']))).toEqual({ tags: before.tags, plain: before.plain });

    const list = await sb.run(['merges', '--url', temp.url, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ id: m.mergeId, backupId: 'undelete', state: 'applied', totals: { inserted: 0, updated: 2, skipped: 0 } });

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

  it('refuses with one line: no soft-delete mark, rows not deleted, no rows named, a backup given, no backup', async () => {
    const before = await checksums(temp, TABLES);
    expectOneLineError(await run(['--table', 'plain', '--undelete', '--keys', '1']), 1, /table \S*plain has no soft-delete mark that crm-rescue knows/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--keys', '1,2']), 1, /1 row\(s\) of .+ is not soft-deleted \(deleted_at\): \{"id":1\}/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--keys', '99']), 1, /key\(s\) is not in the live .*\{"id":99\}\. Check the keys \(crm-rescue audit deletions/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete']), 2, /--undelete needs to know which rows/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--where', 'id = 1']), 1, /no soft-deleted row of .* matches the selection/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--where', 'id = 1; DROP TABLE plain']), 1, /--where must be one condition/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--deleted', '--keys', '2']), 2, /does not combine with --deleted/);
    expectOneLineError(await run(['--table', PEOPLE, '--undelete', '--keys', '2', '--backup', 'x']), 2, /--undelete reads no backup/);
    expectOneLineError(await run(['--table', PEOPLE, '--keys', '2']), 2, /merge needs --backup ID/);
    expect(await checksums(temp, TABLES)).toEqual(before);
  });
});
