import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adviseIndexes,
  catalogBackupProvider,
  deletionEvents,
  installTriggerAudit,
  listIncidents,
  streamIncidents,
  loadAuditContext,
  selectSources,
  streamDeletionEvents,
  timeline,
  type AuditContext,
  type AuditSource,
  type DeletionEvent,
} from '../../src/audit/index.js';
import { runBackup } from '../../src/backup/index.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { internalNamespace } from '../../src/dialect/namespaces.js';
import { runCli } from '../helpers/cli.js';
import { engines, MYSQL_ADMIN_URL, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const S = 1000;
const MIN = 60 * S;

/**
 * The synthetic event set: trigger-log rows written directly (hard deletes by alice and bob) and
 * soft-deleted rows of two generic tables without an actor column (unknown actor).
 */
function logRows(): { t: string; user: string; table: string; id: number; op?: string }[] {
  const rows: { t: string; user: string; table: string; id: number; op?: string }[] = [];
  for (let i = 0; i < 30; i++) rows.push({ t: at(i * 10 * S), user: 'alice', table: 'contacts', id: 1000 + i });
  for (let i = 0; i < 25; i++) rows.push({ t: at(20 * MIN + i * 20 * S), user: 'alice', table: i < 10 ? 'notes' : 'contacts', id: 2000 + i });
  for (let i = 0; i < 5; i++) rows.push({ t: at(MIN + i * 30 * S), user: 'bob', table: 'contacts', id: 3000 + i });
  for (let i = 0; i < 40; i++) rows.push({ t: at(120 * MIN + i * S), user: 'bob', table: 'accounts', id: 4000 + i });
  // Two actors interleaved in the same minutes, one of them on two tables.
  for (let i = 0; i < 20; i++) rows.push({ t: at(-180 * MIN + i * 10 * S), user: 'carol', table: i % 2 ? 'y' : 'x', id: 5000 + i });
  for (let i = 0; i < 20; i++) rows.push({ t: at(-180 * MIN + 5 * S + i * 10 * S), user: 'dave', table: 'z', id: 6000 + i });
  rows.push({ t: at(5 * S), user: 'alice', table: 'contacts', id: 9999, op: 'UPDATE' });
  return rows;
}

function fixture(engine: TestEngine): string {
  const soft = (name: string) =>
    engine === 'postgres'
      ? `CREATE TABLE ${name} (id int PRIMARY KEY, deleted smallint NOT NULL DEFAULT 0, updated_at timestamptz);`
      : `CREATE TABLE ${name} (id int PRIMARY KEY, deleted tinyint NOT NULL DEFAULT 0, updated_at datetime(6));`;
  const values: string[] = [];
  for (let i = 0; i < 12; i++)
    values.push(
      `(${i + 1}, 1, '${at(180 * MIN + Math.floor(i / 2) * MIN)
        .replace('T', ' ')
        .replace('Z', '')}')`,
    );
  values.push(`(100, 0, '${at(0).replace('T', ' ').replace('Z', '')}')`);
  return `${soft('alpha')} ${soft('beta')} CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40));
    INSERT INTO alpha VALUES ${values.join(', ')}; INSERT INTO beta VALUES ${values.join(', ')};`;
}

async function dropInternal(temp: TempDb): Promise<void> {
  if (temp.engine !== 'mysql') return;
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${internalNamespace('mysql', temp.name)}\``);
  } finally {
    await admin.end();
  }
}

