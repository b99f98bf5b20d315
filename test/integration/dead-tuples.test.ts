import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { UserError } from '../../src/errors.js';
import { protectPgTables } from '../../src/nobackup/pg-protect.js';
import { deadTupleSource } from '../../src/stage/sources/dead-tuples.js';
import { stageFromSource } from '../../src/stage/stage-rows.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait.js';

const CONTACTS = { schema: 'public', name: 'contacts' };

const DDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE contacts (
  id int PRIMARY KEY, small int2, big int8, amount numeric(14,2), ratio numeric, name text, code varchar(10), flag char(3),
  active bool, born date, seen timestamp(6), seen_tz timestamptz, uid uuid, blob bytea, doc jsonb, f4 real, f8 double precision,
  notes text, gone int, dropped_later text, tags text[], grid int8[], span interval, mood mood
);`;

/** Rows of every decoded type: NULLs, extremes, specials, Unicode, and long values (compressed inline and out of line). */
const rows = (outOfLine: boolean) => `
INSERT INTO contacts VALUES
 (1, -32768, -9223372036854775808, -123456789012.34, 0.000001234, 'Zoë ''quoted'' \\ back', 'abc', 'x', true, '2026-12-06', '2026-12-06 16:42:01.123456', '2026-12-06 16:42:01.5+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{"a": [1, 2.50, "x\\"y"], "b": {"c": null, "d": true}, "e": -1e-7}', 3.14159, 2.718281828459045, 'short', 1, 'x', '{"a b","q\\"uote","back\\\\slash",NULL,""}', '{{1,2},{3,NULL}}', '1 year 2 mons 3 days 04:05:06.789', 'happy'),
 (2, 32767, 9223372036854775807, 99999999999.99, 'NaN', '', '', '', false, '0044-03-15 BC', 'infinity', '-infinity', '00000000-0000-0000-0000-000000000000', '\\x', '"scalar"', 'NaN', '-Infinity', repeat('compressible ', 2000), 2, 'y', '{}', '[0:1]={5,6}', '-3 days -01:00:00.000001', 'sad'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 0, 0, 12345678901234567890.123456789, 'plain', 'v', 'abc', true, '1999-12-31', '1970-01-01 00:00:00', '2000-01-01 00:00:00+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff', decode(repeat('ab', 3000), 'hex'), '[]', -0, 1e300, ${outOfLine ? "(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i)" : "'notes'"}, 4, 'z', '{x}', '{9223372036854775807}', '1000 hours', 'ok'),
 (5, 5, 5, 5.5, 5, 'five', 'five', 'fiv', false, '2020-02-29', '2020-02-29 23:59:59.999999', '2020-02-29 23:59:59.999999-11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15', '\\x05', '{"deep": {"er": [[], {}, [1, {"x": "ünï"}]]}}', 1.5e-20, -5e-324, 'five', 5, 'w', '{five}', '{5}', '-1 mons +1 days', 'ok'),
 (6, 6, 6, 6, 6, 'six', 'six', 'six', true, '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a16', '\\x06', '{}', 6, 6, 'six', 6, 'v', '{six}', '{6}', '0', 'ok'),
 (7, 7, 7, 7, 7, 'seven', 'seven', 'sev', true, '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a17', '\\x07', '{}', 7, 7, 'seven', 7, 'u', '{seven}', '{7}', '0', 'ok');
