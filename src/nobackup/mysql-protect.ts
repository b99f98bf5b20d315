import { createReadStream } from 'node:fs';
import { access, chmod, constants, mkdtemp, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fsyncPath, hashFile, mkdirPrivate, writeFileAtomic, FILE_MODE } from '../backup/durable.js';
import { INSTALL_HINTS } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import type { Target } from '../connect/target.js';
import { UserError } from '../errors.js';
import { findFirstTool } from '../exec/find-tool.js';
import { renderCommand } from '../exec/command-line.js';
import { runTool } from '../exec/run-tool.js';
import { ToolError } from '../exec/tool-error.js';
import { nowIso } from '../util/clock.js';
import { mapLimit } from '../util/map-limit.js';

/**
 * The MySQL/MariaDB half of `protect`: what the binary log still holds for an incident, and a
 * copy of the files covering it into the catalog before the server purges them. Read-only on
 * the server: no SET GLOBAL, no PURGE, no FLUSH; nothing is stopped.
 */

/** One binary-log file the server still keeps. */
export interface BinlogFile {
  name: string;
  /** Its size as the server reports it (SHOW BINARY LOGS). */
  bytes: number;
  /** Time of its first event (ISO 8601 UTC, to the second), read with mariadb-binlog; null when unreadable. */
  firstEventAt: string | null;
  /** When the next file began (its events are all before this); null for the file being written. */
  endsAt: string | null;
  /** The newest file, still being written. */
  active: boolean;
}

/** What the binary log of a server holds now, and what it can give back for a window. */
export interface MysqlBinlogState {
  /** Server version (`@@version`). */
  version: string;
  mariadb: boolean;
  logBin: boolean;
  /** GLOBAL binlog_format (what the CRM's sessions log with), null when unknown. */
  format: string | null;
  rowImage: string | null;
  /** log_bin_basename: where the server writes the files (on its own host). */
  basename: string | null;
  /** Files older than this are purged by the server (0: never); which variable set it. */
  expiry: { seconds: number; variable: 'binlog_expire_logs_seconds' | 'expire_logs_days' };
  /** The kept files, oldest first; null when the log is off or the list was refused. */
  files: BinlogFile[] | null;
  /** SHOW BINARY LOGS was refused: the privilege it needs, and the server's words. */
  filesRefused: { privilege: string; message: string } | null;
  /** The oldest kept file and when the server may purge it (null: never automatically). */
  oldest: { name: string; firstEventAt: string | null; expiresAt: string | null } | null;
  window: { since?: string; until?: string } | null;
  /** The files holding events of the window (all kept files when there is no window). */
  covering: string[];
  /** The window begins before the oldest kept file: its earliest events are purged. */
  windowPurged: boolean;
  /** Whether the files can be read on this machine, and why (not). */
  local: { dir: string | null; why: string };
  /** Why the log cannot give deleted rows' full images (empty: it can). */
  problems: string[];
  /** What limits it without making it useless. */
  warnings: string[];
}

/** The tool that reads binary logs: the server's own flavour first (each reads its own format best). */
export function findBinlogTool(mariadb: boolean, env: NodeJS.ProcessEnv = process.env): string {
  const names = mariadb ? ['mariadb-binlog', 'mysqlbinlog'] : ['mysqlbinlog', 'mariadb-binlog'];
  const path = findFirstTool(names, { binDir: env.CRM_RESCUE_MYSQL_BINDIR, env });
  if (!path) throw new UserError(`${names[0]} not found on PATH`, INSTALL_HINTS.mysql);
  return path;
}

/** `#261206 23:59:56 server id 7 …`: an event header as mariadb-binlog/mysqlbinlog print it (in TZ). */
const EVENT_TIME = /^#(\d{2})(\d{2})(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+server id/gm;

/** The printed times are in the tool's time zone: UTC, so they read back exactly. */
const TOOL_ENV = { TZ: 'UTC' };

/** Enough of a file for its first events (the format description), however large the file. */
const HEAD_STOP_POSITION = '400';