describe.each(engines)('%s deletion events and incidents', (engine) => {
  let temp: TempDb;
  let db: Db;
  let ctx: AuditContext;
  let sources: AuditSource[];

  beforeAll(async () => {
    temp = await createTempDb(engine, 'audevents');
    await temp.exec(fixture(engine));
    const rw = await openDb(parseTargetUrl(temp.url), { readOnly: false, interactive: false });
    try {
      await installTriggerAudit(rw, { tables: ['contacts'] });
      const ns = internalNamespace(engine, temp.name);
      const log = rw.dialect.quoteQualified(ns, 'audit_log');
      const schema = engine === 'postgres' ? 'public' : temp.name;
      for (const r of logRows()) {
        const p = (i: number) => rw.dialect.placeholder(i);
        await rw.query(
          `INSERT INTO ${log} (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid)
           VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)})`,
          [
            engine === 'postgres' ? r.t : r.t.replace('T', ' ').replace('Z', ''),
            schema,
            r.table,
            r.op ?? 'DELETE',
            `{"id": ${r.id}}`,
            `{"id": ${r.id}}`,
            'crm',
            r.user,
            '1',
          ],
        );
      }
    } finally {
      await rw.close();
    }
    db = await openDb(parseTargetUrl(temp.url), { interactive: false });
    ({ ctx, sources } = selectSources(await loadAuditContext(db)));
  });

  afterAll(async () => {
    await db?.close();
    await dropInternal(temp);
    await temp?.drop();
  });

  it('finds the trigger audit and the soft-delete marks', () => {
    expect(sources.map((s) => s.id)).toEqual(['trigger-audit', 'soft-delete']);
  });

  it('pages through every event newest first, with ties across streams, without gaps or repeats', async () => {
    const all = await deletionEvents(db, ctx, sources, { limit: 1000 });
    expect(all.next).toBeNull();
    expect(all.events).toHaveLength(140 + 24);
    const seen: DeletionEvent[] = [];
    let cursor: string | null = null;
    do {
      const page = await deletionEvents(db, ctx, sources, { limit: 7, cursor });
      seen.push(...page.events);
      cursor = page.next;
    } while (cursor);
    expect(seen.map((e) => `${e.source}/${e.table}/${JSON.stringify(e.key)}`)).toEqual(
      all.events.map((e) => `${e.source}/${e.table}/${JSON.stringify(e.key)}`),
    );
    const times = seen.map((e) => Date.parse(e.time));
    expect(times.every((t, i) => i === 0 || t <= times[i - 1])).toBe(true);
    // The newest: the soft deletes at 13:05, alpha before beta at equal times.
    expect(seen.slice(0, 4).map((e) => [e.time, e.table, e.key.id, e.kind, e.actor])).toEqual([
      ['2026-03-01T13:05:00.000Z', 'alpha', '12', 'soft', null],
      ['2026-03-01T13:05:00.000Z', 'alpha', '11', 'soft', null],
      ['2026-03-01T13:05:00.000Z', 'beta', '12', 'soft', null],
      ['2026-03-01T13:05:00.000Z', 'beta', '11', 'soft', null],
    ]);
    expect(seen.find((e) => e.source === 'soft-delete')!.image).toMatchObject({ id: 12, deleted: 1 });
    const streamed: DeletionEvent[] = [];
    for await (const e of streamDeletionEvents(db, ctx, sources, { limit: 9 })) streamed.push(e);
    expect(streamed.map((e) => e.cursor)).toEqual(all.events.map((e) => e.cursor));
  });

  it('filters by time, table and user', async () => {
    const page = await deletionEvents(db, ctx, sources, {
      filter: { since: at(20 * MIN), until: at(121 * MIN), table: 'contacts', user: 'alice' },
      limit: 100,
    });
    expect(page.events).toHaveLength(15);
    expect(page.events.every((e) => e.actor === 'alice' && e.table === 'contacts')).toBe(true);
    const alpha = await deletionEvents(db, ctx, sources, { filter: { table: 'alpha' }, limit: 100 });
    expect(alpha.events.map((e) => e.table)).toEqual(Array(12).fill('alpha'));
  });

  it('groups bursts into incidents exactly', async () => {
    const expected = [
      {
        start: '2026-03-01T13:00:00.000Z',
        end: '2026-03-01T13:05:00.000Z',
        actor: null,
        tables: [
          ['alpha', 0, 12],
          ['beta', 0, 12],
        ],
        total: 24,
      },
      { start: '2026-03-01T12:00:00.000Z', end: '2026-03-01T12:00:39.000Z', actor: 'bob', tables: [['accounts', 40, 0]], total: 40 },
      {
        start: '2026-03-01T10:20:00.000Z',
        end: '2026-03-01T10:28:00.000Z',
        actor: 'alice',
        tables: [
          ['contacts', 15, 0],
          ['notes', 10, 0],
        ],
        total: 25,
      },
      { start: '2026-03-01T10:00:00.000Z', end: '2026-03-01T10:04:50.000Z', actor: 'alice', tables: [['contacts', 30, 0]], total: 30 },
      { start: '2026-03-01T07:00:05.000Z', end: '2026-03-01T07:03:15.000Z', actor: 'dave', tables: [['z', 20, 0]], total: 20 },
      {
        start: '2026-03-01T07:00:00.000Z',
        end: '2026-03-01T07:03:10.000Z',
        actor: 'carol',
        tables: [
          ['x', 10, 0],
          ['y', 10, 0],
        ],
        total: 20,
      },
    ];
    const shape = (list: Awaited<ReturnType<typeof listIncidents>>) =>
      list.map((i) => ({
        start: i.window.start,
        end: i.window.end,
        actor: i.actors[0].id,
        tables: i.tables.map((t) => [t.table, t.hard, t.soft]),
        total: i.rows.total,
      }));
    const found = await listIncidents(db, ctx, sources);
    expect(shape(found)).toEqual(expected);
    // The stream the CLI prints from yields the same incidents in the same order.
    const streamed: string[] = [];
    for await (const i of streamIncidents(db, ctx, sources)) streamed.push(i.id);
    expect(streamed).toEqual(found.map((i) => i.id));
    expect(found.map((i) => i.backupBefore)).toEqual(Array(6).fill(null));
    // Stable ids; an explicit range gives the same incidents.
    const again = await listIncidents(db, ctx, sources, { since: at(-240 * MIN) });
    expect(again.map((i) => i.id)).toEqual(found.map((i) => i.id));
    expect((await listIncidents(db, ctx, sources, { limit: 2 })).map((i) => i.id)).toEqual(found.slice(0, 2).map((i) => i.id));
    expect(shape(await listIncidents(db, ctx, sources, { user: 'alice' }))).toEqual(expected.slice(2, 4));
    // A larger gap joins alice's bursts; more rows required drops the small ones.
    const joined = await listIncidents(db, ctx, sources, { gapMs: 20 * MIN, minRows: 30 });
    expect(shape(joined).map((i) => [i.actor, i.start, i.total])).toEqual([
      ['bob', '2026-03-01T12:00:00.000Z', 40],
      ['alice', '2026-03-01T10:00:00.000Z', 55],
    ]);
    // A backup provider answers per incident.
    const withBackup = await listIncidents(db, ctx, sources, { limit: 1, backups: async (before) => ({ id: `b-before-${before}`, time: at(-MIN) }) });
    expect(withBackup[0].backupBefore).toEqual({ id: 'b-before-2026-03-01T13:00:00.000Z', time: at(-MIN) });
  });

  it('counts the timeline per bucket in the database', async () => {
    const hours = await timeline(db, ctx, sources, { since: at(-MIN * 60), until: at(4 * 60 * MIN) }, 'hour');
    expect(hours.map((b) => [b.start, b.hard, b.soft])).toEqual([
      ['2026-03-01T09:00:00.000Z', 0, 0],
      ['2026-03-01T10:00:00.000Z', 60, 0],
      ['2026-03-01T11:00:00.000Z', 0, 0],
      ['2026-03-01T12:00:00.000Z', 40, 0],
      ['2026-03-01T13:00:00.000Z', 0, 24],
    ]);
    const minutes = await timeline(db, ctx, sources, { since: at(180 * MIN), until: at(183 * MIN) }, 'minute');
    expect(minutes.map((b) => b.soft)).toEqual([4, 4, 4]);
    const days = await timeline(db, ctx, sources, { since: '2026-02-28T00:00:00Z', until: '2026-03-02T00:00:00Z' }, 'day');
    expect(days.map((b) => b.hard + b.soft)).toEqual([0, 164]);
  });

  it('prints events on 80 columns, NDJSON with --json', async () => {
    const human = await runCli(['audit', 'deletions', '--url', temp.url, '--limit', '20'], { env: { COLUMNS: '80' } });
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines.every((l) => [...l].length <= 80)).toBe(true);
    expect(lines[1]).toMatch(/^2026-03-01 13:05:00 soft alpha/);
    expect(human.stderr).toMatch(/more with --cursor /);
    const json = await runCli([
      'audit',
      'deletions',
      '--url',
      temp.url,
      '--json',
      '--limit',
      '5',
      '--since',
      '2026-03-01T12:00:00Z',
      '--until',
      '2026-03-01T12:00:05Z',
    ]);
    expect(json.code).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DeletionEvent);
    expect(events.map((e) => [e.time, e.actor, e.table, e.key])).toEqual(
      [4, 3, 2, 1, 0].map((i) => [at(120 * MIN + i * S), 'bob', 'accounts', { id: String(4000 + i) }]),
    );
    const inc = await runCli(['audit', 'incidents', '--url', temp.url, '--json', '--gap', '5m', '--min-rows', '20']);
    expect(inc.code).toBe(0);
    expect((JSON.parse(inc.stdout) as { incidents: unknown[] }).incidents).toHaveLength(6);
  });
});