ALTER TABLE contacts DROP COLUMN gone;
`;

async function open(url: string): Promise<Db> {
  return openDb(completeTarget(parseTargetUrl(url)), { readOnly: false, interactive: false });
}

/** Every row's exact text form, by id. */
async function rowTexts(t: TempDb, table: string): Promise<Map<number, string>> {
  const rows = await t.query<{ id: number; txt: string }>(`SELECT id, (x.*)::text AS txt FROM ${table} x ORDER BY id`);
  return new Map(rows.map((r) => [r.id, r.txt]));
}

describe('PostgreSQL dead tuples as a row source', () => {
  const temps: TempDb[] = [];
  const dbs: Db[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.close();
    for (const t of temps.splice(0)) await t.drop();
  });

  async function setup(extensions: string[], outOfLine = true): Promise<{ t: TempDb; db: Db }> {
    const t = await createTempDb('postgres', 'deadtup');
    temps.push(t);
    for (const e of extensions) await t.exec(`CREATE EXTENSION ${e}`);
    await t.exec(DDL);
    const db = await open(t.url);
    dbs.push(db);
    // Protected before anything is deleted: autovacuum cannot take the dead versions first.
    const [res] = await protectPgTables(db, [CONTACTS]);
    expect(res.ran).toBe(true);
    await t.exec(rows(outOfLine));
    return { t, db };
  }

  /** Deletes 1, 2, 4 and 5 (5 after an UPDATE), keeps 3, 6 and 7 (7's delete rolled back). Returns the expected staged texts. */
  async function incident(t: TempDb): Promise<Map<number, string>> {
    await t.exec(`UPDATE contacts SET name = 'five, renamed', doc = '{"v": 2}' WHERE id = 5`);
    const before = await rowTexts(t, 'contacts');
    await t.exec(`UPDATE contacts SET small = 66 WHERE id = 6`);
    await t.exec(`DELETE FROM contacts WHERE id IN (1, 2, 4, 5)`);
    await t.exec(`BEGIN; DELETE FROM contacts WHERE id = 7; ROLLBACK;`);
    return new Map([1, 2, 4, 5].map((id) => [id, before.get(id)!]));
  }

  async function stage(db: Db, method?: 'pg_dirtyread' | 'pageinspect') {
    const source = await deadTupleSource(db, { method });
    const res = await stageFromSource(db, source, await source.find(['contacts']));
    return { source, ns: res.namespace, table: res.tables[0] };
  }

  for (const [method, outOfLine] of [
    ['pg_dirtyread', false],
    ['pageinspect', true],
    [undefined, true],
  ] as const) {
    it(`stages exactly the deleted rows, newest version per key, through ${method ?? 'the best way'}${outOfLine ? ', values out of line included' : ''}`, async () => {
      const { t, db } = await setup(['pg_dirtyread', 'pageinspect'], outOfLine);
      const expected = await incident(t);
      const { source, ns, table } = await stage(db, method);
      expect(source.about.description).toContain(method ?? 'pg_dirtyread (pageinspect where deleted values are stored out of line)');
      expect(source.about.description).toContain('every committed deletion');
      const staged = await rowTexts(t, `"${ns}"."${table.stagedAs}"`);
      expect([...staged.keys()]).toEqual([1, 2, 4, 5]);
      for (const [id, txt] of expected) expect(staged.get(id), `row ${id}`).toBe(txt);
      expect(table.note).toContain(
        method ? `4 deleted rows from 7 dead versions, through ${method})` : 'through pageinspect, its TOAST values read from raw pages)',
      );
      // Reading pruned nothing: the dead versions are all still there to read again.
      const again = await stage(db, method);
      expect(again.table.rows).toBe(4);
    });
  }

  it('refuses pg_dirtyread alone for deleted values stored out of line: reading them would prune them', async () => {
    const { t, db } = await setup(['pg_dirtyread'], true);
    await incident(t);
    const err = await stage(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^public\.contacts has \d+ dead TOAST chunks \(deleted values stored out of line\); reading them through pg_dirtyread would prune/,
    );
    // Nothing was read the unsafe way: pageinspect still finds every chunk afterwards.
    await t.exec('CREATE EXTENSION pageinspect');
    const { table } = await stage(db, 'pageinspect');
    expect(table.rows).toBe(4);
  });

  it('reports a row whose TOAST chunks are gone, by key, and stages the others', async () => {
    const { t, db } = await setup(['pg_dirtyread', 'pageinspect']);
    await incident(t);
    const [{ toast }] = await t.query<{ toast: string }>(`SELECT reltoastrelid::regclass::text AS toast FROM pg_class WHERE relname = 'contacts'`);
    await t.exec(`VACUUM ${toast}`);
    for (const method of [undefined, 'pageinspect'] as const) {
      const { table, ns } = await stage(db, method);
      expect(table.note, method).toMatch(/1 left out.*id=4: (blob|notes): its TOAST chunks are gone/);
      const staged = await rowTexts(t, `"${ns}"."${table.stagedAs}"`);
      expect([...staged.keys()]).toEqual([1, 2, 5]);
    }
  });

  it('refuses a vacuumed table in one line, with its last vacuum', async () => {
    const { t, db } = await setup(['pg_dirtyread']);
    await incident(t);
    await t.exec('VACUUM contacts');
    const err = await stage(db, 'pg_dirtyread').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^no deleted row versions of public\.contacts are left on disk \(last vacuum \d{4}-/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses when neither extension is there, saying what a DBA runs', async () => {
    const { db } = await setup([]);
    const err = await deadTupleSource(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('cannot read deleted row versions: pg_dirtyread is not installed and pageinspect is not installed in this database');
    expect((err as UserError).hint).toContain('CREATE EXTENSION pg_dirtyread;');
    expect((err as UserError).hint).toContain('CREATE EXTENSION pageinspect;');
  });

  it('a pageinspect read whose COPY session is killed midway stages nothing, leaves no work table, and the dead tuples are all still there', async () => {
    const { t, db } = await setup(['pageinspect'], false);
    // Live as it will be (read before the deletes: a read after them would prune dead tuples).
    const live = await rowTexts(t, 'contacts');
    // Enough dead rows that the COPY into the work table is still running when it is killed.
    await t.exec(`INSERT INTO contacts (id, name, notes) SELECT i, 'filler ' || i, repeat('x', 200) FROM generate_series(100, 60099) i`);
    await t.exec(`DELETE FROM contacts WHERE id >= 100`);
    const source = await deadTupleSource(db, { method: 'pageinspect' });
    const staging = stageFromSource(db, source, await source.find(['contacts']));
    staging.catch(() => undefined);
    // The COPY's own session, once it runs: terminated by the server, as a dropped connection.
    await waitFor(
      async () => {
        const [r] = await t.query<{ n: string }>(
          `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'COPY %FROM STDIN%' AND pid <> pg_backend_pid()`,
        );
        return Number(r.n) > 0;
      },
      { what: 'the COPY into the work table to run' },
    );
    const err = await staging.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err, 'the stage must fail').not.toBeNull();
    expect(err!.message).not.toContain('\n');
    // Nothing staged, nothing left over in the staging namespace (only its own marker); live as it was.
    const leftovers = await t.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema LIKE 'crm_rescue_stage_%' AND table_name <> '_crm_rescue_staging'`,
    );
    expect(leftovers).toEqual([]);
    // The interrupted read pruned nothing: a second one finds every deleted row.
    const again = await stage(db, 'pageinspect');
    expect(again.table.rows).toBe(60000);
    expect(await rowTexts(t, 'contacts')).toEqual(live);
  });

  it('reads without pruning a page, where a plain SELECT prunes it', async () => {
    const t = await createTempDb('postgres', 'deadprune');
    temps.push(t);
    await t.exec(`CREATE EXTENSION pg_dirtyread; CREATE EXTENSION pageinspect; CREATE TABLE p (id int PRIMARY KEY, v text)`);
    const db = await open(t.url);
    dbs.push(db);
    await protectPgTables(db, [{ schema: 'public', name: 'p' }]);
    // Full pages (under 10 % free): the first plain read of such a page prunes its dead tuples.
    await t.exec(`INSERT INTO p SELECT g, 'value ' || g FROM generate_series(1, 2000) g; DELETE FROM p WHERE id % 3 = 0`);
    const page0 = () =>
      t.query<{ normal: string; dead: string }>(
        `SELECT count(*) FILTER (WHERE lp_flags = 1) AS normal, count(*) FILTER (WHERE lp_flags = 3) AS dead FROM heap_page_items(get_raw_page('p', 0))`,
      );
    const before = await page0();
    expect(Number(before[0].dead)).toBe(0);
    for (const method of ['pg_dirtyread', 'pageinspect'] as const) {
      const source = await deadTupleSource(db, { method });
      const res = await stageFromSource(db, source, await source.find(['p']));
      expect(res.tables[0].rows).toBe(666);
      expect(await page0()).toEqual(before);
    }
    // The control: a plain read prunes the page, when nothing else on the server holds back the
    // horizon (another session's snapshot) and no one pins the buffer; then pageinspect says so.
    await t.query(`SELECT count(*) FROM p`);
    const pruned = Number((await page0())[0].dead);
    if (pruned) {
      const source = await deadTupleSource(db, { method: 'pageinspect' });
      const res = await stageFromSource(db, source, await source.find(['p']));
      expect(res.tables[0].rows).toBeLessThanOrEqual(666 - pruned);
      expect(res.tables[0].note).toMatch(/; \d+ row versions were already pruned from their pages by a read since, their values gone\)$/);
    }
  });

  it('stages the old versions of updated rows with updates, and says the window could not be checked without commit times', async () => {
    const { t, db } = await setup(['pg_dirtyread'], false);
    const before = await rowTexts(t, 'contacts');
    await incident(t);
    const source = await deadTupleSource(db, {
      updates: true,
      since: '2026-12-06T16:42:00Z',
      until: '2026-12-06T16:44:00Z',
      windowSource: "the audit's incident",
    });
    expect(source.about.description).toMatch(
      /commit times are not tracked \(track_commit_timestamp off\), so the window 2026-12-06T16:42:00Z – 2026-12-06T16:44:00Z \(the audit's incident\) could not be checked per row/,
    );
    const res = await stageFromSource(db, source, await source.find(['contacts']));
    const staged = await rowTexts(t, `"${res.namespace}"."${res.tables[0].stagedAs}"`);
    expect([...staged.keys()]).toEqual([1, 2, 4, 5, 6]);
    expect(staged.get(6)).toBe(before.get(6));
  });

  it('pageinspect tells an UPDATE of the key from a delete (t_ctid)', async () => {
    const t = await createTempDb('postgres', 'deadkey');
    temps.push(t);
    await t.exec(`CREATE EXTENSION pageinspect; CREATE TABLE r (id int PRIMARY KEY, v text); INSERT INTO r VALUES (1, 'one'), (2, 'two')`);
    const db = await open(t.url);
    dbs.push(db);
    await protectPgTables(db, [{ schema: 'public', name: 'r' }]);
    await t.exec(`UPDATE r SET id = 10 WHERE id = 1; DELETE FROM r WHERE id = 2`);
    const source = await deadTupleSource(db);
    const res = await stageFromSource(db, source, await source.find(['r']));
    expect(await rowTexts(t, `"${res.namespace}"."${res.tables[0].stagedAs}"`)).toEqual(new Map([[2, '(2,two)']]));
  });

  it('pageinspect refuses a column type it does not decode, naming it', async () => {
    const t = await createTempDb('postgres', 'deadtype');
    temps.push(t);
    await t.exec(`CREATE EXTENSION pageinspect; CREATE TABLE q (id int PRIMARY KEY, words tsvector); INSERT INTO q VALUES (1, 'a b'); DELETE FROM q`);
    const db = await open(t.url);
    dbs.push(db);
    const source = await deadTupleSource(db);
    const err = await stageFromSource(db, source, await source.find(['q'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('column words of "public"."q" is of type tsvector, whose on-disk bytes crm-rescue does not decode (pageinspect path)');
  });

  it('protect --release restores the reloptions the table had before', async () => {
    const t = await createTempDb('postgres', 'deadprot');
    temps.push(t);
    await t.exec(`CREATE TABLE a (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = true); CREATE TABLE b (id int PRIMARY KEY)`);
    const db = await open(t.url);
    dbs.push(db);
    const opts = async () =>
      new Map(
        (
          await t.query<{ relname: string; heap: string[] | null; toast: string[] | null }>(
            `SELECT c.relname, c.reloptions AS heap, tc.reloptions AS toast FROM pg_class c LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid WHERE c.relname IN ('a', 'b')`,
          )
        ).map((r) => [r.relname, [r.heap, r.toast]]),
      );
    const before = await opts();
    const dry = await protectPgTables(db, [{ schema: 'public', name: 'a' }], { dryRun: true });
    expect(dry[0]).toMatchObject({ ran: false, sql: ['ALTER TABLE "public"."a" SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)'] });
    expect(await opts()).toEqual(before);
    const res = await protectPgTables(db, [
      { schema: 'public', name: 'a' },
      { schema: 'public', name: 'b' },
    ]);
    expect(res.map((r) => r.sql)).toEqual([
      ['ALTER TABLE "public"."a" SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)'],
      ['ALTER TABLE "public"."b" SET (autovacuum_enabled = false)'],
    ]);
    expect(res[0].report).toMatchObject({ toastTable: true, heapOptions: ['autovacuum_enabled=false'], toastOptions: ['autovacuum_enabled=false'] });
    expect(res[1].report.toastTable).toBe(false);
    // Protecting again keeps the first record (what the table had before crm-rescue).
    expect((await protectPgTables(db, [{ schema: 'public', name: 'a' }]))[0].note).toBe('already protected');
    const rel = await protectPgTables(
      db,
      [
        { schema: 'public', name: 'a' },
        { schema: 'public', name: 'b' },
      ],
      { release: true },
    );
    expect(rel[0].sql).toEqual([
      'ALTER TABLE "public"."a" RESET (autovacuum_enabled, toast.autovacuum_enabled)',
      'ALTER TABLE "public"."a" SET (autovacuum_enabled = true)',
    ]);
    expect(await opts()).toEqual(before);
    expect((await protectPgTables(db, [{ schema: 'public', name: 'a' }], { release: true }))[0].note).toBe('not protected by crm-rescue: nothing to release');
  });
});
