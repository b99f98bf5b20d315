import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../connect/open.js';
import { UserError } from '../../errors.js';
import { runTool, ToolError } from '../../exec/index.js';
import { findBinlogTool, refusedPrivilege } from '../mysql-protect.js';

/** What the server's binary log settings are, read without changing anything. */
export interface BinlogSettings {
  logBin: boolean;
  format: string;
  rowImage: string;
  mariadb: boolean;
}

/** Reads log_bin, binlog_format and binlog_row_image; refuses a server whose log cannot hold row images. */
export async function binlogSettings(db: Db, needFiles: boolean): Promise<BinlogSettings> {
  let rows: Record<string, unknown>[];
  try {
    rows = await db.query<Record<string, unknown>>(
      'SELECT @@global.log_bin AS log_bin, @@global.binlog_format AS format, @@global.binlog_row_image AS row_image, @@version AS version',
    );
  } catch (err) {
    throw new UserError(
      `The target has no binary log to read (${(err as Error).message.split('\n')[0]})`,
      'the binary-log source is for MySQL and MariaDB targets',
    );
  }
  const r = rows[0] ?? {};
  const s: BinlogSettings = {
    logBin: String(r.log_bin) === '1' || String(r.log_bin).toUpperCase() === 'ON',
    format: String(r.format ?? ''),
    rowImage: String(r.row_image ?? ''),
    mariadb: /mariadb/i.test(String(r.version ?? '')),
  };
  // With files given, their own events are judged (a log written before the setting changed).
  if (!needFiles) return s;
  if (!s.logBin)
    throw new UserError(
      'The server does not write a binary log (log_bin is OFF): deleted rows left no images to read',
      'recover from a backup, or give binlog files kept elsewhere (--binlog-file)',
    );
  return s;
}

/**
 * Copies the server's kept binlog files into a private temporary folder, as a replica reads
 * them (`mariadb-binlog --read-from-remote-server --raw`, credentials in a 0600 options file):
 * needs BINLOG MONITOR / REPLICATION CLIENT to list them and REPLICATION SLAVE to read them; a
 * refusal names the missing one. A dropped connection fails the copy: nothing is staged.
 */
export async function fetchServerBinlogs(
  db: Db,
  settings: BinlogSettings,
  signal?: AbortSignal,
  /** Only these of the server's files (the audit's cache copies only files that changed). */
  only?: string[],
): Promise<{ dir: string; files: string[]; cleanup: () => Promise<void> }> {
  let names: string[];
  try {
    const rows = await db.query<Record<string, unknown>>('SHOW BINARY LOGS');
    names = rows.map((r) => String(r.Log_name ?? Object.values(r)[0]));
    if (only) names = names.filter((n) => only.includes(n));
  } catch (err) {
    const refused = refusedPrivilege(err, settings.mariadb);
    if (refused) {
      // MariaDB names `SUPER, BINLOG MONITOR`: the last is the one to grant.
      const privilege = refused.privilege.split(',').pop()!.trim();
      throw new UserError(
        `The server refused to list its binary log files: the user lacks ${privilege}`,
        `a DBA can run GRANT ${privilege} ON *.* TO the user, or give the files with --binlog-file`,
      );
    }
    throw err;
  }
  await sweepOrphanedCopies();
  const dir = await mkdtemp(join(tmpdir(), `${COPY_PREFIX}${process.pid}-`));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await runTool({
      tool: findBinlogTool(settings.mariadb),
      args: ['--read-from-remote-server', '--raw', `--result-file=${dir}/`, ...names],
      target: db.target,
      stdout: 'ignore',
      signal,
      what: 'reading the binary log from the server',
    });
  } catch (err) {
    await cleanup();
    const text = err instanceof ToolError ? `${err.message} ${err.stderrTail}` : String(err);
    if (/REPLICATION SLAVE|REPLICA|1227|access denied/i.test(text))
      throw new UserError(
        'The server refused to send its binary log: the user lacks REPLICATION SLAVE (needed to read the log as a replica)',
        'a DBA can run GRANT REPLICATION SLAVE ON *.* TO the user, or give the files with --binlog-file',
      );
    throw new UserError(
      `Reading the binary log from the server failed (${oneLine(text)}); nothing was staged`,
      'check the connection and run again, or copy the files first (crm-rescue protect) and give them with --binlog-file',
    );
  }
  const present = new Set(await readdir(dir));
  const missing = names.filter((n) => !present.has(n));
  if (missing.length) {
    await cleanup();
    throw new UserError(`Reading the binary log from the server stopped early: ${missing.join(', ')} not received; nothing was staged`, 'run again');
  }
  return { dir, files: names.map((n) => join(dir, n)), cleanup };
}

/** Temporary copies of a server's log: `crm-rescue-binlog-<pid of the crm-rescue that made it>-XXXXXX`. */
const COPY_PREFIX = 'crm-rescue-binlog-';

/**
 * Removes the copies of crm-rescue processes that no longer exist: a copy is removed when its
 * process exits, but a process killed by a signal leaves it behind. Others' are left alone.
 */
async function sweepOrphanedCopies(dir = tmpdir()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${COPY_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 200);
