import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { postgresDialect } from './postgres-dialect.js';
import { UserError } from '../../errors.js';
import { runTool, startTool } from '../../exec/run-tool.js';
import { ProgressTracker } from '../../progress/tracker.js';
import { loadSql } from '../../util/sql-file.js';
import { FILE_MODE, fsyncPath, hashFile } from '../../backup/durable.js';
import type { DumpContext, DumpOutcome } from '../../backup/driver.js';
import type { ManifestFile, ManifestTable } from '../../backup/manifest.js';
import { openSnapshotSession, type SnapshotSession } from './postgres-snapshot.js';
import { findPgTool, INSTALL_HINTS, pgMajor } from '../../backup/tools.js';
import { mapLimit } from '../../util/map-limit.js';

/** The archive folder inside a PostgreSQL backup. */
export const PG_ARCHIVE_DIR = 'dump';

/** A table pg_dump writes rows for. */
interface DumpTable {
  oid: number;
  schema: string;
  name: string;
  parent: string | null;
  rowEstimate: number | null;
  bytes: number;
}

/** One TABLE DATA entry of an archive's table of contents. */
export interface TocTableData {
  dumpId: number;
  /** The table's OID on the dumped server. */
  oid: number;
  /** `schema name owner` as pg_restore prints it (ambiguous with spaces: use the OID). */
  rest: string;
}

/**
 * pg_dump in directory format with parallel jobs: one file per table. A snapshot exported from
 * our own read-only transaction is handed to pg_dump (`--snapshot`), so the exact row counts
 * taken meanwhile in that transaction describe exactly the rows in the dump.
 */