/** Reads the binary log's state; changes nothing on the server. */
export async function inspectMysqlBinlog(
  db: Db,
  window: { since?: string; until?: string } = {},
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<MysqlBinlogState> {
  const env = options.env ?? process.env;
  const vars = await globalVariables(db, [
    'version',
    'hostname',
    'datadir',
    'log_bin',
    'binlog_format',
    'binlog_row_image',
    'log_bin_basename',
    'expire_logs_days',
    'binlog_expire_logs_seconds',
  ]);
  const version = vars.version ?? '';
  const mariadb = /mariadb/i.test(version);
  const logBin = (vars.log_bin ?? '').toUpperCase() === 'ON' || vars.log_bin === '1';
  const seconds = Number(vars.binlog_expire_logs_seconds ?? 0);
  const days = Number(vars.expire_logs_days ?? 0);
  // MySQL 8: binlog_expire_logs_seconds wins when set; MariaDB 10.6+ keeps the two in step.
  const expiry =
    Number.isFinite(seconds) && seconds > 0
      ? { seconds, variable: 'binlog_expire_logs_seconds' as const }
      : { seconds: Number.isFinite(days) ? Math.round(days * 86400) : 0, variable: 'expire_logs_days' as const };
  const win = window.since || window.until ? { ...(window.since && { since: window.since }), ...(window.until && { until: window.until }) } : null;
  const state: MysqlBinlogState = {
    version,
    mariadb,
    logBin,
    format: vars.binlog_format ?? null,
    rowImage: vars.binlog_row_image ?? null,
    basename: vars.log_bin_basename || null,
    expiry,
    files: null,
    filesRefused: null,
    oldest: null,
    window: win,
    covering: [],
    windowPurged: false,
    local: { dir: null, why: 'the binary log is off' },
    problems: [],
    warnings: [],
  };
  if (!logBin) {
    state.problems.push(
      'the binary log is off (log_bin=OFF): the server kept no row images of the deleted rows, so there is nothing to protect there; the only source is a backup taken before the deletion',
    );
    return state;
  }
  const format = (state.format ?? '').toUpperCase();
  if (format === 'STATEMENT') state.problems.push('binlog_format=STATEMENT: the log holds the DELETE statements, not the deleted rows (no row images)');
  else if (format === 'MIXED')
    state.problems.push('binlog_format=MIXED: DELETEs are logged as statements unless unsafe, so most deleted rows have no row image');
  const image = (state.rowImage ?? '').toUpperCase();
  if (image === 'MINIMAL') state.problems.push("binlog_row_image=MINIMAL: a deleted row's image holds its key columns only, not the row");
  else if (image === 'NOBLOB') state.warnings.push('binlog_row_image=NOBLOB: BLOB/TEXT columns outside the key are missing from the row images');
  if (format !== 'ROW') state.warnings.push('these are the settings now: the CRM logged with the ones in force at the time of the deletion');

  try {
    const rows = await db.query<Record<string, unknown>>('SHOW BINARY LOGS');
    state.files = rows.map((r, i) => ({
      name: String(r.Log_name ?? r.log_name),
      bytes: Number(r.File_size ?? r.file_size ?? 0),
      firstEventAt: null,
      endsAt: null,
      active: i === rows.length - 1,
    }));
  } catch (err) {
    state.filesRefused = refusedPrivilege(err, mariadb);
    if (!state.filesRefused) throw err;
    state.warnings.push(`cannot list the kept files: ${state.filesRefused.message}`);
    state.local = { dir: null, why: 'the kept files are unknown' };
    return state;
  }

  state.local = await localBinlogDir(db.target, state, vars.hostname ?? '', vars.datadir ?? '');
  const tool = findBinlogTool(mariadb, env);
  const files = state.files;
  const unread: string[] = [];
  const times = await mapLimit(files, 4, (f) =>
    firstEventTime(db.target, tool, state.local.dir, f.name).catch((err: unknown) => {
      unread.push(describeToolFailure(err));
      return null;
    }),
  );
  if (unread.length) state.warnings.push(`cannot read when ${unread.length} file(s) begin (${unread[0]}): they are taken as covering the window`);
  files.forEach((f, i) => {
    f.firstEventAt = times[i];
    f.endsAt = i + 1 < files.length ? times[i + 1] : null;
  });

  const oldest = files[0];
  if (oldest) {
    // The server purges a file once it is older than the expiry, at the next rotation (or
    // restart, FLUSH LOGS); its age is that of its last write, when the next file began.
    const closed = oldest.endsAt ? Date.parse(oldest.endsAt) : null;
    const expiresAt = expiry.seconds > 0 && closed !== null ? new Date(closed + expiry.seconds * 1000).toISOString() : null;
    state.oldest = { name: oldest.name, firstEventAt: oldest.firstEventAt, expiresAt };
  }

  const since = win?.since ? Date.parse(win.since) : null;
  const until = win?.until ? Date.parse(win.until) : null;
  // Event times have whole seconds: one second of slack on each side keeps the edges.
  state.covering = files
    .filter((f) => {
      const first = f.firstEventAt ? Date.parse(f.firstEventAt) : null;
      const end = f.endsAt ? Date.parse(f.endsAt) : null;
      if (until !== null && first !== null && first > until + 1000) return false;
      if (since !== null && end !== null && end < since - 1000) return false;
      return true;
    })
    .map((f) => f.name);
  if (since !== null && oldest?.firstEventAt && Date.parse(oldest.firstEventAt) > since + 1000) {
    state.windowPurged = true;
    const purged = `the oldest kept file (${oldest.name}) begins at ${oldest.firstEventAt}, after the window starts: events before then are purged`;
    if (until !== null && Date.parse(oldest.firstEventAt) > until + 1000) {
      state.problems.push(`${purged}, and the whole window with them`);
      state.covering = [];
    } else state.warnings.push(purged);
  }
  return state;
}

/** SHOW GLOBAL VARIABLES for some names (absent ones missing from the result). */
async function globalVariables(db: Db, names: string[]): Promise<Record<string, string>> {
  const rows = await db.query<{ Variable_name: string; Value: string }>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  return Object.fromEntries(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value ?? '')]));
}

