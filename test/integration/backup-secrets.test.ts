import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../src/backup/manifest.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import {
  allCmdlines,
  cleanEnv,
  cmdline,
  descendantsNamed,
  expectOneLineError,
  filesUnder,
  listJson,
  seedSmall,
  startCli,
  tempCatalog,
  waitFor,
} from './backup-helpers.js';

const env = cleanEnv();
const DUMP_TOOL: Record<string, RegExp> = { postgres: /^\S*pg_dump .*--format=directory/, mysql: /^\S*(mysqldump|mariadb-dump) .*--single-transaction/ };

/** Holds a lock on `accounts` that makes the dump tool wait, so a test can look at it while it runs. */
interface Blocker {
  release(): Promise<void>;
}
async function blockAccounts(db: TempDb): Promise<Blocker> {
  if (db.engine === 'postgres') {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    return { release: async () => void (await c.query('COMMIT').finally(() => c.end())) };
  }
  const c = await mysql.createConnection({ uri: db.url });
  await c.query('LOCK TABLES accounts WRITE');
  return { release: async () => void (await c.query('UNLOCK TABLES').finally(() => c.end())) };
}

describe.each(engines)('secrets, locking and signals (%s)', (engine) => {
  let db: TempDb;
  let cat: ReturnType<typeof tempCatalog>;
  beforeEach(async () => {
    db = await createTempDb(engine, 'bsecret');
    cat = tempCatalog();
    await seedSmall(db);
  });
  afterEach(async () => {
    await db.drop();
    await cat.cleanup();
  });

  it('the password never appears in any process argv, the manifest or the catalog', async () => {
    const user = `crt_pw_${randomBytes(3).toString('hex')}`;
    const password = `Pw#${randomBytes(6).toString('hex')}!"x y`;
    const url = `${engine}://${user}:${encodeURIComponent(password)}@127.0.0.1:${engine === 'postgres' ? 5432 : 3306}/${db.name}`;
    let blocker: Blocker | null = null;
    let released = false;
    try {
      await createUser(engine, db, user, password);
      blocker = await blockAccounts(db);
      const run = startCli(['backup', '--url', url, '--dir', cat.dir, '--json'], env);
      const pid = await waitFor(() => descendantsNamed(run.child.pid!, DUMP_TOOL[engine])[0], 'the dump tool', run);
      // While the dump tool runs (held up by the lock until released below), scan every process
      // on the machine a few times; it is still running after the scans.
      for (let scan = 0; scan < 5; scan++) for (const line of allCmdlines()) expect(line).not.toContain(password);
      expect(cmdline(pid), 'the dump tool, held up by the lock, after the scans').toMatch(DUMP_TOOL[engine]);
      expect(cmdline(pid)).not.toContain(password);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (engine === 'postgres') {
        expect(environ.split('\0')).toContain(`PGPASSWORD=${password}`);
      } else {
        expect(environ).not.toContain(password);
        const optionsFile = /--defaults-extra-file=(\S+)/.exec(cmdline(pid))![1];
        expect(statSync(optionsFile).mode & 0o777).toBe(0o600);
        expect(readFileSync(optionsFile, 'utf8')).toContain('password=');
        await blocker.release();
        released = true;
        const r = await run.result;
        expect(r.code, r.stderr).toBe(0);
        expect(existsSync(optionsFile)).toBe(false);
      }
      if (!released) {
        await blocker.release();
        released = true;
      }
      const r = await run.result;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(password);
      const m = JSON.parse(r.stdout) as BackupManifest;
      expect(m.target).toBe(`${engine}://${user}@127.0.0.1:${engine === 'postgres' ? 5432 : 3306}/${db.name}`);
      expect(JSON.stringify(m)).not.toContain(password);
      const folder = join(cat.dir, m.id);
      for (const f of filesUnder(cat.dir)) expect(readFileSync(join(cat.dir, f)).includes(Buffer.from(password)), f).toBe(false);
      expect(folder).toBeTruthy();
    } finally {
      if (blocker && !released) await blocker.release();
      await dropUser(engine, db, user);
    }
  });

  it('a second backup of the same target while one runs exits 1 with a clear line; the first finishes', async () => {
    const blocker = await blockAccounts(db);
    let released = false;
    try {
      const first = startCli(['backup', '--url', db.url, '--dir', cat.dir], env);
      await waitFor(() => descendantsNamed(first.child.pid!, DUMP_TOOL[engine])[0], 'the first dump', first);
      const second = startCli(['backup', '--url', db.url, '--dir', cat.dir], env);
      const r2 = await second.result;
      expectOneLineError(
        r2,
        1,
        new RegExp(`another backup of ${engine}://root@127\\.0\\.0\\.1:\\d+/${db.name} is running \\(pid ${first.child.pid} on .*\\)\\. Wait for it to finish`),
      );
      const during = await listJson(cat.dir, env);
      expect(during).toEqual([expect.objectContaining({ status: 'running', usable: false })]);
      await blocker.release();
      released = true;
      const r1 = await first.result;
      expect(r1.code, r1.stderr).toBe(0);
      const after = await listJson(cat.dir, env);
      expect(after).toEqual([expect.objectContaining({ status: 'ok', usable: true })]);
    } finally {
      if (!released) await blocker.release();
    }
  });

  it('SIGTERM to crm-rescue stops the dump tool, removes the partial backup and says why', async () => {
    const blocker = await blockAccounts(db);
    try {
      const run = startCli(['backup', '--url', db.url, '--dir', cat.dir], env);
      const pid = await waitFor(() => descendantsNamed(run.child.pid!, DUMP_TOOL[engine])[0], 'the dump tool', run);
      run.child.kill('SIGTERM');
      const r = await run.result;
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/SIGTERM: stopping the backup/);
      expectOneLineError({ ...r, stderr: lines.slice(1).join('\n') }, 1, /backup interrupted \(SIGTERM\); the partial backup was removed/);
      expect(existsSync(`/proc/${pid}`) && !/\(Z|zombie/.test(readFileSync(`/proc/${pid}/status`, 'utf8'))).toBe(false);
      const list = await listJson(cat.dir, env);
      expect(list).toEqual([expect.objectContaining({ status: 'failed', usable: false, error: expect.stringMatching(/interrupted \(SIGTERM\)/) })]);
    } finally {
      await blocker.release();
    }
  });

  it('crm-rescue itself killed (-9): the leftover is listed as incomplete and its stale lock does not block the next backup', async () => {
    // A TMPDIR of this test's own: any crm-rescue starting a MySQL tool sweeps the options files
    // of dead crm-rescue processes from its TMPDIR, so with the shared one another test running
    // meanwhile could remove the killed run's file before this test looks at it.
    const tmp = mkdtempSync(join(tmpdir(), 'crm-rescue-kill9-tmp-'));
    const runEnv = { ...env, TMPDIR: tmp };
    const blocker = await blockAccounts(db);
    let orphan: number | undefined;
    let optionsFile: string | undefined;
    try {
      const run = startCli(['backup', '--url', db.url, '--dir', cat.dir], runEnv);
      orphan = await waitFor(() => descendantsNamed(run.child.pid!, DUMP_TOOL[engine])[0], 'the dump tool', run);
      if (engine === 'mysql') {
        optionsFile = /--defaults-extra-file=(\S+)/.exec(cmdline(orphan))?.[1];
        expect(optionsFile?.startsWith(`${tmp}/`), `the options file in the test's TMPDIR: ${cmdline(orphan)}`).toBe(true);
        await waitFor(() => existsSync(optionsFile!), `the options file ${optionsFile}`, run);
      }
      run.child.kill('SIGKILL');
      await run.result;
      process.kill(orphan, 'SIGKILL');
      const list = await listJson(cat.dir, runEnv);
      expect(list).toEqual([expect.objectContaining({ status: 'incomplete', usable: false })]);
    } finally {
      await blocker.release();
    }
    try {
      // MySQL: the killed run could not delete its 0600 options file; the next run removes it.
      if (engine === 'mysql') expect(optionsFile && existsSync(optionsFile), `the killed run's options file ${optionsFile}`).toBe(true);
      const r = await startCli(['backup', '--url', db.url, '--dir', cat.dir], runEnv).result;
      expect(r.code, r.stderr).toBe(0);
      if (optionsFile) expect(existsSync(optionsFile)).toBe(false);
      const after = await listJson(cat.dir, runEnv);
      expect(after.map((b) => b.status)).toEqual(['ok', 'incomplete']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

async function createUser(engine: string, db: TempDb, user: string, password: string): Promise<void> {
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await c.connect();
    try {
      await c.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
    } finally {
      await c.end();
    }
    await db.exec(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${user}; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${user}`);
  } else {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    try {
      await c.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
      await c.query(`GRANT ALL ON \`${db.name}\`.* TO ?@'%'`, [user]);
      // MariaDB shows a routine's body only to its definer or to readers of mysql.proc.
      await c.query(`GRANT SELECT ON mysql.proc TO ?@'%'`, [user]);
    } finally {
      await c.end();
    }
  }
}

async function dropUser(engine: string, db: TempDb, user: string): Promise<void> {
  if (engine === 'postgres') {
    // Its grants live in the test database: drop them there first, or DROP ROLE refuses.
    await db.exec(`DROP OWNED BY ${user}`).catch(() => undefined);
    const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await c.connect();
    try {
      await c.query(`DROP ROLE IF EXISTS ${user}`);
    } finally {
      await c.end();
    }
  } else {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    try {
      await c.query(`DROP USER IF EXISTS ?@'%'`, [user]);
    } finally {
      await c.end();
    }
  }
}
