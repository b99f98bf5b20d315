import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/** Issue #14: partitioned tables and inheritance on PostgreSQL, through stage, diff, merge and undo. */
describe('postgres partitioned and inherited tables: stage, diff, merge, undo', () => {
  const sb = makeSandbox('stage-partitions');
  let db: TempDb;
  let id: string;

  /** Where each row of `events` lives: `id:partition`. */
  const placement = async () => (await db.query<{ p: string }>(`SELECT id || ':' || tableoid::regclass::text AS p FROM events ORDER BY id`)).map((r) => r.p);

  /** The merge id of a `merge --apply --json` run. */
  const mergeIdOf = (stdout: string) => String(ndjson(stdout).find((l) => l.type === 'result')?.mergeId);

  beforeAll(async () => {
    db = await createTempDb('postgres', 'spart');
    await db.exec(`
      CREATE TABLE events (id int NOT NULL, region text NOT NULL, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
      CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
      -- Two levels: us is itself partitioned by id.
      CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us') PARTITION BY RANGE (id);
      CREATE TABLE events_us_low PARTITION OF events_us FOR VALUES FROM (0) TO (100);
      CREATE TABLE events_us_high PARTITION OF events_us FOR VALUES FROM (100) TO (MAXVALUE);
      -- Attached with its columns in another order: its data file is written in that order.
      CREATE TABLE events_apac (v text, region text NOT NULL, id int NOT NULL);
      ALTER TABLE events ATTACH PARTITION events_apac FOR VALUES IN ('apac');
      INSERT INTO events VALUES (1, 'eu', 'a'), (2, 'eu', 'b'), (3, 'us', 'c'), (150, 'us', 'd'), (151, 'us', 'e'), (7, 'apac', 'f'), (8, 'apac', 'g');
      CREATE TABLE people (id int PRIMARY KEY, name text);
      CREATE TABLE staff (dept text) INHERITS (people);
      ALTER TABLE staff ADD PRIMARY KEY (id);
      INSERT INTO people VALUES (1, 'p1'), (2, 'p2');
      INSERT INTO staff VALUES (10, 's1', 'x'), (11, 's2', 'y');`);
    id = await backupId(sb.run, db.url);
  });
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it("#14 a partitioned parent stages with every partition's rows (two levels, columns in another order), and diff, merge and undo work on it", async () => {
    const whole = await tableChecksum(db, 'events');
    const placed = await placement();
    const s = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'events', '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).tables[0]).toMatchObject({ schema: 'public', name: 'events', rows: 7 });

    await db.exec(`DELETE FROM events WHERE id IN (1, 150, 7); UPDATE events SET v = 'changed' WHERE id = 2`);
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'events', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    const lines = ndjson(d.stdout);
    expect(lines[0]).toMatchObject({ counts: { deleted: 3, changed: 1, added: 0, unchanged: 3 } });
    expect(lines.filter((l) => l.class === 'deleted').map((l) => l.key)).toEqual([
      { id: 1, region: 'eu' },
      { id: 7, region: 'apac' },
      { id: 150, region: 'us' },
    ]);

    const m = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'events', '--deleted', '--changed', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    // Rows went back through the parent into the partitions they came from.
    expect(await placement()).toEqual(placed);
    expect(await tableChecksum(db, 'events')).toBe(whole);

    const u = await sb.run(['undo', mergeIdOf(m.stdout), '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect((await placement()).filter((p) => /^(1|150|7):/.test(p))).toEqual([]);
    expect(await db.query(`SELECT v FROM events WHERE id = 2`)).toEqual([{ v: 'changed' }]);
    await db.exec(`INSERT INTO events VALUES (1, 'eu', 'a'), (150, 'us', 'd'), (7, 'apac', 'f'); UPDATE events SET v = 'b' WHERE id = 2`);
    expect(await tableChecksum(db, 'events')).toBe(whole);
  });

  it('#14 a partition named on its own stages, diffs, merges and undoes like a table', async () => {
    const before = await tableChecksum(db, 'events_apac');
    const s = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'events_apac', '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).tables[0]).toMatchObject({ name: 'events_apac', rows: 2 });
    await db.exec(`DELETE FROM events_apac WHERE id = 8`);
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'events_apac', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    expect(ndjson(d.stdout)[0]).toMatchObject({ counts: { deleted: 1, changed: 0, added: 0, unchanged: 1 } });
    const m = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'events_apac', '--deleted', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(await tableChecksum(db, 'events_apac')).toBe(before);
    const u = await sb.run(['undo', mergeIdOf(m.stdout), '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await db.query(`SELECT id FROM events_apac ORDER BY id`)).toEqual([{ id: 7 }]);
    await db.exec(`INSERT INTO events VALUES (8, 'apac', 'g')`);
  });

  it("#14 inheritance: the parent's diff leaves the children's rows out; a child's staging error is the real one, with or without --debug", async () => {
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'people', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    expect(ndjson(d.stdout)[0]).toMatchObject({ counts: { deleted: 0, changed: 0, added: 0, unchanged: 2 } });

    const plain = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'staff']);
    expectOneLineError(
      plain,
      1,
      /loading public\.staff into staging failed: psql exited with code 1: ERROR: +extra data after last expected column\. public\.staff INHERITS from public\.people/,
    );
    expect(plain.stderr).not.toMatch(/CONTEXT/);
    const debug = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'staff', '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(
      /^crm-rescue: loading public\.staff into staging failed: psql exited with code 1: ERROR: +extra data after last expected column/m,
    );
    // --debug also shows what psql said in full.
    expect(debug.stderr).toMatch(/^CONTEXT: +COPY staff__new_\w+, line 1/m);
  });
});
