import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { TableSource } from '../backup/catalog.js';
import { findPgTool } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import type { ToolVersion } from '../exec/index.js';
import { findFirstTool, runTool } from '../exec/index.js';
import { UserError } from '../errors.js';

type PgSource = Extract<TableSource, { layout: 'pg-directory' }>;

/** What a stager reports. */
export interface LoadResult {
  /** Rows loaded (the COPY's own count), or null when the loader cannot tell. */
  rows: number | null;
  /** Bytes of the backup's table file read. */
  bytes: number;
}

/**
 * What staging from one pg_dump directory archive shares between its tables: the client tools
 * (looked up once) and the archive's post-data section (its keys), read once for all tables.
 */
export interface PgArchive {
  archiveDir: string;
  /** pg_restore's path, usable at once: reading the archive does not wait for the version checks. */
  pgRestorePath: string | null;
  /** The version checks of pg_restore and psql (against the server): awaited before anything is loaded. */
  tools: Promise<{ pgRestore: ToolVersion; psql: ToolVersion }>;
  postData(): Promise<string>;
}

/**
 * Looks up pg_restore and psql for a directory archive. Their version checks, the server's
 * version and the first reads of the archive all run at once; nothing waits on another.
 */
export function openPgArchive(db: Db, archiveDir: string, env: NodeJS.ProcessEnv = process.env): PgArchive {
  const serverVersion = db.dialect.serverVersion(db);
  serverVersion.catch(() => undefined);
  const tools = Promise.all([findPgTool('pg_restore', serverVersion, env), findPgTool('psql', serverVersion, env)]).then(([pgRestore, psql]) => ({ pgRestore, psql }));
  tools.catch(() => undefined);
  const pgRestorePath = findFirstTool(['pg_restore'], { binDir: env.CRM_RESCUE_PG_BINDIR, env });
  let postData: Promise<string> | null = null;
  return {
    archiveDir,
    pgRestorePath,
    tools,
    postData: () => {
      postData ??= pgRestore(pgRestorePath, tools).then((path) =>
        runTool({ tool: path, args: ['-s', '--section=post-data', '--no-owner', '-f', '-', archiveDir], what: 'reading keys' }).then((r) => r.stdout),
      );
      postData.catch(() => undefined);
      return postData;
    },
  };
}

/** pg_restore's path; when it is not on PATH, findPgTool's error says what to install. */
async function pgRestore(path: string | null, tools: PgArchive['tools']): Promise<string> {
  return path ?? (await tools).pgRestore.path;
}

/** The CREATE TABLE of one table of the archive, as the dump wrote it (read from the TOC only). */
export interface PgTableDefinition {
  create: { qualified: string; body: string };
  /** The dump's client_encoding (the encoding its data files are written in). */
  encoding: string | null;
}

/** Reads one table's definition from the archive's TOC (no data file is opened). */
export async function readPgDefinition(archive: PgArchive, src: PgSource): Promise<PgTableDefinition> {
  const { schema, name } = src.table;
  const ddl = await runTool({
    tool: await pgRestore(archive.pgRestorePath, archive.tools),
    args: ['-s', '--no-owner', '--no-privileges', '-n', schema, '-t', name, '-f', '-', archive.archiveDir],
    what: `reading the definition of ${schema}.${name}`,
  });
  const create = extractCreateTable(ddl.stdout);
  if (!create) throw new UserError(`the backup has no definition of ${schema}.${name}`, 'crm-rescue backups show ID lists its tables');
  const enc = /^SET client_encoding = '([A-Za-z0-9_-]+)';$/m.exec(ddl.stdout);
  return { create, encoding: enc ? enc[1] : null };
}

/**
 * Restores one table of a pg_dump directory archive into `ns.tmp` (a new table), in one psql
 * session and one transaction: its CREATE TABLE from the archive's own DDL (so it works when
 * live was dropped or altered), its data file streamed straight into `COPY … FROM STDIN WITH
 * (FREEZE)` (no temporary file, no SQL rewriting: the data file holds only the COPY rows), then
 * its primary and unique keys from the archive, built after the data. Reads only that table's
 * data file; a failure anywhere rolls the whole table back.
 *
 * COPY without a column list fills the table's non-generated columns in order: exactly pg_dump's
 * COPY column list, since the table was created from the dump's own column list (a definition
 * that does not match its data, e.g. an INHERITS child, fails the COPY rather than shifting values).
 */
