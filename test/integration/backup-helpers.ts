import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import type { TestEngine } from '../helpers/servers.js';
import type { TempDb } from '../helpers/temp-db.js';
import { type Truthy, WAIT_TIMEOUT_MS, waitFor as waitUntil } from '../helpers/wait.js';

/** A clean HOME so the developer's profiles, ~/.pgpass and ~/.my.cnf stay out of the tests. */
export function cleanEnv(): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'crm-rescue-backup-home-'));
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'cfg'),
    XDG_DATA_HOME: join(home, 'data'),
    CRM_RESCUE_URL: '',
    CRM_RESCUE_PROFILE: '',
    PGPASSWORD: '',
    MYSQL_PWD: '',
  };
}

/** A fresh catalog folder under the OS temp dir; `cleanup` removes it. */
export function tempCatalog(): { dir: string; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'crm-rescue-catalog-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A small CRM-ish schema with odd names, a view, a trigger and a routine, the same on both engines. */
export async function seedSmall(db: TempDb): Promise<void> {
  if (db.engine === 'postgres') {
    await db.exec(`
      CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, note text);
      INSERT INTO accounts (name, note) SELECT 'Account ' || i, E'line1\\nline2 ünï ' || i FROM generate_series(1, 250) i;
      CREATE TABLE contacts (id int PRIMARY KEY, account_id int REFERENCES accounts(id) ON DELETE CASCADE, email text);
      INSERT INTO contacts SELECT i, 1 + i % 250, 'c' || i || '@example.com' FROM generate_series(1, 1000) i;
      CREATE TABLE "odd ""name"" x" (id int PRIMARY KEY, "select" text);
      INSERT INTO "odd ""name"" x" VALUES (1, 'a'), (2, 'b'), (3, NULL);
      CREATE TABLE empty_table (id int);
      CREATE VIEW account_names AS SELECT id, name FROM accounts;
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := coalesce(NEW.note, 'x'); RETURN NEW; END $$;
      CREATE TRIGGER accounts_touch BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
    `);
  } else {
    await db.exec(`
      CREATE TABLE accounts (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, note text, blobby blob);
      INSERT INTO accounts (name, note, blobby) SELECT CONCAT('Account ', seq), CONCAT('line1\\nline2 ünï ''q'' ),( ', seq), UNHEX('00FF28') FROM seq_1_to_250;
      CREATE TABLE contacts (id int PRIMARY KEY, account_id int, email varchar(200), FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE);
      INSERT INTO contacts SELECT seq, 1 + seq % 250, CONCAT('c', seq, '@example.com') FROM seq_1_to_1000;
      CREATE TABLE \`odd \`\`name\`\` x\` (id int PRIMARY KEY, \`select\` text);
      INSERT INTO \`odd \`\`name\`\` x\` VALUES (1, 'a'), (2, 'b'), (3, NULL);
      CREATE TABLE empty_table (id int);
      CREATE VIEW account_names AS SELECT id, name FROM accounts;
      CREATE TRIGGER accounts_touch BEFORE INSERT ON accounts FOR EACH ROW SET NEW.note = COALESCE(NEW.note, 'x');
      CREATE PROCEDURE hello() SELECT 1;
    `);
  }
}

/** Expected exact row counts of seedSmall. */
export const SMALL_ROWS: Record<string, number> = { accounts: 250, contacts: 1000, 'odd "name" x': 3, empty_table: 0 };
export const smallTableName = (engine: TestEngine, name: string) => (engine === 'mysql' ? name.replace('"name"', '`name`') : name);

/** A table big enough that dumping it takes a noticeable while (hex text compresses poorly). */
export async function seedBig(db: TempDb, rows: number): Promise<void> {
  if (db.engine === 'postgres') {
    await db.exec(
      `CREATE TABLE big (id int PRIMARY KEY, payload text); INSERT INTO big SELECT i, md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) FROM generate_series(1, ${rows}) i; ANALYZE big;`,
    );
  } else {
    await db.exec(
      `CREATE TABLE big (id int PRIMARY KEY, payload text); INSERT INTO big SELECT seq, CONCAT(MD5(seq), MD5(seq * 7), MD5(seq * 13)) FROM seq_1_to_${rows}; ANALYZE TABLE big;`,
    );
  }
}

/** `crm-rescue backups list --json --dir DIR`, parsed. */
export async function listJson(
  dir: string,
  env: Record<string, string>,
): Promise<{ id: string; status: string; usable: boolean; error: string | null; restoreTest: { ok: boolean } | null }[]> {
  const r = await runCli(['backups', 'list', '--json', '--dir', dir], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Nothing in the catalog is usable. */
export async function expectNoUsableBackup(dir: string, env: Record<string, string>): Promise<void> {
  const list = await listJson(dir, env);
  expect(list.filter((b) => b.usable || b.status === 'ok')).toEqual([]);
}

/** One line on stderr starting with `crm-rescue: `, the exit code, no stack trace. */
export function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{"type":"progress"'));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^crm-rescue: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** The binary started in the background, so a test can watch and hurt its children. */
export interface RunningCli {
  child: ChildProcess;
  result: Promise<CliResult>;
}

/** Starts `crm-rescue ARGS` without waiting for it. */
export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result };
}

/** Every process's parent pid, from /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The descendants of a process whose command line starts with `name` (e.g. pg_dump). */
export function descendantsNamed(root: number, pattern: RegExp): number[] {
  const pp = parents();
  const inTree = (pid: number) => {
    for (let p = pid, n = 0; p > 1 && n < 50; p = pp.get(p) ?? 0, n++) if (p === root) return true;
    return false;
  };
  return [...pp.keys()].filter((pid) => pid !== root && inTree(pid) && pattern.test(cmdline(pid)));
}

/** A process's argv joined by spaces ('' when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Every process's argv on the machine. */
export function allCmdlines(): string[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => cmdline(Number(n)));
}

/** Polls until `fn` returns a truthy value; fails early when the watched CLI run has already ended. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, run?: RunningCli, timeoutMs = WAIT_TIMEOUT_MS, everyMs = 10): Promise<Truthy<T>> {
  return waitUntil(fn, { what, timeoutMs, intervalMs: everyMs, stopIf: run && (() => cliEnded(run)) });
}

/** Why a watched CLI run can no longer reach a point: it ended (with its exit code and last line). */
export async function cliEnded(run: RunningCli): Promise<string | undefined> {
  if (run.child.exitCode === null && run.child.signalCode === null) return undefined;
  const r = await run.result;
  return `crm-rescue ended (exit ${r.code ?? run.child.signalCode}) first: ${r.stderr.trim().split('\n').pop()}`;
}

/** Files under a folder (recursive), relative paths. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), join(rel, e.name));
      else out.push(join(rel, e.name));
    }
  };
  walk(dir, '');
  return out;
}

/** Mounts a tmpfs (we run as root); false when this machine does not allow it. */
export function mountTmpfs(dir: string, options: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}

/** Unmounts, retrying while busy; lazily (detached now, freed when no longer busy) if it stays busy. */
export async function umount(dir: string): Promise<void> {
  try {
    await waitUntil(() => spawnSync('umount', [dir]).status === 0, { what: `${dir} to unmount`, timeoutMs: 30_000, intervalMs: 200 });
  } catch {
    spawnSync('umount', ['-l', dir]);
  }
}