/** A refusal for lack of a privilege: which one (as the server names it), else null. */
export function refusedPrivilege(err: unknown, mariadb: boolean): { privilege: string; message: string } | null {
  const e = err as { errno?: number; code?: string; message?: string };
  const message = String(e.message ?? err);
  if (e.errno !== 1227 && e.code !== 'ER_SPECIFIC_ACCESS_DENIED_ERROR' && !/access denied/i.test(message)) return null;
  const named = /you need \(at least one of\) the (.+?) privilege/i.exec(message)?.[1];
  // MariaDB 10.5+ calls it BINLOG MONITOR (REPLICATION CLIENT is its old name); MySQL REPLICATION CLIENT.
  const privilege = named ?? (mariadb ? 'BINLOG MONITOR' : 'REPLICATION CLIENT');
  return { privilege, message: `${message.replace(/\.$/, '')} (GRANT ${privilege.split(',').pop()!.trim()} ON *.* TO the user)` };
}

/**
 * Where the files can be read on this machine: the server runs here (a local address or socket,
 * and it reports this machine's host name) and the files are readable. Else null: the files are
 * read from the server as a replica would.
 */
async function localBinlogDir(target: Target, state: MysqlBinlogState, serverHost: string, datadir: string): Promise<{ dir: string | null; why: string }> {
  if (!state.basename) return { dir: null, why: 'the server does not say where its files are (log_bin_basename)' };
  const localAddress = Boolean(target.socket) || !target.host || ['localhost', '127.0.0.1', '::1'].includes(target.host);
  if (!localAddress) return { dir: null, why: `the server is on ${target.host}, not this machine` };
  if (serverHost && serverHost !== hostname())
    return { dir: null, why: `the server reports host name ${serverHost}, not this machine's ${hostname()} (a container or another host)` };
  const dir = dirname(isAbsolute(state.basename) ? state.basename : join(datadir, state.basename));
  for (const f of state.files ?? []) {
    const path = join(dir, f.name);
    try {
      await access(path, constants.R_OK);
      // The same file: at least as long as the server says (the active one may have grown since).
      if ((await stat(path)).size < f.bytes) return { dir: null, why: `${path} is shorter than the server's ${f.name}` };
    } catch {
      return { dir: null, why: `${path} is not readable here` };
    }
  }
  return { dir, why: `${dir} is readable on this machine` };
}

/** The time of a file's first event, read with mariadb-binlog from the local file or the server. */
async function firstEventTime(target: Target, tool: string, localDir: string | null, name: string): Promise<string | null> {
  const res = localDir
    ? await runTool({ tool, args: [`--stop-position=${HEAD_STOP_POSITION}`, join(localDir, name)], env: TOOL_ENV, what: `reading ${name}` })
    : await runTool({
        tool,
        args: ['--read-from-remote-server', `--stop-position=${HEAD_STOP_POSITION}`, name],
        target,
        env: TOOL_ENV,
        what: `reading ${name} from the server`,
      });
  for (const m of res.stdout.matchAll(EVENT_TIME)) {
    const [, yy, mo, dd, hh, mi, ss] = m;
    // A replica's artificial Rotate event carries time 0 (1970-01-01): not an event of the file.
    if (`${yy}${mo}${dd}` === '700101') continue;
    return new Date(Date.UTC(2000 + Number(yy), Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss))).toISOString();
  }
  return null;
}

/** One file of a binlog copy in the catalog. */
export interface CopiedBinlog {
  name: string;
  bytes: number;
  sha256: string;
  firstEventAt: string | null;
  /** False for the file the server was still writing: a later copy may hold more. */
  complete: boolean;
  via: 'local' | 'remote';
  copiedAt: string;
}

