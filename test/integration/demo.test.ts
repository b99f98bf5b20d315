import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { UserError } from '../../src/errors.js';
import { demoChecksum } from '../../src/demo/checksum.js';
import { planIncident, type IncidentPlan } from '../../src/demo/incident-plan.js';
import type { DemoReport } from '../../src/demo/report.js';
import { runDemo, type DemoSeedInfo } from '../../src/demo/run-demo.js';
import { demoEngineFor } from '../../src/demo/server.js';
import { DEMO_TABLES } from '../../src/demo/tables.js';
import { demoSizes, rowId, USERS } from '../../src/demo/world.js';
import { runCli } from '../helpers/cli.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, uniqueName } from '../helpers/temp-db.js';

const adminUrl = (engine: TestEngine) => (engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL);

async function dropDatabase(engine: TestEngine, name: string): Promise<void> {
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  } else {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    try {
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await c.end();
    }
  }
}

function openDemo(engine: TestEngine, name: string): Promise<Db> {
  return openDb(completeTarget(parseTargetUrl(`${adminUrl(engine)}/${name}`)), { interactive: false });
}

const sha = (lines: string[]) =>
  createHash('sha256')
    .update([...lines].sort().join('\n'))
    .digest('hex');

/** Per engine: sha of the sorted keys of every table after the incident, for the cross-engine check. */
const keysByEngine: Partial<Record<TestEngine, Record<string, string>>> = {};

