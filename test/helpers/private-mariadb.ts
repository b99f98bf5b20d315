import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

/**
 * A private MariaDB server for one test file: its own datadir, socket and port under a temporary
 * folder, the binary log on (ROW format, full images) — what the shared test server
 * (127.0.0.1:3306, log off) must not be changed into. root has no password, over the socket
 * and 127.0.0.1. Start it in beforeAll, stop it in afterAll; it never touches the shared server.
 */
export interface PrivateMariaDb {
  /** Admin URL without a database: `mysql://root@127.0.0.1:PORT`. */
  url: string;
  port: number;
  socket: string;
  /** The folder everything lives in (datadir, socket, binlog files). */
  dir: string;
  datadir: string;
  /** Prefix of the binary log files: `<dir>/binlog` (files `binlog.000001`, … and `binlog.index`). */
  binlogBase: string;
  /** Runs SQL as root (multi-statement allowed) and returns the rows of the last statement. */
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (SIGTERM, waits for its exit) and removes the folder. */
  stop(): Promise<void>;
}

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The redo log size of every private server: the template is initialized with it too. */
const LOG_FILE_SIZE = '--innodb-log-file-size=16M';

/** Initializes an empty datadir with mariadb-install-db (a few seconds). */
async function installDatadir(datadir: string, tmp: string): Promise<void> {
  try {
    await execFileAsync(
      'mariadb-install-db',
      // --tmpdir: a MariaDB server deletes every `#sql*` file of its tmpdir when it starts (tables
      // left by a crash), the bootstrap of install-db too; in the shared /tmp that would be the
      // shared server's live temporary tables (seen: its queries failing, and a crash).
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--tmpdir=${tmp}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        LOG_FILE_SIZE,
      ],
      { encoding: 'utf8', maxBuffer: 16 << 20 },
    );
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`mariadb-install-db failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/**
 * An initialized datadir shared by the test run (global-setup.ts's run folder): the first server
 * of the run installs it, every server copies it (a copy takes a fraction of a second, an install
 * several seconds). Null outside a run that provides the folder: each server installs its own.
 */
async function templateDatadir(): Promise<string | null> {
  let runDir: string | undefined;
  try {
    runDir = inject('runDir');
  } catch {
    return null;
  }
  if (!runDir || !existsSync(runDir)) return null;
  const template = join(runDir, 'mariadb-datadir');
  const failed = join(runDir, 'mariadb-datadir.failed');
  // mkdir is atomic: one file of the run installs, the others wait for the finished folder
  // (renamed into place only once complete), or for the reason it could not be made.
  const claimed = await mkdir(join(runDir, 'mariadb-datadir.lock')).then(
    () => true,
    () => false,
  );
  if (claimed) {
    const work = await mkdtemp(join(runDir, 'mariadb-install-'));
    try {
      await installDatadir(join(work, 'data'), work);
      await rename(join(work, 'data'), template);
    } catch (err) {
      await writeFile(failed, String(err));
      throw err;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return template;
  }
  await waitFor(() => existsSync(template) || existsSync(failed), { what: 'the MariaDB datadir template of this run to be installed' });
  if (!existsSync(template)) throw new Error(await readFile(failed, 'utf8'));
  return template;
}

/** Extra server options (e.g. `--binlog-row-image=MINIMAL`, `--skip-log-bin`). */
export async function startPrivateMariaDb(extra: string[] = []): Promise<PrivateMariaDb> {
  const dir = await mkdtemp(join(tmpdir(), 'crt-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const binlogBase = join(dir, 'binlog');
  try {
    const template = await templateDatadir();
    if (template) await execFileAsync('cp', ['-a', template, datadir]);
    else await installDatadir(datadir, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    // Its own temporary folder: see the install above.
    `--tmpdir=${dir}`,
    `--log-bin=${binlogBase}`,
    '--binlog-format=ROW',
    '--server-id=1',
    '--skip-name-resolve',
    // Small and quick: a test server holds a few rows.
    '--innodb-buffer-pool-size=32M',
    LOG_FILE_SIZE,
    '--skip-innodb-doublewrite',
    '--innodb-flush-log-at-trx-commit=0',
    '--sync-binlog=0',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ...extra,
  ];
  const child: ChildProcess = spawn('mariadbd', args, { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `mysql://root@127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };
  // Poll until it answers: no fixed sleep, and a dead server ends the wait at once.
  let lastError: unknown = null;
  for (let attempt = 0; ; attempt++) {
    if (exited) {
      await stop();
      throw new Error(`mariadbd exited while starting (options: ${args.join(' ')}): ${String(lastError)}`);
    }
    try {
      const c = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
      await c.end();
      break;
    } catch (err) {
      lastError = err;
      if (attempt > 600) {
        await stop();
        throw new Error(`mariadbd did not answer on port ${port}: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const query = async <T>(sqlText: string, params?: unknown[]): Promise<T[]> => {
    const c = await mysql.createConnection({ uri: url, multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    try {
      const [rows] = await c.query(sqlText, params);
      return (Array.isArray(rows) ? rows : []) as T[];
    } finally {
      await c.end();
    }
  };
  return { url, port, socket, dir, datadir, binlogBase, query, stop };
}