describe('incidents and the backup catalog', () => {
  let temp: TempDb;
  let dir: string;
  beforeAll(async () => {
    temp = await createTempDb('postgres', 'audbackup');
    await temp.exec('CREATE TABLE things (id int PRIMARY KEY, deleted smallint NOT NULL DEFAULT 0, updated_at timestamptz)');
    dir = mkdtempSync(join(tmpdir(), 'crm-rescue-audit-catalog-'));
  });
  afterAll(async () => {
    await temp?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the newest usable backup started before an instant, and null without one', async () => {
    const target = parseTargetUrl(temp.url);
    expect(await (await catalogBackupProvider(target, join(dir, 'missing')))(new Date().toISOString())).toBeNull();
    const backup = await runBackup({ target, dir, jobs: 1 });
    const provider = await catalogBackupProvider(target, dir);
    const later = await provider(new Date(Date.now() + 60_000).toISOString());
    expect(later?.id).toBe(backup.id);
    expect(Date.parse(later!.time)).toBe(Date.parse(backup.manifest.startedAt));
    expect(await provider('2000-01-01T00:00:00Z')).toBeNull();
    const other = await catalogBackupProvider({ ...target, database: 'another_db' }, dir);
    expect(await other(new Date(Date.now() + 60_000).toISOString())).toBeNull();
  });
});