export async function dumpPostgres(ctx: DumpContext): Promise<DumpOutcome> {
  const archive = join(ctx.workDir, PG_ARCHIVE_DIR);
  const rows = await ctx.db.query<{
    oid: number | string;
    schema: string;
    name: string;
    parent_schema: string | null;
    parent_name: string | null;
    row_estimate: number | string | null;
    bytes: number | string;
  }>(loadSql('backup/postgres-dump-tables'));
  const all: DumpTable[] = rows.map((r) => ({
    oid: Number(r.oid),
    schema: r.schema,
    name: r.name,
    parent: r.parent_name ? `${r.parent_schema}.${r.parent_name}` : null,
    rowEstimate: r.row_estimate === null ? null : Number(r.row_estimate),
    bytes: Number(r.bytes),
  }));
  const wanted = ctx.subset
    ? all.filter((t) => ctx.subset!.some((s) => (s.schema === t.schema && s.name === t.name) || `${s.schema}.${s.name}` === t.parent))
    : all;

  const tracker = new ProgressTracker({
    operation: 'backup',
    items: wanted.map((t) => ({ key: `${t.schema}.${t.name}`, weight: t.bytes })),
    listener: ctx.onProgress,
  });
  tracker.phase('dump');

  const session = await openSnapshotSession(ctx.db);
  let counting: Promise<Map<number, number>> | undefined;
  let stopCounting = false;
  let poll: NodeJS.Timeout | undefined;
  try {
    const args = [
      '--format=directory',
      `--jobs=${ctx.jobs}`,
      `--file=${archive}`,
      `--compress=${ctx.compress === 'none' ? 0 : ctx.level}`,
      `--snapshot=${session.snapshot}`,
      '--verbose',
    ];
    if (ctx.subset) {
      args.push('--strict-names');
      // The chosen tables (partitioned parents bring their definition) and every partition's rows.
      const patterns = new Set([...ctx.subset, ...wanted].map((t) => `--table=${postgresDialect.quoteQualified(t.schema, t.name)}`));
      args.push(...patterns);
    } else {
      args.push('--exclude-schema=crm_rescue_stage_*');
    }
    const started = new Set<string>();
    // A table's file is complete once pg_dump reports its item finished: hash it while the
    // dump goes on, so little is left to do after pg_dump exits.
    const hashes = new Map<string, Promise<{ name: string; sha256: string; bytes: number }>>();
    const hashOne = (name: string) => {
      let h = hashes.get(name);
      if (!h) {
        const path = join(archive, name);
        h = (async () => {
          await chmod(path, FILE_MODE);
          await fsyncPath(path);
          return { name, ...(await hashFile(path)) };
        })();
        h.catch(() => undefined);
        hashes.set(name, h);
      }
      return h;
    };
    const dataExt = ctx.compress === 'none' ? '.dat' : '.dat.gz';
    const proc = await startTool({
      tool: ctx.tool.path,
      args,
      target: ctx.target,
      stdout: 'ignore',
      signal: ctx.signal,
      what: `pg_dump of ${ctx.target.database}`,
      installHint: INSTALL_HINTS.pg(pgMajor(ctx.serverVersion)),
      keepStderrLine: (line) => !/^pg_dump: /.test(line) || /error|warning|detail|hint|fatal|could not|terminat|abort|closed|lost/i.test(line),
      onStderrLine: (line) => {
        const start = /dumping contents of table "(.+)"\s*$/.exec(line);
        if (start) {
          if (ctx.jobs === 1) {
            // Serial mode reports no "finished item": a new table means the last one is done.
            for (const key of started) tracker.finish(key);
            started.clear();
          }
          started.add(start[1]);
          tracker.start(start[1]);
        }
        const fin = /finished item (\d+) TABLE DATA (.+)$/.exec(line);
        if (fin) {
          // Hashing starts as the file is complete; the memoized promise is awaited with all the
          // files' hashes below, so a failure surfaces there.
          void hashOne(`${fin[1]}${dataExt}`);
          const key = [...started].find((k) => k.endsWith(`.${fin[2]}`));
          if (key) {
            started.delete(key);
            tracker.finish(key);
          }
        }
      },
    });
    counting = countRows(session, wanted, () => stopCounting);
    counting.catch(() => undefined);
    poll = setInterval(() => {
      dirBytes(archive).then(
        (b) => tracker.setBytes(b),
        () => undefined,
      );
    }, 500);
    try {
      await proc.done;
    } finally {
      clearInterval(poll);
    }

    tracker.phase('hash');
    const names = (await readdir(archive)).sort();
    const [toc, hashed] = await Promise.all([
      readToc(archive, ctx.serverVersion),
      mapLimit(names, Math.max(1, ctx.jobs), async (name) => {
        ctx.signal?.throwIfAborted();
        return hashOne(name);
      }),
    ]);
    const byOid = new Map(all.map((t) => [t.oid, t]));
    const tables: ManifestTable[] = [];
    const files: ManifestFile[] = [];
    const byFile = new Map(hashed.map((h) => [h.name, h]));
    let total = 0;
    for (const h of hashed) total += h.bytes;
    tracker.setBytes(total);

    const counts = await counting.catch(() => new Map<number, number>());
    const tableFiles = new Set<string>();
    for (const entry of toc) {
      const file = byFile.has(`${entry.dumpId}.dat.gz`) ? `${entry.dumpId}.dat.gz` : byFile.has(`${entry.dumpId}.dat`) ? `${entry.dumpId}.dat` : null;
      if (!file) throw new UserError(`pg_dump's archive has no data file for TOC entry ${entry.dumpId} (${entry.rest})`, 'Run the backup again');
      tableFiles.add(file);
      const info = byOid.get(entry.oid);
      const [schema, ...restParts] = entry.rest.split(' ');
      const h = byFile.get(file)!;
      const exact = counts.get(entry.oid);
      tables.push({
        schema: info?.schema ?? schema,
        name: info?.name ?? restParts.slice(0, -1).join(' '),
        file: `${PG_ARCHIVE_DIR}/${file}`,
        bytes: h.bytes,
        sha256: h.sha256,
        rows: exact ?? info?.rowEstimate ?? null,
        rowsEstimated: exact === undefined,
        dumpId: entry.dumpId,
        ...(info?.parent && { partitionOf: info.parent }),
      });
      if (info) tracker.finish(`${info.schema}.${info.name}`);
    }
    for (const h of hashed) {
      if (!tableFiles.has(h.name)) files.push({ path: `${PG_ARCHIVE_DIR}/${h.name}`, bytes: h.bytes, sha256: h.sha256 });
    }
    await fsyncPath(archive);
    return { command: proc.command, layout: 'pg-directory', tables, files };
  } catch (err) {
    // A count may be waiting behind a lock that also held pg_dump up: do not wait for it.
    stopCounting = true;
    for (let i = 0; i < 10 && counting; i++) {
      await session.cancel();
      if (await settlesWithin(counting, 500)) break;
    }
    throw err;
  } finally {
    stopCounting = true;
    clearInterval(poll);
    await counting?.catch(() => undefined);
    await session.close();
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(
      () => (clearTimeout(t), resolve(true)),
      () => (clearTimeout(t), resolve(true)),
    );
  });
}

async function countRows(session: SnapshotSession, tables: DumpTable[], stopped: () => boolean): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const t of tables) {
    if (stopped()) break;
    const [r] = await session.query<{ n: number | string }>(`SELECT count(*) AS n FROM ONLY ${postgresDialect.quoteQualified(t.schema, t.name)}`);
    counts.set(t.oid, Number(r.n));
  }
  return counts;
}

/**
 * The TABLE DATA entries of a directory archive, from `pg_restore -l`. Lines look like
 * `3360; 0 38514 TABLE DATA public accounts root`: the third number is the table's OID.
 */
export async function readToc(archive: string, serverVersion: string, signal?: AbortSignal): Promise<TocTableData[]> {
  const tool = await findPgTool('pg_restore', serverVersion);
  const { stdout } = await runTool({ tool: tool.path, args: ['--list', archive], signal, what: `pg_restore --list of ${archive}` });
  return parseTocTableData(stdout);
}

/** Parses `pg_restore -l` output into its TABLE DATA entries. */
export function parseTocTableData(listing: string): TocTableData[] {
  const out: TocTableData[] = [];
  for (const line of listing.split('\n')) {
    const m = /^(\d+); (\d+) (\d+) TABLE DATA (.*)$/.exec(line);
    if (m) out.push({ dumpId: Number(m[1]), oid: Number(m[3]), rest: m[4] });
  }
  return out;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    try {
      total += (await stat(join(dir, name))).size;
    } catch {
      // a file renamed or removed meanwhile
    }
  }
  return total;
}
