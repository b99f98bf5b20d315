import { randomBytes } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { openSqlFile, type TableSource } from '../backup/catalog.js';
import { findMysqlTool } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import { startTool, type ToolVersion } from '../exec/index.js';
import { UserError } from '../errors.js';
import { MysqlTableFilter, type RowKeep } from './mysql-filter.js';
import type { LoadResult } from './pg-stage.js';

type MySource = Extract<TableSource, { layout: 'mysql-split' }>;

/**
 * Restores one table of a split mysqldump backup: its own file is streamed through
 * MysqlTableFilter (only the CREATE TABLE, renamed into a scratch database next to the staging
 * one, and its rows pass; triggers, foreign keys and anything else of the file never reach the
 * server) into the mysql client, so nothing else of the backup is read. The caller moves the
 * table into place with one RENAME.
 */
export async function loadMysqlTable(
  db: Db,
  src: MySource,
  scratch: string,
  onBytes?: (bytes: number) => void,
  signal?: AbortSignal,
  targeted?: { keep: RowKeep; sha256: string },
): Promise<LoadResult & { table: string; filtered?: { seen: number; kept: number } | null }> {
  // Targeted: the file is hashed as it is read (once), and a mismatch fails the load.
  const check = targeted && {
    expected: targeted.sha256,
    mismatch: () =>
      new UserError(
        `${src.sqlFile} does not match its sha256 in the backup's manifest; nothing of it was staged`,
        'The backup is damaged; crm-rescue backups verify names every bad file; pick another backup',
      ),
  };
  return loadMysqlStream(db, src.table.name, () => openSqlFile(src.sqlFile, check), scratch, { onBytes, signal, ...(targeted && { keep: targeted.keep }) });
}

/**
 * Restores one table from a stream of its statements (a split backup's file, or what an
 * external dump's reader extracted), the same way: through MysqlTableFilter into the mysql
 * client, into `scratch`. An error of the stream itself (a damaged file) is the one thrown.
 * With `keep`, only the rows it wants are loaded (targeted staging; `filtered` counts them).
 */
export async function loadMysqlStream(
  db: Db,
  name: string,
  open: () => Readable,
  scratch: string,
  opts: { onBytes?: (bytes: number) => void; signal?: AbortSignal; what?: string; keep?: RowKeep } = {},
): Promise<LoadResult & { table: string; filtered?: { seen: number; kept: number } | null }> {
  const d = db.dialect;
  const mysql = await mysqlClient();
  await db.query(d.createNamespace(scratch));
  const counter = new ByteCounter(opts.onBytes);
  const filter = new MysqlTableFilter({ table: name, target: d.quoteQualified(scratch, name), keep: opts.keep });
  const input = open();
  let inputError = null as Error | null;
  input.on('error', (err) => {
    inputError = err;
    counter.destroy(err);
  });
  counter.on('error', (err) => filter.destroy(err));
  // Rows flow before the client is started: a refusal then is kept (filter.refusal), not thrown.
  filter.on('error', () => undefined);
  input.pipe(counter).pipe(filter);
  try {
    const load = await startTool({
      tool: mysql.path,
      // --binary-mode: the client reads no client commands (\! and the like) from the stream.
      args: ['--batch', '--binary-mode', '--default-character-set=utf8mb4', `--database=${scratch}`],
      target: db.target,
      stdin: filter,
      stdout: 'ignore',
      what: `loading ${name} into staging`,
      signal: opts.signal,
    });
    await load.done;
    // A stream that broke before the client read it may look like a clean end to the client.
    if (inputError) throw inputError;
  } catch (err) {
    // The filter's refusal is the story, not the client it stopped; then a damaged input's own words.
    throw filter.refusal ?? (inputError instanceof UserError ? inputError : err);
  }
  if (!(await d.tableExists(db, scratch, name)))
    throw new UserError(`${opts.what ?? "the backup's file"} for ${name} created no table`, 'The backup may be damaged; crm-rescue backups verify checks it');
  // Rows seen and kept by `keep`; null when every row was loaded (no keep, or the filter could not apply it).
  const filtered = opts.keep && filter.keepDisabled === null ? { ...filter.rowCounts } : null;
  return { rows: null, bytes: counter.bytes, table: name, filtered };
}

/**
 * The mysql client, looked up (a `--version` run) once per PATH rather than once per table: a
 * stage run of related tables loads dozens of small tables, each otherwise paying two process
 * starts. A failed look-up is not kept, so installing the client and retrying works.
 */
function mysqlClient(): Promise<ToolVersion> {
  const key = `${process.env.CRM_RESCUE_MYSQL_BINDIR ?? ''}\0${process.env.PATH ?? ''}`;
  let found = clients.get(key);
  if (!found) {
    found = findMysqlTool('client');
    clients.set(key, found);
    found.catch(() => clients.delete(key));
  }
  return found;
}
const clients = new Map<string, Promise<ToolVersion>>();

/** A scratch database name next to a staging namespace (inside crm-rescue's prefix). */
export function scratchName(ns: string): string {
  return `${ns}_l${randomBytes(3).toString('hex')}`;
}

class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}
