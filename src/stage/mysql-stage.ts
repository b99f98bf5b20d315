import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { openSqlFile, type TableSource } from '../backup/catalog.js';
import { findMysqlTool } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import { startTool } from '../exec/index.js';
import { UserError } from '../errors.js';
import type { LoadResult } from './pg-stage.js';

type MySource = Extract<TableSource, { layout: 'mysql-split' }>;

/**
 * Restores one table of a split mysqldump backup: its own file (header SETs, CREATE TABLE,
 * INSERTs, triggers) is streamed through the mysql client into a scratch database next to the
 * staging one, so nothing else of the backup is read. Triggers and foreign keys are dropped
 * there (staging needs neither), and the caller moves the table into place with one RENAME.
 */
export async function loadMysqlTable(db: Db, src: MySource, scratch: string, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<LoadResult & { table: string }> {
  const d = db.dialect;
  const mysql = await findMysqlTool('client');
  await db.query(d.createNamespace(scratch));
  const counter = new ByteCounter(onBytes);
  const input = openSqlFile(src.sqlFile);
  input.on('error', (err) => counter.destroy(err));
  input.pipe(counter);
  const load = await startTool({
    tool: mysql.path,
    args: ['--batch', '--default-character-set=utf8mb4', `--database=${scratch}`],
    target: db.target,
    stdin: counter,
    stdout: 'ignore',
    what: `loading ${src.table.name} into staging`,
    signal,
  });
  await load.done;
  const name = src.table.name;
  const exists = await db.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [scratch, name]);
  if (!exists.length) throw new UserError(`the backup's file for ${name} created no table`, 'The backup may be damaged; crm-rescue backups verify checks it');
  const triggers = await db.query<{ n: string }>('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ?', [scratch]);
  for (const t of triggers) await db.query(`DROP TRIGGER ${d.quoteQualified(scratch, t.n)}`);
  const fks = await db.query<{ n: string; t: string }>(
    'SELECT CONSTRAINT_NAME AS n, TABLE_NAME AS t FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
    [scratch],
  );
  for (const fk of fks) await db.query(`ALTER TABLE ${d.quoteQualified(scratch, fk.t)} DROP FOREIGN KEY ${d.quoteIdent(fk.n)}`);
  return { rows: null, bytes: counter.bytes, table: name };
}

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
