import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../connect/target.js';

/**
 * How a child tool gets a target's connection settings (DESIGN.md safety rule 5): everything
 * through the environment or a 0600 options file, the password never in argv.
 */
export interface ToolCredentials {
  /** Environment for the child; contains the password for PostgreSQL tools. */
  env: Record<string, string>;
  /** Environment entries that may be shown (no password). */
  publicEnv: Record<string, string>;
  /** Arguments that must come first (MySQL: `--defaults-extra-file=…`). */
  leadingArgs: string[];
  /** How `leadingArgs` are shown. */
  leadingArgsShown: string[];
  /** Deletes the options file, if any. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** Inherited variables that would silently change which server or user a PostgreSQL tool uses. */
const PG_OVERRIDES = ['PGSERVICE', 'PGSERVICEFILE', 'PGHOSTADDR', 'PGREQUIRESSL', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLROOTCERT', 'PGSSLMODE'];

/**
 * libpq environment for a target: PGHOST… plus PGPASSWORD (secret, kept out of `publicEnv`).
 * The session shows up in pg_stat_activity as `crm-rescue:<tool>`.
 */
export function postgresCredentials(target: Target, tool = 'tool'): ToolCredentials {
  const pub: Record<string, string> = {};
  if (target.socket ?? target.host) pub.PGHOST = (target.socket ?? target.host)!;
  if (target.port) pub.PGPORT = String(target.port);
  if (target.user) pub.PGUSER = target.user;
  if (target.database) pub.PGDATABASE = target.database;
  if (target.tls) pub.PGSSLMODE = target.tls.mode;
  if (target.tls?.ca) pub.PGSSLROOTCERT = target.tls.ca;
  if (target.tls?.cert) pub.PGSSLCERT = target.tls.cert;
  if (target.tls?.key) pub.PGSSLKEY = target.tls.key;
  const env: Record<string, string> = { ...pub, PGAPPNAME: `crm-rescue:${tool}`, PGCONNECT_TIMEOUT: '10' };
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  return { env, publicEnv: pub, leadingArgs: [], leadingArgsShown: [], cleanup: async () => undefined };
}

/** Variables that the MySQL clients read and that must not override the options file. */
const MYSQL_OVERRIDES = ['MYSQL_PWD', 'MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_UNIX_PORT'];

/** Writes a `[client]` options file (0600, in a 0700 private folder) for a MySQL/MariaDB tool. */
export async function mysqlCredentials(target: Target): Promise<ToolCredentials> {
  const lines = ['[client]'];
  const shown: string[] = [];
  const add = (key: string, value: string | number | undefined, show = true) => {
    if (value === undefined || value === '') return;
    lines.push(`${key}=${optionValue(String(value))}`);
    if (show) shown.push(`${key}=${value}`);
  };
  add('user', target.user);
  add('password', target.password, false);
  add('host', target.socket ? undefined : target.host);
  add('port', target.socket ? undefined : target.port);
  add('socket', target.socket);
  const tls = target.tls;
  if (tls?.mode === 'disable') lines.push('skip-ssl');
  else if (tls && tls.mode !== 'allow' && tls.mode !== 'prefer') {
    lines.push('ssl');
    if (tls.mode === 'verify-ca' || tls.mode === 'verify-full') lines.push('ssl-verify-server-cert');
  }
  add('ssl-ca', tls?.ca);
  add('ssl-cert', tls?.cert);
  add('ssl-key', tls?.key);

  await sweepOrphanedOptionFiles();
  const dir = await mkdtemp(join(tmpdir(), `${OPTIONS_DIR_PREFIX}${process.pid}-`));
  const file = join(dir, 'client.cnf');
  try {
    const fh = await open(file, 'wx', 0o600);
    try {
      await fh.writeFile(`${lines.join('\n')}\n`);
    } finally {
      await fh.close();
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let cleaned = false;
  return {
    env: {},
    publicEnv: {},
    leadingArgs: [`--defaults-extra-file=${file}`],
    leadingArgsShown: [`--defaults-extra-file=<0600 file: ${shown.join(' ')}>`],
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Private folders of MySQL options files: `crm-rescue-my-<pid of the crm-rescue that wrote it>-XXXXXX`. */
const OPTIONS_DIR_PREFIX = 'crm-rescue-my-';

/**
 * Removes the options folders of crm-rescue processes that no longer exist. cleanup() runs on
 * every exit crm-rescue sees, but a SIGKILL (or a power cut) leaves the 0600 file with the
 * password behind: the next MySQL tool run removes it. A folder of a live process, or of
 * another user (rm fails), is left alone.
 */
export async function sweepOrphanedOptionFiles(dir = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^crm-rescue-my-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      await rm(join(dir, name), { recursive: true });
      removed.push(name);
    } catch {
      // Not ours, or already gone.
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Credentials for a tool of the target's engine. */
export async function credentialsFor(target: Target, tool?: string): Promise<ToolCredentials> {
  return target.engine === 'postgres' ? postgresCredentials(target, tool) : mysqlCredentials(target);
}

/** Variables removed from the inherited environment before a tool of this engine starts. */
export function overriddenVariables(target: Target): string[] {
  return target.engine === 'postgres' ? ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD', ...PG_OVERRIDES] : MYSQL_OVERRIDES;
}

/** A value for a MySQL option file: double-quoted with `\` and `"` escaped (keeps `#`, `;`, spaces). */
export function optionValue(value: string): string {
  const body = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `"${body}"`;
}
