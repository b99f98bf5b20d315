import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { TableSource } from '../backup/catalog.js';
import { findPgTool } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import { runTool, startTool } from '../exec/index.js';
import { UserError } from '../errors.js';
import type { ProgressListener } from '../progress/event.js';

type PgSource = Extract<TableSource, { layout: 'pg-directory' }>;

/** What a stager reports. */
export interface LoadResult {
  rows: number;
  bytes: number;
}

/**
 * Restores one table of a pg_dump directory archive into `ns.tmp` (a new table): its CREATE
 * TABLE from the archive's own DDL (so it works when live was dropped or altered), its data
 * streamed `pg_restore -a | psql` with the COPY target rewritten (no temporary file), then its
 * primary and unique keys from the archive. Reads only that table's entry of the archive.
 */
export async function loadPgTable(db: Db, src: PgSource, ns: string, tmp: string, onBytes?: (rows: number, bytes: number) => void, signal?: AbortSignal): Promise<LoadResult> {
  const d = db.dialect;
  const serverVersion = await d.serverVersion(db);
  const pgRestore = await findPgTool('pg_restore', serverVersion);
  const psql = await findPgTool('psql', serverVersion);
  const { schema, name } = src.table;
  const select = ['-n', schema, '-t', name];
  const ddl = await runTool({ tool: pgRestore.path, args: ['-s', '--no-owner', '--no-privileges', ...select, '-f', '-', src.archiveDir], what: `reading the definition of ${schema}.${name}` });
  const create = extractCreateTable(ddl.stdout);
  if (!create) throw new UserError(`the backup has no definition of ${schema}.${name}`, 'crm-rescue backups show ID lists its tables');
  const target = d.quoteQualified(ns, tmp);
  await db.query(`DROP TABLE IF EXISTS ${target}`);
  await db.query(`CREATE TABLE ${target} ${create.body}`);
  try {
    const restore = await startTool({ tool: pgRestore.path, args: ['-a', ...select, '-f', '-', src.archiveDir], stdout: 'pipe', what: `reading the data of ${schema}.${name}`, signal });
    const rewrite = new CopyRetarget(create.qualified, target, onBytes);
    restore.stdout!.pipe(rewrite);
    const load = await startTool({
      tool: psql.path,
      args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction'],
      target: db.target,
      stdin: rewrite,
      stdout: 'ignore',
      what: `loading ${schema}.${name} into staging`,
      signal,
    });
    await Promise.all([restore.done, load.done]);
    if (!rewrite.found) throw new UserError(`the backup holds no data entry for ${schema}.${name}`, 'Was it backed up with --schema-only?');
    const keys = await runTool({ tool: pgRestore.path, args: ['-s', '--section=post-data', '--no-owner', '-f', '-', src.archiveDir], what: 'reading keys' });
    for (const k of extractKeys(keys.stdout, create.qualified)) {
      await db.query(`ALTER TABLE ${target} ADD CONSTRAINT ${d.quoteIdent(`crs_${randomBytes(6).toString('hex')}`)} ${k.kind} (${k.columns})`);
    }
    await db.query(`ANALYZE ${target}`);
    return { rows: rewrite.rows, bytes: rewrite.bytes };
  } catch (err) {
    await db.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
    throw err;
  }
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

/** Rewrites `COPY <qualified> (` to the staging table and counts the data lines going through. */
class CopyRetarget extends Transform {
  found = false;
  rows = 0;
  bytes = 0;
  private head = '';
  private inData = false;
  constructor(
    private readonly from: string,
    private readonly to: string,
    private readonly onBytes?: (rows: number, bytes: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.inData) {
      this.countRows(chunk);
      this.push(chunk);
    } else {
      this.head += chunk.toString('utf8');
      const prefix = `COPY ${this.from} (`;
      const at = this.head.indexOf(`\n${prefix}`);
      const lineEnd = at >= 0 ? this.head.indexOf('\n', at + 1) : -1;
      if (at >= 0 && lineEnd >= 0) {
        this.found = true;
        this.inData = true;
        const rest = this.head.slice(lineEnd + 1);
        this.push(`${this.head.slice(0, at + 1)}COPY ${this.to} (${this.head.slice(at + 1 + prefix.length, lineEnd + 1)}`);
        this.countRows(Buffer.from(rest));
        this.push(rest);
        this.head = '';
      } else if (this.head.length > 1 << 20) {
        cb(new UserError('pg_restore output has no COPY statement in its first megabyte', 'The archive may be damaged'));
        return;
      }
    }
    this.onBytes?.(this.rows, this.bytes);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    if (!this.inData && this.head) this.push(this.head);
    cb();
  }
  private countRows(chunk: Buffer): void {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) this.rows++;
  }
}