export async function loadPgTable(
  db: Db,
  archive: PgArchive,
  src: PgSource,
  def: PgTableDefinition,
  ns: string,
  tmp: string,
  onBytes?: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<LoadResult> {
  const d = db.dialect;
  const { schema, name } = src.table;
  const target = d.quoteQualified(ns, tmp);
  const { psql } = await archive.tools;
  const keys = extractKeys(await archive.postData(), def.create.qualified);
  const data = openDataFile(src.dataFile, onBytes);
  const statements = [
    // An explicit transaction (rather than --single-transaction, whose meaning for -c varies
    // between psql versions); ON_ERROR_STOP ends psql, and with it the transaction, at any error.
    'BEGIN',
    `CREATE TABLE ${target} ${def.create.body}`,
    // FREEZE: rows are written frozen (the table is new in this transaction), so the reads that
    // follow (key build, diff) neither look up commit status nor dirty pages setting hint bits.
    `COPY ${target} FROM STDIN WITH (FREEZE)`,
    ...keys.map((k) => `ALTER TABLE ${target} ADD CONSTRAINT ${d.quoteIdent(`crs_${randomBytes(6).toString('hex')}`)} ${k.kind} (${k.columns})`),
    // Statistics for the diff's plans (without them, a join of a large staged table with live
    // is planned on guessed row widths). A small sample is enough for joins on a key and costs a
    // tenth of the default one; autovacuum refines it later.
    'SET LOCAL default_statistics_target = 10',
    `ANALYZE ${target}`,
    'COMMIT',
  ];
  const load = await runTool({
    tool: psql.path,
    args: ['-X', '-v', 'ON_ERROR_STOP=1', ...statements.flatMap((s) => ['-c', s])],
    target: db.target,
    env: def.encoding ? { PGCLIENTENCODING: def.encoding } : undefined,
    stdin: data.stream,
    stdout: 'collect',
    what: `loading ${schema}.${name} into staging`,
    signal,
  });
  const copied = /^COPY (\d+)$/m.exec(load.stdout);
  if (!copied) throw new UserError(`loading ${schema}.${name} reported no COPY`, 'Run with --debug and report it');
  return { rows: Number(copied[1]), bytes: data.bytes() };
}

/** A table's data file (gzip or plain COPY text), decompressed, counting the file bytes read. */
function openDataFile(path: string, onBytes?: (bytes: number) => void): { stream: Readable; bytes: () => number } {
  let bytes = 0;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      bytes += chunk.length;
      onBytes?.(bytes);
      cb(null, chunk);
    },
  });
  raw.on('error', (err) => counter.destroy(err));
  raw.pipe(counter);
  if (path.endsWith('.dat')) return { stream: counter, bytes: () => bytes };
  if (!path.endsWith('.dat.gz')) throw new UserError(`${path}: unsupported compression`, 'Stage from a backup taken with --compress gzip or none');
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  counter.on('error', (err) => gunzip.destroy(err));
  return { stream: counter.pipe(gunzip), bytes: () => bytes };
}

/** The `CREATE TABLE <qualified> (...)` statement of a pg_restore -s script: its name as written and its body. */
export function extractCreateTable(script: string): { qualified: string; body: string } | null {
  const lines = script.split('\n');
  const start = lines.findIndex((l) => l.startsWith('CREATE TABLE ') || l.startsWith('CREATE UNLOGGED TABLE '));
  if (start < 0) return null;
  const head = /^CREATE (?:UNLOGGED )?TABLE (.+) \($/.exec(lines[start]);
  if (!head) return null;
  const body: string[] = ['('];
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l === ');' || /^\)( PARTITION BY .*)?;$/.test(l) || /^\)$/.test(l)) {
      body.push(')');
      return { qualified: head[1], body: body.join('\n') };
    }
    body.push(l);
  }
  return null;
}

/** PRIMARY KEY and UNIQUE constraints of one table in a post-data script. */
export function extractKeys(script: string, qualified: string): { kind: 'PRIMARY KEY' | 'UNIQUE'; columns: string }[] {
  const out: { kind: 'PRIMARY KEY' | 'UNIQUE'; columns: string }[] = [];
  const lines = script.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (lines[i] !== `ALTER TABLE ONLY ${qualified}`) continue;
    const m = /^ {4}ADD CONSTRAINT .+ (PRIMARY KEY|UNIQUE) \((.+)\);$/.exec(lines[i + 1]);
    if (m) out.push({ kind: m[1] as 'PRIMARY KEY' | 'UNIQUE', columns: m[2] });
  }
  return out;
}
