import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../src/backup/manifest.js';
import { runCli } from '../helpers/cli.js';
import { engines } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import {
  cleanEnv,
  descendantsNamed,
  expectNoUsableBackup,
  expectOneLineError,
  listJson,
  mountTmpfs,
  seedBig,
  seedSmall,
  startCli,
  tempCatalog,
  umount,
  waitFor,
} from './backup-helpers.js';

const env = cleanEnv();
const DUMP_TOOL: Record<string, RegExp> = { postgres: /^\S*pg_dump .*--format=directory/, mysql: /^\S*(mysqldump|mariadb-dump) .*--single-transaction/ };

describe.each(engines)('backup faults (%s)', (engine) => {
  let db: TempDb;
  let cat: ReturnType<typeof tempCatalog>;
  beforeEach(async () => {
    db = await createTempDb(engine, 'bfault');
    cat = tempCatalog();
    await seedSmall(db);
  });
  afterEach(async () => {
    await db.drop();
    await cat.cleanup();
  });
  const backup = (args: string[] = [], extraEnv: Record<string, string> = {}) =>
    runCli(['backup', '--url', db.url, '--dir', cat.dir, ...args], { env: { ...env, ...extraEnv } });

  it('dump tool missing from PATH: names the tool and what to install', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'crm-rescue-nopath-'));
    const r = await backup([], { PATH: empty });
    const tool = engine === 'postgres' ? 'pg_dump' : 'mysqldump';
    expectOneLineError(
      r,
      1,
      new RegExp(`${tool} not found on PATH\\. Install the ${engine === 'postgres' ? 'PostgreSQL 15 client' : 'MariaDB or MySQL client'}`),
    );
    await expectNoUsableBackup(cat.dir, env);
    rmSync(empty, { recursive: true });
  });

  it('dump tool of an incompatible version: says what to install', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'crm-rescue-fakebin-'));
    if (engine === 'postgres') {
      writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 12.22"\n');
    } else {
      // An old client that does not know the options a consistent dump needs.
      writeFileSync(
        join(bin, 'mysqldump'),
        '#!/bin/sh\ncase "$*" in *--version*) echo "mysqldump  Ver 10.13 Distrib 5.0.96, for linux (x86_64)";; *) echo "mysqldump: unknown option \'--no-tablespaces\'" >&2; exit 2;; esac\n',
      );
    }
    chmodSync(join(bin, engine === 'postgres' ? 'pg_dump' : 'mysqldump'), 0o755);
    const r = await backup([], { PATH: `${bin}:${process.env.PATH}` });
    if (engine === 'postgres') {
      expectOneLineError(
        r,
        1,
        /pg_dump 12\.22 \(.*\) cannot handle PostgreSQL 15\.\d+: the client tools must be at least as new as the server\. Install the PostgreSQL 15 client tools \(Debian\/Ubuntu: apt install postgresql-client-15/,
      );
    } else {
      expectOneLineError(r, 1, /mysqldump of .* failed: mysqldump got an error from the server \(exit 2\): mysqldump: unknown option '--no-tablespaces'/);
    }
    await expectNoUsableBackup(cat.dir, env);
    rmSync(bin, { recursive: true });
  });

  it('target unreachable', async () => {
    const url = engine === 'postgres' ? 'postgres://root@127.0.0.1:1/crm' : 'mysql://root@127.0.0.1:1/crm';
    const r = await runCli(['backup', '--url', url, '--dir', cat.dir], { env });
    expectOneLineError(r, 1, /cannot reach (PostgreSQL|MySQL\/MariaDB) at 127\.0\.0\.1:1: connection refused/);
    await expectNoUsableBackup(cat.dir, env);
  });

  it('table that does not exist', async () => {
    const r = await backup(['--tables', 'accounts,nope']);
    expectOneLineError(r, 1, new RegExp(`table "nope" does not exist in ${db.name}\\. Known tables include: .*accounts`));
    await expectNoUsableBackup(cat.dir, env);
    expect(readdirSync(cat.dir).filter((n) => !n.startsWith('.locks'))).toEqual([]);
  });

  it('catalog not writable: its parent is a regular file', async () => {
    const file = join(cat.dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['backup', '--url', db.url, '--dir', join(file, 'backups')], { env });
    expectOneLineError(r, 1, /backup catalog .*a-file\/backups is not writable: a part of the path is a file, not a folder\. Pass --dir/);
    await expectNoUsableBackup(join(file, 'backups'), env);
  });

  it('catalog not writable: a read-only file system (even for root)', async (ctx) => {
    const ro = mkdtempSync(join(tmpdir(), 'crm-rescue-ro-'));
    if (!mountTmpfs(ro, 'ro,size=1m')) {
      rmSync(ro, { recursive: true });
      ctx.skip();
    }
    try {
      const r = await runCli(['backup', '--url', db.url, '--dir', ro], { env });
      expectOneLineError(r, 1, /backup catalog .* is not writable: read-only file system\. Pass --dir/);
      expect(await listJson(ro, env)).toEqual([]);
    } finally {
      await umount(ro);
      rmSync(ro, { recursive: true });
    }
  });

  it('disk full while writing: one line, nothing usable, the partial files are gone', async (ctx) => {
    await seedBig(db, 60_000);
    const small = mkdtempSync(join(tmpdir(), 'crm-rescue-full-'));
    if (!mountTmpfs(small, 'size=1m')) {
      rmSync(small, { recursive: true });
      ctx.skip();
    }
    try {
      const r = await runCli(['backup', '--url', db.url, '--dir', small], { env });
      expectOneLineError(r, 1, /[Nn]o space left on device.*(file system is full|Free space)/);
      const list = await listJson(small, env);
      expect(list.filter((b) => b.usable)).toEqual([]);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ status: 'failed' });
      expect(list[0].error).toMatch(/[Nn]o space left on device/);
      // Only the failed manifest is left of the attempt.
      const tmp = readdirSync(small).find((n) => n.startsWith('.tmp-'))!;
      expect(readdirSync(join(small, tmp))).toEqual(['manifest.json']);
    } finally {
      await umount(small);
      rmSync(small, { recursive: true });
    }
  });

  it('dump process killed midway (kill -9): one line, nothing usable', async () => {
    await seedBig(db, 400_000);
    const run = startCli(['backup', '--url', db.url, '--dir', cat.dir, '--jobs', '1'], env);
    const pid = await waitFor(
      () => (bigTableStarted(cat.dir, engine) ? descendantsNamed(run.child.pid!, DUMP_TOOL[engine])[0] : undefined),
      'the dump tool on the big table',
      run,
    );
    process.kill(pid, 'SIGKILL');
    const r = await run.result;
    expectOneLineError(
      r,
      1,
      engine === 'postgres'
        ? /pg_dump of .* failed: pg_dump was killed \(SIGKILL, exit 137\)/
        : /mysqldump of .* failed: mysqldump was killed \(SIGKILL, exit 137\)/,
    );
    const list = await listJson(cat.dir, env);
    expect(list.filter((b) => b.usable)).toEqual([]);
    expect(list[0]).toMatchObject({ status: 'failed' });
  });

  it('server connection dropped midway: one line, nothing usable', async () => {
    await seedBig(db, 400_000);
    const run = startCli(['backup', '--url', db.url, '--dir', cat.dir, '--jobs', '1'], env);
    await waitFor(() => bigTableStarted(cat.dir, engine), 'the dump of the big table', run);
    // The dump tool's session while it reads `big` (it streams for a while: waited for, not assumed).
    if (engine === 'postgres') {
      await waitFor(
        async () =>
          (
            await db.query(
              "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue:pg_dump' AND query LIKE 'COPY public.big %'",
            )
          ).length > 0,
        "pg_dump's COPY of big",
        run,
      );
      const killed = await db.query<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue:pg_dump'",
      );
      expect(killed.length).toBeGreaterThan(0);
    } else {
      const rows = await waitFor(
        async () => {
          const r = await db.query<{ ID: number }>(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */ %FROM `big`%'",
          );
          return r.length > 0 && r;
        },
        "mysqldump's SELECT of big",
        run,
      );
      for (const row of rows) await db.exec(`KILL CONNECTION ${row.ID}`);
    }
    const r = await run.result;
    expectOneLineError(
      r,
      1,
      engine === 'postgres'
        ? /pg_dump of .* failed: pg_dump exited with code 1: .*(terminat|closed|connection)/i
        : /mysqldump of .* failed: mysqldump (got an error from the server \(exit 2\)|failed while reading table data \(exit 3\)): .*(Lost connection|gone away|interrupted|killed)/i,
    );
    await expectNoUsableBackup(cat.dir, env);
  });

  it('a table file or the manifest damaged afterwards: verify names the file; list stops calling it usable', async () => {
    const r = await runCli(['backup', '--url', db.url, '--dir', cat.dir, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as BackupManifest;
    const folder = join(cat.dir, m.id);
    const accounts = m.tables.find((t) => t.name === 'accounts')!;
    const contacts = m.tables.find((t) => t.name === 'contacts')!;
    const ok = await runCli(['backups', 'verify', m.id, '--dir', cat.dir], { env });
    expect(ok.code, ok.stderr).toBe(0);

    // One byte flipped in the middle.
    const buf = readFileSync(join(folder, accounts.file));
    buf[buf.length >> 1] ^= 0xff;
    writeFileSync(join(folder, accounts.file), buf);
    const flipped = await runCli(['backups', 'verify', m.id, '--dir', cat.dir], { env });
    expectOneLineError(flipped, 1, new RegExp(`failed verification: ${accounts.file}: sha256 mismatch`));
    expect(flipped.stdout).toContain(`${accounts.file}: sha256 mismatch`);

    // Truncated.
    const c = readFileSync(join(folder, contacts.file));
    writeFileSync(join(folder, contacts.file), c.subarray(0, c.length >> 1));
    const truncated = await runCli(['backups', 'verify', m.id, '--dir', cat.dir, '--json'], { env });
    expect(truncated.code).toBe(1);
    const res = JSON.parse(truncated.stdout);
    expect(res.problems).toEqual(
      expect.arrayContaining([
        { file: accounts.file, problem: expect.stringMatching(/sha256 mismatch/) },
        { file: contacts.file, problem: expect.stringMatching(/size \d+ bytes, manifest says \d+/) },
      ]),
    );

    // The manifest truncated: verify names it, list shows the backup as damaged.
    const manifestText = readFileSync(join(folder, 'manifest.json'), 'utf8');
    writeFileSync(join(folder, 'manifest.json'), manifestText.slice(0, manifestText.length >> 1));
    const bad = await runCli(['backups', 'verify', m.id, '--dir', cat.dir], { env });
    expectOneLineError(bad, 1, /failed verification: manifest\.json: damaged: not valid JSON/);
    const list = await listJson(cat.dir, env);
    expect(list).toEqual([expect.objectContaining({ id: m.id, status: 'damaged', usable: false })]);
  });

  it('a damaged archive table of contents is named by verify (pg_restore -l / CREATE TABLE missing)', async () => {
    const r = await runCli(['backup', '--url', db.url, '--dir', cat.dir, '--json'], { env });
    const m = JSON.parse(r.stdout) as BackupManifest;
    const folder = join(cat.dir, m.id);
    if (engine === 'postgres') {
      // Rewrite toc.dat with garbage and fix its hash in the manifest: only the TOC check can catch it.
      writeFileSync(join(folder, 'dump', 'toc.dat'), 'garbage');
      const sha = execFileSync('sha256sum', [join(folder, 'dump', 'toc.dat')])
        .toString()
        .split(' ')[0];
      const toc = m.files.find((f) => f.path === 'dump/toc.dat')!;
      Object.assign(toc, { sha256: sha, bytes: 7 });
      writeFileSync(join(folder, 'manifest.json'), JSON.stringify(m));
      const v = await runCli(['backups', 'verify', m.id, '--dir', cat.dir], { env });
      expectOneLineError(v, 1, /failed verification: dump\/toc\.dat: pg_restore cannot read the table of contents/);
    } else {
      const t = m.tables.find((x) => x.name === 'contacts')!;
      const path = join(folder, t.file);
      const text = spawnSync('zcat', [path])
        .stdout.toString()
        .replace(/CREATE TABLE `contacts`/, 'CREATE TABLE `other`');
      writeFileSync(path, spawnSync('gzip', ['-c'], { input: text }).stdout);
      const sha = execFileSync('sha256sum', [path]).toString().split(' ')[0];
      Object.assign(t, { sha256: sha, bytes: readFileSync(path).length });
      writeFileSync(join(folder, 'manifest.json'), JSON.stringify(m));
      const v = await runCli(['backups', 'verify', m.id, '--dir', cat.dir], { env });
      expectOneLineError(v, 1, new RegExp(`failed verification: ${t.file}: no CREATE TABLE for contacts`));
    }
  });
});

/** True once the dump of table `big` has begun (its file exists in the temporary folder). */
function bigTableStarted(dir: string, engine: string): boolean {
  const tmp = existsSync(dir) ? readdirSync(dir).find((n) => n.startsWith('.tmp-')) : undefined;
  if (!tmp) return false;
  if (engine === 'mysql') return existsSync(join(dir, tmp, 'tables')) && readdirSync(join(dir, tmp, 'tables')).some((f) => f.includes('big'));
  // pg_dump -j1 dumps tables by size, largest first: any data file means `big` is under way.
  return existsSync(join(dir, tmp, 'dump')) && readdirSync(join(dir, tmp, 'dump')).some((f) => /^\d+\.dat/.test(f));
}
