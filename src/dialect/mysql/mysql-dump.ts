import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ExternalError } from '../../errors.js';
import { startTool, type ToolProcess } from '../../exec/run-tool.js';
import { ProgressTracker } from '../../progress/tracker.js';
import { loadSql } from '../../util/sql-file.js';
import { DIR_MODE, fsyncPath } from '../../backup/durable.js';
import type { DumpContext, DumpOutcome } from '../../backup/driver.js';
import { FileSink, type SinkResult } from '../../backup/file-sink.js';
import { fsWriteError } from '../../backup/fs-errors.js';
import { safeName } from '../../backup/id.js';
import { InsertRowCounter } from '../../backup/insert-row-counter.js';
import type { ManifestFile, ManifestTable } from '../../backup/manifest.js';
import { MysqldumpSplitter, type SplitPiece } from './mysqldump-splitter.js';
import { INSTALL_HINTS } from '../../backup/tools.js';

/** The per-table folder and the schema file of a MySQL backup. */
export const MYSQL_TABLES_DIR = 'tables';
export const MYSQL_SCHEMA_FILE = 'schema.sql';

/** The header a table file may carry at most (it is repeated in every file). */
const MAX_HEADER = 1 << 20;

/**
 * mysqldump options for one consistent InnoDB snapshot without locking the CRM: a single
 * REPEATABLE READ transaction (--single-transaction, no LOCK TABLES), rows streamed (--quick),
 * routines and triggers, binary as hex, utf8mb4.
 */
export function mysqldumpArgs(ctx: Pick<DumpContext, 'tool' | 'target' | 'subset'>): string[] {
  const args = [
    '--single-transaction',
    '--quick',
    '--skip-lock-tables',
    '--routines',
    '--triggers',
    '--hex-blob',
    '--default-character-set=utf8mb4',
    '--no-tablespaces',
    '--add-drop-table',
  ];
  if (ctx.tool.flavour === 'mysql') args.push('--set-gtid-purged=OFF', '--column-statistics=0');
  args.push('--', ctx.target.database, ...(ctx.subset ?? []).map((t) => t.name));
  return args;
}

/**
 * One mysqldump run whose stdout is split on the fly into one gzip file per table (each
 * carrying the dump's header SET statements, so it loads alone) plus `schema.sql.gz` for views,
 * routines and the footer. Rows are counted from the INSERT statements as they stream by.
 * The stream is pulled only as fast as the files are written (backpressure); memory stays flat.
 */
