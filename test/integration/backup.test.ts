import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBackupId } from '../../src/backup/id.js';
import type { BackupManifest } from '../../src/backup/manifest.js';
import { runCli } from '../helpers/cli.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait.js';
import { cleanEnv, filesUnder, listJson, seedSmall, SMALL_ROWS, smallTableName, tempCatalog } from './backup-helpers.js';

const env = cleanEnv();

describe.each(engines)('backup and catalog (%s)', (engine) => {
  let db: TempDb;
  let cat: ReturnType<typeof tempCatalog>;
  beforeEach(async () => {
    db = await createTempDb(engine, 'backup');
    cat = tempCatalog();
    await seedSmall(db);
  });
  afterEach(async () => {
    await db.drop();
    await cat.cleanup();
  });

  const backup = (...extra: string[]) => runCli(['backup', '--url', db.url, '--dir', cat.dir, '--json', ...extra], { env });

  it('writes a complete, private, hashed backup with exact row counts; --json prints the manifest and NDJSON progress', async () => {
    const r = await backup('--label', 'nightly');
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as BackupManifest;
    expect(m).toMatchObject({ status: 'ok', label: 'nightly', engine, database: db.name, format: 'crm-rescue-backup' });
    expect(m.id).toMatch(new RegExp(`^\\d{8}T\\d{6}Z-${engine}-${db.name}-[0-9a-f]{4}$`));
    expect(m.target).toBe(db.url.replace(/^mysql:/, 'mysql:'));
    expect(m.client.tool).toBe(engine === 'postgres' ? 'pg_dump' : 'mysqldump');
    expect(m.command).not.toContain('.tmp-');
    const rows = Object.fromEntries(m.tables.map((t) => [t.name, t.rows]));
    for (const [name, n] of Object.entries(SMALL_ROWS)) expect(rows[smallTableName(engine, name)], name).toBe(n);
    expect(m.tables.every((t) => !t.rowsEstimated && /^[0-9a-f]{64}$/.test(t.sha256))).toBe(true);
    expect(m.totals.rows).toBe(250 + 1000 + 3);
    // Progress went to stderr as NDJSON; stdout is the one JSON document.
    const progress = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ type: 'progress', operation: 'backup' });
    expect(Object.keys(progress[progress.length - 1]).sort()).toEqual(
      ['bytes', 'done', 'etaSeconds', 'operation', 'phase', 'rate', 'total', 'type', ...(progress[progress.length - 1].table ? ['table'] : [])].sort(),
    );

    const folder = join(cat.dir, m.id);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const f of filesUnder(folder)) expect(statSync(join(folder, f)).mode & 0o777, f).toBe(0o600);
    // One file per table.
    expect(new Set(m.tables.map((t) => t.file)).size).toBe(m.tables.length);

    const list = await listJson(cat.dir, env);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: m.id, status: 'ok', usable: true, tables: m.tables.length, restoreTest: null });

    const show = await runCli(['backups', 'show', m.id.slice(0, 20), '--dir', cat.dir, '--json'], { env });
    expect(JSON.parse(show.stdout)).toEqual(m);
    const human = await runCli(['backups', 'list', '--dir', cat.dir], { env });
    expect(human.stdout).toMatch(new RegExp(`${m.id}\\s+\\d+ s\\s+\\S+ \\S*B\\s+${m.tables.length} ok\\s+no`));
  });

  it('verify --restore-test restores into a scratch database, matches the counts, drops it and records the result', async () => {
    const m = JSON.parse((await backup()).stdout) as BackupManifest;
    const v = await runCli(['backups', 'verify', m.id, '--restore-test', '--dir', cat.dir, '--url', db.url, '--json'], { env });
    expect(v.code, v.stderr).toBe(0);
    const result = JSON.parse(v.stdout);
    expect(result).toMatchObject({ id: m.id, ok: true, problems: [] });
    expect(result.restoreTest).toMatchObject({ ok: true, tablesChecked: m.tables.length, mismatches: [] });
    expect(result.restoreTest.database).toMatch(/^crm_rescue_restoretest_[0-9a-f]{8}$/);
    expect(result.restoreTest.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(await scratchDatabases(engine)).not.toContain(result.restoreTest.database);
    const list = await listJson(cat.dir, env);
    expect(list[0].restoreTest).toMatchObject({ ok: true });
    const shown = JSON.parse((await runCli(['backups', 'show', m.id, '--dir', cat.dir, '--json'], { env })).stdout) as BackupManifest;
    expect(shown.restoreTest).toEqual(result.restoreTest);
  });

  it('restores one table alone from its own file', async () => {
    const m = JSON.parse((await backup()).stdout) as BackupManifest;
    const t = m.tables.find((x) => x.name === 'accounts')!;
    const scratch = await createTempDb(engine, 'onetable');
    try {
      if (engine === 'mysql') {
        const r = spawnSync('sh', ['-c', `zcat "$1" | mysql -h127.0.0.1 -uroot "$2"`, 'sh', join(cat.dir, m.id, t.file), scratch.name]);
        expect(r.status, r.stderr.toString()).toBe(0);
      } else {
        const r = spawnSync('pg_restore', ['-h', '127.0.0.1', '-U', 'root', '-d', scratch.name, '--no-owner', '-t', 'accounts', join(cat.dir, m.id, 'dump')]);
        expect(r.status, r.stderr.toString()).toBe(0);
      }
      const [row] = await scratch.query<{ n: string | number }>('SELECT count(*) AS n FROM accounts');
      expect(Number(row.n)).toBe(250);
    } finally {
      await scratch.drop();
    }
  });

  it('--tables backs up a subset; --compress none writes plain files', async () => {
    const r = await backup('--tables', 'contacts,accounts', '--compress', 'none');
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as BackupManifest;
    expect(m.tables.map((t) => t.name).sort()).toEqual(['accounts', 'contacts']);
    expect(m.options).toMatchObject({ compress: 'none', tables: engine === 'postgres' ? ['public.contacts', 'public.accounts'] : ['contacts', 'accounts'] });
    expect(m.tables.every((t) => !t.file.endsWith('.gz'))).toBe(true);
    const v = await runCli(['backups', 'verify', m.id, '--dir', cat.dir], { env });
    expect(v.code, v.stderr).toBe(0);
  });

  it('prune keeps by policy, dry-run removes nothing, the newest always stays, old leftovers go', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await backup('--tables', 'empty_table');
      expect(r.code, r.stderr).toBe(0);
      const id = JSON.parse(r.stdout).id as string;
      ids.push(id);
      // Ids name their start second and sort by it: the next backup must start in a later one.
      const nextSecond = parseBackupId(id)!.startedAt.getTime() + 1000;
      await waitFor(() => Date.now() >= nextSecond, { what: `the clock to pass the second of backup ${id}` });
    }
    // An interrupted leftover from two hours ago.
    const old = `${new Date(Date.now() - 2 * 3600_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z')
      .replace(/[-:]/g, '')}-${engine}-${db.name}-beef`;
    await mkdir(join(cat.dir, `.tmp-${old}`));
    await writeFile(join(cat.dir, `.tmp-${old}`, 'partial.dat'), 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(cat.dir, `.tmp-${old}`), twoHoursAgo, twoHoursAgo);

    const dry = await runCli(['backups', 'prune', '--keep-last', '1', '--dry-run', '--url', db.url, '--dir', cat.dir, '--json'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.removed.map((x: { id: string }) => x.id).sort()).toEqual([ids[0], ids[1], old].sort());
    expect((await listJson(cat.dir, env)).length).toBe(4);

    const noPolicy = await runCli(['backups', 'prune', '--url', db.url, '--dir', cat.dir], { env });
    expect(noPolicy.code).toBe(2);
    const noTarget = await runCli(['backups', 'prune', '--keep-last', '1', '--dir', cat.dir], { env });
    expect(noTarget.code).toBe(2);

    const real = await runCli(['backups', 'prune', '--keep-daily', '1', '--url', db.url, '--dir', cat.dir], { env });
    expect(real.code, real.stderr).toBe(0);
    const left = await listJson(cat.dir, env);
    expect(left.map((b) => b.id)).toEqual([ids[2]]);
  });
});

async function scratchDatabases(engine: string): Promise<string[]> {
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await c.connect();
    try {
      return (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'crm_rescue_restoretest_%'")).rows.map((r) => r.datname);
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    const [rows] = await c.query("SHOW DATABASES LIKE 'crm\\_rescue\\_restoretest\\_%'");
    return (rows as Record<string, string>[]).map((r) => Object.values(r)[0]);
  } finally {
    await c.end();
  }
}