describe.each(engines)('%s without an audit source', (engine) => {
  let temp: TempDb;
  beforeAll(async () => {
    temp = await createTempDb(engine, 'audnone');
    await temp.exec('CREATE TABLE things (id int PRIMARY KEY, name varchar(20))');
  });
  afterAll(async () => temp?.drop());

  it('audit deletions exits 1 and says how to get one', async () => {
    const res = await runCli(['audit', 'deletions', '--url', temp.url]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/no audit source on crt_audnone_\w+ \(generic \(no known CRM\)\): available sources: none/);
    expect(res.stderr).toMatch(/crm-rescue audit install --all/);
    expect(res.stderr).toMatch(/back up often and compare backups with diff/);
    const json = await runCli(['audit', 'deletions', '--url', temp.url, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'user', exitCode: 1 });
  });
});

describe.each(engines)('%s index advice', (engine) => {
  let temp: TempDb;
  beforeAll(async () => {
    temp = await createTempDb(engine, 'audindex');
    await temp.exec(
      engine === 'postgres'
        ? `CREATE TABLE big (id int PRIMARY KEY, deleted smallint NOT NULL DEFAULT 0, updated_at timestamptz, payload text);
           INSERT INTO big SELECT g, CASE WHEN g % 50 = 0 THEN 1 ELSE 0 END, timestamptz '2026-01-01' + g * interval '1 second', 'x' FROM generate_series(1, 300000) g;
           ANALYZE big;`
        : `CREATE TABLE big (id int PRIMARY KEY, deleted tinyint NOT NULL DEFAULT 0, updated_at datetime(6), payload text);
           INSERT INTO big SELECT seq, IF(seq % 50 = 0, 1, 0), TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND, 'x' FROM seq_1_to_300000;
           ANALYZE TABLE big;`,
    );
  });
  afterAll(async () => temp?.drop());

  it('names the index the first page needs, prints its DDL, and is quiet once it exists', async () => {
    const db = await openDb(parseTargetUrl(temp.url), { interactive: false });
    try {
      const { ctx, sources } = selectSources(await loadAuditContext(db));
      const advice = await adviseIndexes(db, ctx, sources);
      expect(advice).toHaveLength(1);
      expect(advice[0]).toMatchObject({
        source: 'soft-delete',
        table: { name: 'big' },
        columns: engine === 'postgres' ? ['updated_at', 'id'] : ['deleted', 'updated_at', 'id'],
      });
      expect(advice[0].rowEstimate).toBeGreaterThan(100_000);
      expect(advice[0].ddl).toMatch(
        engine === 'postgres'
          ? /^CREATE INDEX CONCURRENTLY IF NOT EXISTS "crm_rescue_big_\w+" ON "public"\."big" \("updated_at", "id"\) WHERE /
          : /^ALTER TABLE `crt_audindex_\w+`\.`big` ADD INDEX `crm_rescue_big_\w+` \(`deleted`, `updated_at`, `id`\)/,
      );
      const cli = await runCli(['audit', 'deletions', '--url', temp.url, '--suggest-index']);
      expect(cli.code).toBe(0);
      expect(cli.stdout.trim()).toBe(advice[0].ddl);
      const listing = await runCli(['audit', 'deletions', '--url', temp.url, '--limit', '3']);
      expect(listing.stderr).toMatch(/reads all ~[\d,]+ rows of .*big \(no usable index\)/);
      await temp.exec(advice[0].ddl);
      const after = selectSources(await loadAuditContext(db));
      expect(await adviseIndexes(db, after.ctx, after.sources)).toEqual([]);
      const page = await deletionEvents(db, after.ctx, after.sources, { limit: 3 });
      expect(page.events.map((e) => e.key.id)).toEqual(['300000', '299950', '299900']);
    } finally {
      await db.close();
    }
  });
});
