import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { DIR_MODE, FILE_MODE } from './durable.js';
import { targetFileName } from './target-key.js';
import { nowIso } from '../util/clock.js';

/** What a lock file says about its owner. */
export interface LockInfo {
  pid: number;
  /** Start time of the process (Linux: /proc/PID/stat field 22), to tell a reused pid apart. */
  procStart: string | null;
  host: string;
  /** The backup being written. */
  backupId: string;
  target: string;
  since: string;
}

/** A held lock; release it in `finally`. */
export interface TargetLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
}

/** The folder of lock files inside a catalog. */
export function locksDir(catalog: string): string {
  return join(catalog, '.locks');
}

/**
 * Takes the per-target lock: a file created with O_EXCL holding our pid. A lock whose process
 * is gone (or whose pid now belongs to another process) is stale and taken over; a live one
 * makes this a UserError that names the running backup.
 */
export async function acquireTargetLock(catalog: string, key: string, database: string, info: { backupId: string; target: string }): Promise<TargetLock> {
  const dir = locksDir(catalog);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const path = join(dir, `${targetFileName(key, database)}.lock`);
  const mine: LockInfo = { pid: process.pid, procStart: procStartTime(process.pid), host: hostname(), since: nowIso(), ...info };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', FILE_MODE);
      try {
        await fh.writeFile(`${JSON.stringify(mine)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return {
        path,
        info: mine,
        async release() {
          const now = await readLock(path);
          if (now && now.pid === mine.pid && now.backupId === mine.backupId) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const other = await readLock(path);
    if (other && isLockLive(other)) {
      throw new UserError(
        `another backup of ${info.target} is running (pid ${other.pid} on ${other.host}, backup ${other.backupId}, since ${other.since})`,
        `Wait for it to finish; if that process is gone, delete ${path}`,
      );
    }
    // Stale (or unreadable, i.e. written by a process that died mid-write): take it over.
    await rm(path, { force: true });
  }
  throw new UserError(`cannot take the backup lock ${path}`, 'Another crm-rescue keeps taking it; try again');
}

/** Reads a lock file; null when missing or unreadable. */
export async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** True while the lock's process is alive (a lock from another host is assumed alive). */
export function isLockLive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true;
  if (!isPidAlive(info.pid)) return false;
  const start = procStartTime(info.pid);
  return !(info.procStart && start && start !== info.procStart);
}

/** Signal 0: ESRCH means gone; EPERM means alive but not ours. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process start time in clock ticks since boot (Linux); null elsewhere. */
export function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