export async function dumpMysql(ctx: DumpContext): Promise<DumpOutcome> {
  const tablesDir = join(ctx.workDir, MYSQL_TABLES_DIR);
  await mkdir(tablesDir, { mode: DIR_MODE });
  const gzip = ctx.compress === 'gzip';
  const ext = gzip ? '.sql.gz' : '.sql';
  const sizes = await ctx.db.query<{ name: string; bytes: number | string }>(loadSql('backup/mysql-dump-tables'));
  const expected = ctx.subset ? sizes.filter((t) => ctx.subset!.some((s) => s.name === t.name)) : sizes;
  const weights = new Map(expected.map((t) => [t.name, Number(t.bytes)]));
  const tracker = new ProgressTracker({
    operation: 'backup',
    items: expected.map((t) => ({ key: t.name, weight: Number(t.bytes) })),
    listener: ctx.onProgress,
  });
  tracker.phase('dump');

  const sinkOptions = { gzip, level: ctx.level, maxInFlight: Math.max(1, ctx.jobs) };
  const header: Buffer[] = [];
  let headerLen = 0;
  const tables: ManifestTable[] = [];
  const files: ManifestFile[] = [];
  let current: { name: string; file: string; sink: FileSink; counter: InsertRowCounter } | null = null;
  let schemaSink: FileSink | null = null;
  const openSinks = new Set<FileSink>();
  let written = 0;

  const open = async (rel: string): Promise<FileSink> => {
    const path = join(ctx.workDir, rel);
    let sink: FileSink;
    try {
      sink = await FileSink.create(path, sinkOptions);
    } catch (err) {
      throw fsWriteError(err, path);
    }
    openSinks.add(sink);
    for (const h of header) await sink.write(h);
    return sink;
  };
  const closeSink = async (sink: FileSink): Promise<SinkResult> => {
    try {
      const r = await sink.close();
      openSinks.delete(sink);
      return r;
    } catch (err) {
      throw fsWriteError(err, sink.path);
    }
  };
  const finishTable = async () => {
    if (!current) return;
    const c = current;
    current = null;
    const r = await closeSink(c.sink);
    written += r.bytes;
    tables.push({ schema: ctx.target.database, name: c.name, file: c.file, bytes: r.bytes, sha256: r.sha256, rows: c.counter.rows, rowsEstimated: false });
    tracker.setBytes(written);
    tracker.finish(c.name);
  };
  const write = async (sink: FileSink, data: Buffer) => {
    try {
      await sink.write(data);
    } catch (err) {
      throw fsWriteError(err, sink.path);
    }
  };
  const handle = async (piece: SplitPiece) => {
    switch (piece.kind) {
      case 'header':
        headerLen += piece.data.length;
        if (headerLen > MAX_HEADER) throw new ExternalError('mysqldump output does not look like a dump: no table marker in the first 1 MB', '', null, '');
        header.push(Buffer.from(piece.data));
        return;
      case 'table': {
        await finishTable();
        const file = `${MYSQL_TABLES_DIR}/${String(tables.length + 1).padStart(4, '0')}-${safeName(piece.name, 48)}${ext}`;
        current = { name: piece.name, file, sink: await open(file), counter: new InsertRowCounter() };
        tracker.start(piece.name);
        return;
      }
      case 'schema':
        await finishTable();
        schemaSink ??= await open(`${MYSQL_SCHEMA_FILE}${gzip ? '.gz' : ''}`);
        return;
      case 'data':
        if (current) {
          current.counter.feed(piece.data);
          await write(current.sink, piece.data);
          const w = weights.get(current.name);
          if (w) tracker.partialFraction(current.name, current.sink.rawBytes / w);
          tracker.setBytes(written + current.sink.bytesWritten);
        } else {
          schemaSink ??= await open(`${MYSQL_SCHEMA_FILE}${gzip ? '.gz' : ''}`);
          await write(schemaSink, piece.data);
        }
        return;
    }
  };

  let proc: ToolProcess | null = null;
  try {
    proc = await startTool({
      tool: ctx.tool.path,
      args: mysqldumpArgs(ctx),
      target: ctx.target,
      stdout: 'pipe',
      signal: ctx.signal,
      what: `mysqldump of ${ctx.target.database}`,
      installHint: INSTALL_HINTS.mysql,
    });
    const splitter = new MysqldumpSplitter();
    let read = 0;
    for await (const chunk of proc.stdout!) {
      read += (chunk as Buffer).length;
      for (const piece of splitter.push(chunk as Buffer)) await handle(piece);
    }
    for (const piece of splitter.end()) await handle(piece);
    await proc.done;
    if (!splitter.completed) {
      throw new ExternalError(
        `mysqldump of ${ctx.target.database} ended without its "Dump completed" line (${read} bytes read): the dump is cut short`,
        proc.command,
        0,
        '',
        'Run the backup again; check the server log',
      );
    }
    await finishTable();
    if (!schemaSink) schemaSink = await open(`${MYSQL_SCHEMA_FILE}${gzip ? '.gz' : ''}`);
    const s = await closeSink(schemaSink);
    files.push({ path: `${MYSQL_SCHEMA_FILE}${gzip ? '.gz' : ''}`, bytes: s.bytes, sha256: s.sha256 });
    written += s.bytes;
    tracker.setBytes(written);
    await fsyncPath(tablesDir);
    return { command: proc.command, layout: 'mysql-split', tables, files };
  } catch (err) {
    if (proc) {
      proc.kill('SIGTERM');
      proc.stdout?.destroy();
      await proc.done.catch(() => undefined);
    }
    await Promise.allSettled([...openSinks].map((s) => s.abort()));
    // mysqldump's own failure explains more than our reaction to its cut-off stream.
    throw err;
  }
}
