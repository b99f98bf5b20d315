import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * The binary log as an audit source (`--source binlog`), on a private MariaDB with the log on
 * (ROW format): deletions in two tables at distinct times are listed with their keys, times and
 * positions, they make one incident whose proposed `merge --backup binlog --since … --until …`
 * brings the rows back. Event times are pinned with SET TIMESTAMP (the log records the
 * session's time), so nothing depends on today's date. On the shared server the log is off: the
 * source is unavailable, and asking for it says so in one line.
 */
describe('audit source: the binary log (private MariaDB)', () => {
  const sb = makeSandbox('audit-binlog');
  let m: PrivateMariaDb;
  let url = '';
  /** Delete_rows event positions per table, from the server's own SHOW BINLOG EVENTS. */
  const deletePositions = new Map<string, string[]>();

  const T0 = Date.parse('2026-01-09T08:00:00Z') / 1000;
  const T1 = Date.parse('2026-01-10T09:00:00Z') / 1000;
  const T2 = Date.parse('2026-01-10T09:01:30Z') / 1000;

  beforeAll(async () => {
    m = await startPrivateMariaDb();
    url = `${m.url}/crm`;
    await m.query(`CREATE DATABASE crm CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      CREATE TABLE crm.contacts (id int unsigned PRIMARY KEY, name varchar(40) NOT NULL);
      CREATE TABLE crm.accounts (code varchar(20) PRIMARY KEY, label text);
      CREATE TABLE crm.loose (a int);
      CREATE TABLE crm.changed (id int PRIMARY KEY, v int);
      CREATE TABLE crm.renamed (id int PRIMARY KEY, v int);
      CREATE TABLE crm.later (id int PRIMARY KEY);
      INSERT INTO crm.later VALUES (7);
      INSERT INTO crm.contacts VALUES (1, 'Ada'), (2, 'Bob'), (3, 'Cy'), (4, 'Di'), (5, 'Éve ☃'), (6, 'Fay');
      INSERT INTO crm.accounts VALUES ('ACME', 'Acme Inc.'), ('Zeta', NULL), ('Other', 'kept');
      INSERT INTO crm.loose VALUES (1), (2);
      INSERT INTO crm.changed VALUES (1, 10), (2, 20);
      INSERT INTO crm.renamed VALUES (1, 10), (2, 20);`);
    // Deletions in tables changed later: their keys are not decoded with today's definition,
    // whether the logged columns differ (changed) or look the same (renamed).
    await m.query(`SET TIMESTAMP = ${T0}; DELETE FROM crm.changed WHERE id = 1; DELETE FROM crm.renamed WHERE id = 1;
      SET TIMESTAMP = ${T0 + 10}; ALTER TABLE crm.changed ADD COLUMN w int; ALTER TABLE crm.renamed RENAME COLUMN v TO v2;`);
    await m.query(`SET TIMESTAMP = ${T1}; DELETE FROM crm.contacts WHERE id IN (2, 3, 5);`);
    await m.query(`SET TIMESTAMP = ${T2}; DELETE FROM crm.accounts WHERE code IN ('ACME', 'Zeta'); DELETE FROM crm.loose;`);
    // The deletions' file is closed: a second audit must not read it again.
    await m.query('FLUSH BINARY LOGS');
    const events = await m.query<{ Pos: unknown; Event_type: string; Info: string }>("SHOW BINLOG EVENTS IN 'binlog.000001'");
    let table = '';
    for (const e of events) {
      const map = /\((\w+)\.(\w+)\)/.exec(e.Info);
      if (e.Event_type === 'Table_map' && map) table = `${map[1]}.${map[2]}`;
      if (/^Delete_rows/.test(e.Event_type)) deletePositions.set(table, [...(deletePositions.get(table) ?? []), `binlog.000001:${String(e.Pos)}`]);
    }
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
    sb.cleanup();
  });

  const window = ['--since', '2026-01-09T00:00:00Z', '--until', '2026-01-11T00:00:00Z'];

  it('lists exactly the deletions of tables with a key: key, time, position, statement; no user', async () => {
    const r = await sb.run(['audit', 'deletions', '--url', url, '--source', 'binlog', ...window, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout) as {
      time: string;
      table: string;
      key: Record<string, string>;
      actor: unknown;
      kind: string;
      source: string;
      details: Record<string, unknown>;
    }[];
    expect(events.map((e) => [e.time, e.table, e.key])).toEqual([
      ['2026-01-10T09:01:30.000Z', 'accounts', { code: 'Zeta' }],
      ['2026-01-10T09:01:30.000Z', 'accounts', { code: 'ACME' }],
      ['2026-01-10T09:00:00.000Z', 'contacts', { id: '5' }],
      ['2026-01-10T09:00:00.000Z', 'contacts', { id: '3' }],
      ['2026-01-10T09:00:00.000Z', 'contacts', { id: '2' }],
      ['2026-01-09T08:00:00.000Z', 'renamed', {}],
      ['2026-01-09T08:00:00.000Z', 'changed', {}],
    ]);
    for (const e of events) expect(e).toMatchObject({ actor: null, kind: 'hard', source: 'binlog' });
    const positionOf = (t: string) => [...new Set(events.filter((e) => e.table === t).map((e) => e.details.position))];
    expect(positionOf('contacts')).toEqual(deletePositions.get('crm.contacts'));
    expect(positionOf('accounts')).toEqual(deletePositions.get('crm.accounts'));
    expect(positionOf('changed')).toEqual(deletePositions.get('crm.changed'));
    expect(events[0].details.statement).toMatch(/DELETE FROM crm\.accounts WHERE code IN/);
    expect(events[5].details.note).toMatch(/changed later in the log \(binlog\.000001:\d+: ALTER TABLE crm\.renamed RENAME COLUMN/);
    expect(events[6].details.note).toMatch(/definition in the log differs from the live one \(logged with 2 columns, the live table has 3\)/);
    // The source says what it cannot see.
    const s = await sb.run(['audit', 'sources', '--url', url, '--json']);
    const binlog = (JSON.parse(s.stdout) as { sources: { id: string; available: boolean; caveat: string }[] }).sources.find((x) => x.id === 'binlog');
    expect(binlog).toMatchObject({ available: true });
    expect(binlog!.caveat).toMatch(/names no user/);
  });

  it('a second audit reads no unchanged file again, and only what was added to a file that grew', async () => {
    const read = async () =>
      await m.query<{ file: string; bytes: string; read_at: string }>('SELECT file, bytes, read_at FROM crm_rescue__crm.binlog_files ORDER BY file');
    const before = await read();
    expect(before.map((f) => f.file)).toEqual(['binlog.000001', 'binlog.000002']);
    // A deletion appended to the open file, hours after the others (an incident of its own).
    await m.query(`SET TIMESTAMP = ${T1 + 3 * 3600}; DELETE FROM crm.later WHERE id = 7;`);
    const r = await sb.run(['audit', 'deletions', '--url', url, '--source', 'binlog', ...window, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout) as { time: string; table: string; key: unknown; details: { position: string } }[];
    expect(events.map((e) => [e.time, e.table, e.key])).toEqual([
      ['2026-01-10T12:00:00.000Z', 'later', { id: '7' }],
      ...Array.from({ length: 7 }, () => expect.anything()),
    ]);
    expect(events[0].details.position).toMatch(/^binlog\.000002:\d+$/);
    const after = await read();
    expect(after[0]).toEqual(before[0]);
    expect(Number(after[1].bytes)).toBeGreaterThan(Number(before[1].bytes));
  });

  it('counts them in the timeline', async () => {
    const r = await sb.run([
      'audit',
      'timeline',
      '--url',
      url,
      '--source',
      'binlog',
      '--bucket',
      'minute',
      '--since',
      '2026-01-10T09:00:00Z',
      '--until',
      '2026-01-10T09:03:00Z',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).buckets).toEqual([
      { start: '2026-01-10T09:00:00.000Z', hard: 3, soft: 0 },
      { start: '2026-01-10T09:01:00.000Z', hard: 2, soft: 0 },
      { start: '2026-01-10T09:02:00.000Z', hard: 0, soft: 0 },
    ]);
  });

  it('groups them into one incident whose proposed merge from the log brings the rows back', async () => {
    const r = await sb.run([
      'audit',
      'incidents',
      '--url',
      url,
      '--source',
      'binlog',
      '--min-rows',
      '1',
      '--since',
      '2026-01-10T00:00:00Z',
      '--until',
      '2026-01-10T10:00:00Z',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { incidents } = JSON.parse(r.stdout) as { incidents: { window: unknown; merge: { commands: string[] } }[] };
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      window: { start: '2026-01-10T09:00:00.000Z', end: '2026-01-10T09:01:30.000Z' },
      actors: [{ id: null, name: null }],
      rows: { total: 5, hard: 5, soft: 0 },
      tables: [
        { schema: 'crm', table: 'contacts', hard: 3, soft: 0 },
        { schema: 'crm', table: 'accounts', hard: 2, soft: 0 },
      ],
      sources: ['binlog'],
      merge: { backup: 'binlog', since: '2026-01-10T09:00:00Z', until: '2026-01-10T09:01:30Z' },
    });
    expect(incidents[0].merge.commands).toEqual([
      'crm-rescue merge --backup binlog --since 2026-01-10T09:00:00Z --until 2026-01-10T09:01:30Z --table contacts --deleted --with-related',
      'crm-rescue merge --backup binlog --since 2026-01-10T09:00:00Z --until 2026-01-10T09:01:30Z --table accounts --deleted --with-related',
    ]);
    for (const command of incidents[0].merge.commands) {
      const args = command.split(' ').slice(1);
      const run = await sb.run([...args, '--url', url, '--apply', '--yes', '--json']);
      expect(run.code, run.stderr).toBe(0);
    }
    expect(await m.query('SELECT id, name FROM crm.contacts ORDER BY id')).toEqual(
      ['Ada', 'Bob', 'Cy', 'Di', 'Éve ☃', 'Fay'].map((name, i) => ({ id: i + 1, name })),
    );
    expect(await m.query('SELECT code, label FROM crm.accounts ORDER BY code')).toEqual([
      { code: 'ACME', label: 'Acme Inc.' },
      { code: 'Other', label: 'kept' },
      { code: 'Zeta', label: null },
    ]);
    // The staging the merges did (CREATE/RENAME TABLE in crm-rescue's namespaces) is no change of
    // the live tables: the deletions keep their keys. People see the command to run, whole.
    const again = await sb.run(['audit', 'deletions', '--url', url, '--source', 'binlog', '--table', 'contacts', ...window, '--json']);
    expect(ndjson(again.stdout).map((e) => e.key)).toEqual([{ id: '5' }, { id: '3' }, { id: '2' }]);
    const text = await sb.run([
      'audit',
      'incidents',
      '--url',
      url,
      '--source',
      'binlog',
      '--min-rows',
      '1',
      '--since',
      '2026-01-10T00:00:00Z',
      '--until',
      '2026-01-10T10:00:00Z',
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('merge back from the binary log:');
    expect(text.stdout).toContain(`    ${incidents[0].merge.commands[0]}\n`);
  });

  it('--binlog-file reads local files instead: only their deletions are listed', async () => {
    const r = await sb.run(['audit', 'deletions', '--url', url, '--source', 'binlog', '--binlog-file', `${m.dir}/binlog.000001`, ...window, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout) as { table: string; details: { position: string } }[];
    expect(events.map((e) => e.table)).toEqual(['accounts', 'accounts', 'contacts', 'contacts', 'contacts', 'renamed', 'changed']);
    expect(events.every((e) => e.details.position.startsWith('binlog.000001:'))).toBe(true);
    const missing = await sb.run(['audit', 'deletions', '--url', url, '--source', 'binlog', '--binlog-file', `${m.dir}/nothing-here`]);
    expectOneLineError(missing, 1, /Binary log file .*nothing-here does not exist/);
  });
});

describe('audit source binlog with the log off (shared server)', () => {
  const sb = makeSandbox('audit-binlog-off');
  let temp: TempDb;
  beforeAll(async () => {
    temp = await createTempDb('mysql', 'auditbinlogoff');
    await temp.exec('CREATE TABLE t (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await temp?.drop();
    sb.cleanup();
  });

  it('is unavailable, and asking for it says in one line that the log is off', async () => {
    const s = await sb.run(['audit', 'sources', '--url', temp.url, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const binlog = (JSON.parse(s.stdout) as { sources: { id: string }[] }).sources.find((x) => x.id === 'binlog');
    expect(binlog).toMatchObject({ available: false, unavailable: expect.stringMatching(/log_bin is OFF/) });
    const r = await sb.run(['audit', 'deletions', '--url', temp.url, '--source', 'binlog']);
    expectOneLineError(r, 1, /audit source binlog is not available on .*log_bin is OFF/);
  });
});
