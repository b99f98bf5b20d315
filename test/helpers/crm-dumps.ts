import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import type { TempDb } from './temp-db.js';

/**
 * Loading the real CRM dumps of ../shared/crm-schemas (other projects' files, read in place and
 * never copied into this repository). The same loaders test/integration/crm-detect.test.ts uses.
 */

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Real CRM schemas and dumps: present only in the development workspace, as ../shared/crm-schemas
 * beside the checkout, or wherever CRM_RESCUE_CRM_SCHEMAS points (a clone elsewhere, CI).
 */
export const SCHEMAS = process.env.CRM_RESCUE_CRM_SCHEMAS
  ? path.resolve(process.env.CRM_RESCUE_CRM_SCHEMAS)
  : path.resolve(repoRoot, '..', 'shared', 'crm-schemas');
export const haveSchemas = existsSync(SCHEMAS);
/** A file of the shared folder. */
export const shared = (...parts: string[]) => path.join(SCHEMAS, ...parts);
/** A file of our own fixtures (test/fixtures). */
export const fixture = (...parts: string[]) => path.join(repoRoot, 'test', 'fixtures', ...parts);

/** Says once, on the console, why a file's tests are skipped. */
export function skipNotice(file: string): void {
  if (!haveSchemas) console.log(`${file}: skipped: ${SCHEMAS} not found (only in the development workspace; CRM_RESCUE_CRM_SCHEMAS points elsewhere)`);
}

/**
 * Runs a client (through zx) with the SQL on stdin (or via its own -f), the password in the
 * environment, never in argv. The exit code is returned for the caller to check.
 */
export async function runClient(
  command: string,
  args: string[],
  env: Record<string, string>,
  input?: string | Readable,
): Promise<{ code: number | null; stderr: string }> {
  const client$ = $({ env: { ...process.env, ...env }, quiet: true, nothrow: true, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
  const out = await (input === undefined ? client$ : client$({ input }))`${command} ${args}`;
  return { code: out.exitCode, stderr: out.stderr };
}

/** Loads SQL into a MariaDB/MySQL temp database with the mysql client (it handles DELIMITER and friends). */
export async function loadMysql(temp: TempDb, sql: { file: string } | { text: string }, options: { force?: boolean } = {}): Promise<void> {
  const u = new URL(temp.url);
  const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), ...(options.force ? ['--force'] : []), temp.name];
  // One transaction for the whole dump: the dumps insert row by row in autocommit mode, and one
  // fsync per INSERT makes a loaded server crawl. (DDL still commits implicitly.)
  const input = 'file' in sql ? Readable.from(withinTransaction(createReadStream(sql.file))) : sql.text;
  const { code, stderr } = await runClient('mysql', args, u.password ? { MYSQL_PWD: decodeURIComponent(u.password) } : {}, input);
  if (code !== 0 && !options.force) throw new Error(`mysql exited ${code}: ${stderr.slice(-2000)}`);
}

async function* withinTransaction(file: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
  yield 'SET autocommit = 0;\n';
  yield* file;
  yield '\n;COMMIT;\n';
}

/** Loads a SQL file into a PostgreSQL temp database with psql. */
export async function loadPostgres(temp: TempDb, file: string, options: { stopOnError?: boolean } = {}): Promise<void> {
  const u = new URL(temp.url);
  const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'root'), '-d', temp.name, '-q', '-X', '-f', file];
  if (options.stopOnError) args.push('-v', 'ON_ERROR_STOP=1');
  // Statement by statement in autocommit mode (a dump's failing statements must not abort the
  // rest): without waiting for the WAL flush of each commit, a schema of thousands of statements
  // loads in about half the time (Odoo's: 26 s → 15 s). A setting of psql's session only: the
  // server's configuration is untouched, and what is committed is the same.
  const env: Record<string, string> = { PGOPTIONS: `${process.env.PGOPTIONS ?? ''} -c synchronous_commit=off`.trim() };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const { code, stderr } = await runClient('psql', args, env);
  if (code !== 0) throw new Error(`psql exited ${code}: ${stderr.slice(-2000)}`);
}

/**
 * Dolibarr's DDL files in the installer's order: every `*.sql` but `*.key.sql` (one CREATE TABLE
 * each), then every `*.key.sql` (indexes and foreign keys), with the `--` comments stripped (the
 * files write `--comment` without the space MySQL requires).
 */
export function dolibarrDdlFiles(dir: string): { file: string; sql: string }[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const ordered = [...files.filter((f) => !f.endsWith('.key.sql')), ...files.filter((f) => f.endsWith('.key.sql'))];
  return ordered.map((f) => ({ file: f, sql: readFileSync(path.join(dir, f), 'utf8').replace(/--.*$/gm, '') }));
}