/** The manifest of a server's binlog copies: `<catalog>/binlogs/<server>/manifest.json`. */
export interface BinlogCopyManifest {
  format: 'crm-rescue-binlogs/1';
  server: { identity: string | null; source: string; version: string };
  files: CopiedBinlog[];
}

/** What a copy will do, shown before it runs. */
export interface BinlogCopyPlan {
  /** `<catalog>/binlogs/<server-identity>` */
  dir: string;
  via: 'local' | 'remote';
  files: BinlogFile[];
  /** Files already copied whole by an earlier run (same size): kept, not copied again. */
  kept: string[];
  /** The command line (remote) or the copies (local), secrets removed. */
  shown: string[];
  identity: { value: string | null; source: string };
  tool: string;
}

export const BINLOG_MANIFEST = 'manifest.json';

/** A server identity as a folder name. */
function folderName(identity: string | null): string {
  return identity ? identity.replace(/[^A-Za-z0-9._-]+/g, '_') : 'unknown-server';
}

/** How a tool's options file is shown (as src/exec shows it), so the plan says what will run. */
function shownOptionsFile(t: Target): string {
  const parts = [
    t.user && `user=${t.user}`,
    !t.socket && t.host && `host=${t.host}`,
    !t.socket && t.port && `port=${t.port}`,
    t.socket && `socket=${t.socket}`,
  ].filter(Boolean);
  return `--defaults-extra-file=<0600 file: ${parts.join(' ')}>`;
}

/** Plans copying some kept files into the catalog; reads the catalog, changes nothing. */
export async function planBinlogCopy(
  db: Db,
  state: MysqlBinlogState,
  names: string[],
  catalog: string,
  options: { via?: 'local' | 'remote'; env?: NodeJS.ProcessEnv } = {},
): Promise<BinlogCopyPlan> {
  if (!state.logBin) throw new UserError('the binary log is off (log_bin=OFF): there are no files to copy', 'The only source of the deleted rows is a backup');
  if (!state.files) throw new UserError(`cannot list the binary-log files: ${state.filesRefused?.message ?? 'refused'}`);
  const byName = new Map(state.files.map((f) => [f.name, f]));
  const files: BinlogFile[] = [];
  for (const n of names) {
    const f = byName.get(n);
    if (!f) throw new UserError(`binary-log file ${n} is not kept by the server`, `Kept: ${state.files.map((x) => x.name).join(', ') || 'none'}`);
    if (!files.includes(f)) files.push(f);
  }
  const identity = await db.dialect.serverIdentity(db);
  const dir = join(catalog, 'binlogs', folderName(identity.value));
  const manifest = await readBinlogManifest(dir);
  const kept: string[] = [];
  const todo = files.filter((f) => {
    const m = manifest?.files.find((x) => x.name === f.name);
    if (m?.complete && !f.active && m.bytes === f.bytes) {
      kept.push(f.name);
      return false;
    }
    return true;
  });
  const via = options.via ?? (state.local.dir ? 'local' : 'remote');
  if (via === 'local' && !state.local.dir) throw new UserError(`cannot copy the binary log locally: ${state.local.why}`);
  const tool = findBinlogTool(state.mariadb, options.env);
  const shown =
    todo.length === 0
      ? []
      : via === 'local'
        ? todo.map((f) => `cp ${join(state.local.dir!, f.name)} ${join(dir, f.name)}   (sha256 into ${join(dir, BINLOG_MANIFEST)})`)
        : [renderCommand(basename(tool), [shownOptionsFile(db.target), ...remoteArgs(join(dir, '.tmp-XXXXXX'), todo)], TOOL_ENV)];
  return { dir, via, files: todo, kept, shown, identity, tool };
}

function remoteArgs(into: string, files: BinlogFile[]): string[] {
  return ['--read-from-remote-server', '--raw', `--result-file=${into}/`, ...files.map((f) => f.name)];
}