describe.each(engines)('demo on %s', (engine) => {
  const created: string[] = [];
  const name = uniqueName('demo');
  const scale = 2000;
  let report: DemoReport;
  let seedInfo: DemoSeedInfo | undefined;
  let backedUpAt = 0;
  let finishedAt = 0;
  let plan: IncidentPlan;
  let db: Db;

  beforeAll(async () => {
    created.push(name);
    report = await runDemo({
      url: adminUrl(engine),
      database: name,
      scale,
      beforeIncident: async (info) => {
        seedInfo = info;
        backedUpAt = Date.now();
        return { backupId: 'bk-test-1' };
      },
    });
    finishedAt = Date.now();
    plan = planIncident(scale);
    db = await openDemo(engine, name);
  });

  afterAll(async () => {
    await db?.close();
    for (const n of created) await dropDatabase(engine, n);
  });

  it('reports the database, the seed and the incident', () => {
    const sizes = demoSizes(scale);
    expect(report.engine).toBe(engine);
    expect(report.database).toBe(name);
    expect(report.target).toMatch(new RegExp(`^${engine === 'postgres' ? 'postgres' : 'mysql'}://root@127\\.0\\.0\\.1:\\d+/${name}$`));
    expect(report.serverVersion).toMatch(/^\d+\.\d+/);
    expect(report.backup).toBe('bk-test-1');
    expect(seedInfo?.seedRowCounts).toEqual(report.seedRowCounts);
    expect(seedInfo?.plan?.deletedContactKeysSha256).toBe(plan.deletedContactKeysSha256);
    const s = report.seedRowCounts;
    expect(s.users).toBe(20);
    expect(s.accounts).toBe(sizes.accounts);
    expect(s.contacts).toBe(scale);
    expect(s.opportunities).toBe(sizes.opportunities);
    expect(s.calls).toBe(sizes.calls);
    expect(s.notes).toBe(sizes.notes);
    expect(s.accounts_contacts).toBeGreaterThan(scale);
    expect(s.accounts_contacts).toBeLessThanOrEqual(2 * scale);
    const i = report.incident!;
    expect(i.actor).toEqual(plan.actor);
    expect(i.deletedContacts).toBe(plan.deletedContactIds.length);
    expect(i.deletedContactKeysSha256).toBe(plan.deletedContactKeysSha256);
    expect(i.deletedRelationRows).toBe(plan.deletedRelationIds.length);
    expect(i.deletedNotes).toBe(plan.deletedNoteIds.length);
    expect(i.softDeletedAccounts).toBe(plan.softDeletedAccountIds.length);
    expect(i.historyRows).toBe(plan.historyRows);
    const r = report.rowCounts;
    expect(r.contacts).toBe(s.contacts - i.deletedContacts);
    expect(r.accounts_contacts).toBe(s.accounts_contacts - i.deletedRelationRows);
    expect(r.notes).toBe(s.notes - i.deletedNotes);
    expect(r.accounts).toBe(s.accounts);
    expect(r.history).toBe(s.history + i.historyRows);
    // Stamped with the wall clock as the statements ran: after the backup, so that backup is
    // "older than the incident" for `audit incidents` and the wizard.
    expect(Date.parse(i.window.start)).toBeGreaterThanOrEqual(backedUpAt);
    expect(Date.parse(i.window.end)).toBeGreaterThanOrEqual(Date.parse(i.window.start));
    expect(Date.parse(i.window.end)).toBeLessThanOrEqual(finishedAt);
    expect(report.auditTrigger).toBeNull();
  });

  it('the contacts, links and notes missing are exactly the planned ones', async () => {
    const ids = async (table: string) => new Set((await db.query<{ id: string }>(`SELECT id FROM ${table}`)).map((row) => row.id));
    const contacts = await ids('contacts');
    const missing = Array.from({ length: scale }, (_, c) => rowId('contacts', c)).filter((id) => !contacts.has(id));
    expect(missing.sort()).toEqual(plan.deletedContactIds);
    const relations = await ids('accounts_contacts');
    for (const id of plan.deletedRelationIds) expect(relations.has(id)).toBe(false);
    expect(relations.size).toBe(report.seedRowCounts.accounts_contacts - plan.deletedRelationIds.length);
    const notes = await ids('notes');
    const notesMissing = Array.from({ length: demoSizes(scale).notes }, (_, n) => rowId('notes', n)).filter((id) => !notes.has(id));
    expect(notesMissing.sort()).toEqual(plan.deletedNoteIds);
  });

  it('soft-deleted exactly the planned accounts, as the actor', async () => {
    const rows = await db.query<{ id: string }>(`SELECT id FROM accounts WHERE deleted = 1 AND modified_user_id = ${db.dialect.placeholder(1)}`, [
      plan.actor.id,
    ]);
    expect(rows.map((row) => row.id).sort()).toEqual([...plan.softDeletedAccountIds].sort());
  });

  it('history holds exactly the incident rows inside the window', async () => {
    const w = report.incident!.window;
    const e = demoEngineFor(engine);
    const p = (n: number) => db.dialect.placeholder(n);
    const rows = await db.query<{ table_name: string; record_id: string; action: string; user_id: string; changes: unknown }>(
      `SELECT table_name, record_id, action, user_id, changes FROM history WHERE changed_at >= ${p(1)} AND changed_at <= ${p(2)}`,
      [e.timestampParam(Date.parse(w.start)), e.timestampParam(Date.parse(w.end))],
    );
    const expected = [
      ...plan.deletedContactIds.map((id) => `contacts ${id}`),
      ...plan.deletedRelationIds.map((id) => `accounts_contacts ${id}`),
      ...plan.deletedNoteIds.map((id) => `notes ${id}`),
      ...plan.softDeletedAccountIds.map((id) => `accounts ${id}`),
    ].sort();
    expect(rows.map((row) => `${row.table_name} ${row.record_id}`).sort()).toEqual(expected);
    for (const row of rows) {
      expect(row.action).toBe('delete');
      expect(row.user_id).toBe(plan.actor.id);
      const changes = typeof row.changes === 'string' ? JSON.parse(row.changes) : row.changes;
      expect(changes).toEqual(row.table_name === 'accounts' ? { deleted: [0, 1] } : null);
    }
    // The background noise: a handful of isolated deletes earlier, by several users.
    const noise = await db.query<{ user_id: string }>(`SELECT user_id FROM history WHERE action = 'delete' AND changed_at < ${p(1)}`, [
      e.timestampParam(Date.parse(w.start)),
    ]);
    expect(noise.length).toBeGreaterThan(5);
    expect(noise.length).toBeLessThan(60);
    expect(new Set(noise.map((n) => n.user_id)).size).toBeGreaterThan(2);
  });

  it('history ids grow with changed_at, and every seeded row has its create row', async () => {
    const creates = await db.query<{ table_name: string; n: number | string }>(
      "SELECT table_name, count(*) AS n FROM history WHERE action = 'create' GROUP BY table_name",
    );
    const byTable = Object.fromEntries(creates.map((c) => [c.table_name, Number(c.n)]));
    for (const t of DEMO_TABLES.filter((t) => t !== 'history')) {
      const ghosts = ['contacts', 'notes', 'calls', 'opportunities'].includes(t) ? 1 : 0;
      expect(byTable[t] - report.seedRowCounts[t], t).toBeGreaterThanOrEqual(0);
      expect(byTable[t] - report.seedRowCounts[t], t).toBeLessThanOrEqual(ghosts * 3);
    }
    const [{ n }] = await db.query<{ n: number | string }>(
      'SELECT count(*) AS n FROM history a JOIN history b ON b.id = a.id + 1 WHERE b.changed_at < a.changed_at',
    );
    expect(Number(n)).toBe(0);
    const users = await db.query<{ user_name: string; id: string }>('SELECT user_name, id FROM users');
    expect(Object.fromEntries(users.map((u) => [u.user_name, u.id]))).toEqual(Object.fromEntries(USERS.map((u) => [u.userName, u.id])));
  });

  it('stores unicode, binary, JSON and trailing spaces intact', async () => {
    const [row] = await db.query<{ n: number | string }>(
      engine === 'postgres'
        ? "SELECT count(*) AS n FROM contacts WHERE last_name LIKE '% ' OR first_name ~ '[中文李王]'"
        : "SELECT count(*) AS n FROM contacts WHERE last_name LIKE BINARY '% ' OR first_name IN ('李', '王芳')",
    );
    expect(Number(row.n)).toBeGreaterThan(0);
    const [emoji] = await db.query<{ n: number | string }>("SELECT count(*) AS n FROM calls WHERE name LIKE '%📞%'");
    expect(Number(emoji.n)).toBeGreaterThan(0);
    const [photo] = await db.query<{ photo: Buffer }>('SELECT photo FROM contacts WHERE photo IS NOT NULL LIMIT 1');
    expect(Buffer.isBuffer(photo.photo)).toBe(true);
    expect(photo.photo.subarray(0, 4).toString('latin1')).toBe('\x89PNG');
  });

  it('records the keys for the cross-engine comparison', async () => {
    const keys: Record<string, string> = {};
    for (const t of DEMO_TABLES.filter((t) => t !== 'history')) {
      keys[t] = sha((await db.query<{ id: string }>(`SELECT id FROM ${t}`)).map((r) => r.id));
    }
    keys.history = sha((await db.query<{ k: string }>("SELECT CONCAT(table_name, ' ', record_id, ' ', action) AS k FROM history")).map((r) => r.k));
    keysByEngine[engine] = keys;
  });

  it('runs through the binary with --json, backs up before the incident, and replaces a previous demo', async () => {
    const cliName = uniqueName('democli');
    created.push(cliName);
    const home = mkdtempSync(join(tmpdir(), 'crm-rescue-demo-'));
    try {
      for (const run of [0, 1]) {
        const args = ['demo', '--url', adminUrl(engine), '--db', cliName, '--scale', '500', '--json', ...(run === 1 ? ['--no-backup'] : [])];
        const res = await runCli(args, { timeoutMs: 180_000, env: { CRM_RESCUE_HOME: home } });
        expect(res.stderr).toBe('');
        expect(res.code).toBe(0);
        const doc = JSON.parse(res.stdout) as DemoReport;
        const small = planIncident(500);
        expect(doc.database).toBe(cliName);
        expect(doc.scale).toBe(500);
        expect(doc.seedRowCounts.contacts).toBe(500);
        expect(doc.rowCounts.contacts).toBe(500 - small.deletedContactIds.length);
        expect(doc.incident?.deletedContactKeysSha256).toBe(small.deletedContactKeysSha256);
        expect(Object.keys(doc).sort()).toEqual(
          [
            'auditTrigger',
            'backup',
            'database',
            'elapsedMs',
            'engine',
            'incident',
            'rowCounts',
            'scale',
            'seedReference',
            'seedRowCounts',
            'serverVersion',
            'target',
          ].sort(),
        );
        if (run === 0) {
          expect(typeof doc.backup).toBe('string');
          expect(readdirSync(join(home, 'backups'))).toContain(doc.backup);
        } else {
          expect(doc.backup).toBeNull();
        }
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('seeds identical data twice (same scale, same reference)', async () => {
    const detName = uniqueName('demodet');
    created.push(detName);
    const sums: string[] = [];
    for (let run = 0; run < 2; run++) {
      const r = await runDemo({ url: adminUrl(engine), database: detName, scale: 300, incident: false, seedReference: Date.UTC(2025, 5, 1) });
      expect(r.incident).toBeNull();
      expect(r.rowCounts).toEqual(r.seedRowCounts);
      const d = await openDemo(engine, detName);
      try {
        sums.push((await demoChecksum(d)).sha256);
      } finally {
        await d.close();
      }
    }
    expect(sums[1]).toBe(sums[0]);
  });

  it('refuses to replace a database that is not a demo', async () => {
    const temp = await createTempDb(engine, 'notdemo');
    try {
      await temp.exec('CREATE TABLE precious (id int primary key)');
      await expect(runDemo({ url: adminUrl(engine), database: temp.name, scale: 100 })).rejects.toThrow(UserError);
      const rows = await temp.query('SELECT * FROM precious');
      expect(rows).toEqual([]);
    } finally {
      await temp.drop();
    }
  });

  it('exits 2 on a bad --db name and 1 with one line when no server answers', async () => {
    const bad = await runCli(['demo', '--db', 'bad-name!', ...(engine === 'mysql' ? ['--mysql'] : [])]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const url = engine === 'postgres' ? 'postgres://root@127.0.0.1:1/x' : 'mysql://root@127.0.0.1:1/x';
    const down = await runCli(['demo', '--url', url, '--db', uniqueName('down')]);
    expect(down.code).toBe(1);
    const lines = down.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      engine === 'postgres'
        ? 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
        : 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
    );
    expect(down.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('demo on both engines', () => {
  it('the same scale yields the same keys on PostgreSQL and MySQL', () => {
    expect(keysByEngine.postgres).toBeDefined();
    expect(keysByEngine.mysql).toBeDefined();
    expect(keysByEngine.mysql).toEqual(keysByEngine.postgres);
  });
});