/** Runs a planned copy: each file to a temporary name, fsynced and hashed, then renamed; the manifest last. */
export async function runBinlogCopy(
  db: Db,
  state: MysqlBinlogState,
  plan: BinlogCopyPlan,
  signal?: AbortSignal,
): Promise<{ dir: string; copied: CopiedBinlog[]; kept: string[] }> {
  await mkdirPrivate(plan.dir);
  const tmp = await mkdtemp(join(plan.dir, '.tmp-'));
  const copied: CopiedBinlog[] = [];
  try {
    if (plan.files.length && plan.via === 'remote') {
      try {
        await runTool({
          tool: plan.tool,
          args: remoteArgs(tmp, plan.files),
          target: db.target,
          env: TOOL_ENV,
          stdout: 'ignore',
          signal,
          what: 'copying the binary log from the server',
        });
      } catch (err) {
        throw replicationRefusal(err) ?? err;
      }
    }
    for (const f of plan.files) {
      const into = join(tmp, f.name);
      const { sha256, bytes } = plan.via === 'local' ? await copyHashed(join(state.local.dir!, f.name), into) : await hashFileAt(into);
      await chmod(into, FILE_MODE);
      await fsyncPath(into);
      copied.push({ name: f.name, bytes, sha256, firstEventAt: f.firstEventAt, complete: !f.active, via: plan.via, copiedAt: nowIso() });
    }
    for (const c of copied) await rename(join(tmp, c.name), join(plan.dir, c.name));
    await fsyncPath(plan.dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const before = await readBinlogManifest(plan.dir);
  const files = new Map((before?.files ?? []).map((f) => [f.name, f]));
  for (const c of copied) files.set(c.name, c);
  const manifest: BinlogCopyManifest = {
    format: 'crm-rescue-binlogs/1',
    server: { identity: plan.identity.value, source: plan.identity.source, version: state.version },
    files: [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
  await writeFileAtomic(join(plan.dir, BINLOG_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: plan.dir, copied, kept: plan.kept };
}

/**
 * Copies kept binary-log files into `<catalog>/binlogs/<server-identity>/` with their sha256 in a
 * manifest: by file copy when they are readable here, else with `mariadb-binlog
 * --read-from-remote-server --raw` (needs REPLICATION SLAVE). Never touches the server's settings.
 */
export async function copyBinlogs(
  db: Db,
  files: string[],
  catalogDir: string,
  options: { via?: 'local' | 'remote'; state?: MysqlBinlogState; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<{ dir: string; copied: CopiedBinlog[]; kept: string[] }> {
  const state = options.state ?? (await inspectMysqlBinlog(db, {}, { env: options.env }));
  const plan = await planBinlogCopy(db, state, files, catalogDir, options);
  return runBinlogCopy(db, state, plan, options.signal);
}

/** The manifest of a server's copies, or null when there is none yet. */
export async function readBinlogManifest(dir: string): Promise<BinlogCopyManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, BINLOG_MANIFEST), 'utf8')) as BinlogCopyManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read ${join(dir, BINLOG_MANIFEST)}: ${(err as Error).message}`, 'Move the file aside; the next copy writes a new one');
  }
}

/** Copies a file (as long as it is now: the active file grows) while hashing it. */
async function copyHashed(from: string, to: string): Promise<{ sha256: string; bytes: number }> {
  const size = (await stat(from)).size;
  const hash = createHash('sha256');
  const out = await open(to, 'wx', FILE_MODE);
  let bytes = 0;
  try {
    if (size > 0) {
      for await (const chunk of createReadStream(from, { start: 0, end: size - 1, highWaterMark: 1 << 20 })) {
        hash.update(chunk as Buffer);
        await out.write(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
    }
  } finally {
    await out.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function hashFileAt(path: string): Promise<{ sha256: string; bytes: number }> {
  try {
    return await hashFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const got = await readdir(dirname(path)).catch(() => []);
    throw new UserError(`the server sent no ${basename(path)}`, `Got: ${got.join(', ') || 'nothing'}`);
  }
}

/** One line for a failed read of a file's first events. */
function describeToolFailure(err: unknown): string {
  const refused = replicationRefusal(err);
  if (refused) return `${refused.message}; ${refused.hint ?? ''}`.replace(/; $/, '');
  return err instanceof Error ? err.message : String(err);
}

/** A remote read refused for a privilege: one line naming it. */
function replicationRefusal(err: unknown): UserError | null {
  if (!(err instanceof ToolError)) return null;
  const m = /you need \(at least one of\) the (.+?) privilege/i.exec(err.stderrTail) ?? /(REPLICATION SLAVE)/i.exec(err.stderrTail);
  if (!m) return null;
  const privilege = m[1].split(',').pop()!.trim();
  return new UserError(
    `reading the binary log from the server was refused: the user needs the ${m[1]} privilege`,
    `GRANT ${privilege} ON *.* TO the user, or copy the files on the server's host`,
  );
}

/** Seconds as the largest whole unit: `30 days`, `12 hours`. */
export function formatSeconds(s: number): string {
  if (s % 86400 === 0) return `${s / 86400} day${s === 86400 ? '' : 's'}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  return `${s} s`;
}
