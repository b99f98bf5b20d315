import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { TableSource } from '../backup/catalog.js';
import type { ManifestTable } from '../backup/manifest.js';
import { hashFile } from '../backup/durable.js';
import { findPgTool } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import type { ToolVersion } from '../exec/index.js';
import { findFirstTool, runTool, ToolError } from '../exec/index.js';
import { UserError } from '../errors.js';
import { matcherFor, type KeyFilter } from './key-filter.js';
import { indexScript, keysByTable, type IndexedScript, type ScriptKey } from './pg-archive-script.js';

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
 * (looked up once), the archive's pre-data section (the tables' definitions) and its post-data
 * section (their keys), each read with one pg_restore call for all tables: a call reads the
 * archive's whole TOC (5 MB for a 776-table Odoo), so one per table would cost more than most
 * tables' loads.
 */
export interface PgArchive {
  archiveDir: string;
  /** pg_restore's path, usable at once: reading the archive does not wait for the version checks. */
  pgRestorePath: string | null;
  /** The version checks of pg_restore and psql (against the server): awaited before anything is loaded. */
  tools: Promise<{ pgRestore: ToolVersion; psql: ToolVersion }>;
  postData(): Promise<string>;
  /** The pre-data script (`pg_restore -s --section=pre-data`), indexed by TOC entry. */
  preData(): Promise<IndexedScript>;
  /** The primary and unique keys of the post-data script, by table as the script qualifies it. */
  keys(): Promise<Map<string, ScriptKey[]>>;
}

/**
 * Looks up pg_restore and psql for a directory archive. Their version checks, the server's
 * version and the first reads of the archive all run at once; nothing waits on another.
 */
export function openPgArchive(db: Db, archiveDir: string, env: NodeJS.ProcessEnv = process.env): PgArchive {
  const serverVersion = db.dialect.serverVersion(db);
  serverVersion.catch(() => undefined);
  const tools = Promise.all([findPgTool('pg_restore', serverVersion, env), findPgTool('psql', serverVersion, env)]).then(([pgRestore, psql]) => ({
    pgRestore,
    psql,
  }));
  tools.catch(() => undefined);
  const pgRestorePath = findFirstTool(['pg_restore'], { binDir: env.CRM_RESCUE_PG_BINDIR, env });
  let postData: Promise<string> | null = null;
  let preData: Promise<IndexedScript> | null = null;
  let keys: Promise<Map<string, ScriptKey[]>> | null = null;
  const archive: PgArchive = {
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
    preData: () => {
      preData ??= pgRestore(pgRestorePath, tools).then((path) =>
        runTool({
          tool: path,
          args: ['-s', '--section=pre-data', '--no-owner', '--no-privileges', '-f', '-', archiveDir],
          what: 'reading the definitions of the backup',
        }).then((r) => indexScript(r.stdout)),
      );
      preData.catch(() => undefined);
      return preData;
    },
    keys: () => {
      keys ??= archive.postData().then(keysByTable);
      keys.catch(() => undefined);
      return keys;
    },
  };
  return archive;
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
  /** The tables it INHERITS from, as the dump names them, or null. */
  inherits: string | null;
}

/**
 * Reads one table's definition from the archive's TOC (no data file is opened): its entry in the
 * pre-data script read once for all tables, or, when that script does not name it exactly once
 * (see indexScript), the table read alone.
 */
export async function readPgDefinition(archive: PgArchive, src: PgSource): Promise<PgTableDefinition> {
  const { schema, name } = src.table;
  const found = (await archive.preData()).tableEntry(schema, name);
  if (found) {
    const def = definitionIn(found.entry);
    if (def) return { ...def, encoding: found.encoding };
  }
  const ddl = await runTool({
    tool: await pgRestore(archive.pgRestorePath, archive.tools),
    args: ['-s', '--no-owner', '--no-privileges', '-n', schema, '-t', name, '-f', '-', archive.archiveDir],
    what: `reading the definition of ${schema}.${name}`,
  });
  const def = definitionIn(ddl.stdout);
  if (!def) throw new UserError(`the backup has no definition of ${schema}.${name}`, 'crm-rescue backups show ID lists its tables');
  return def;
}

/** The definition in a script holding one table's CREATE TABLE, or null when it has none. */
function definitionIn(script: string): PgTableDefinition | null {
  const create = extractCreateTable(script);
  if (!create) return null;
  const enc = /^SET client_encoding = '([A-Za-z0-9_-]+)';$/m.exec(script);
  const inherits = /^\)\nINHERITS \((.+)\);$/m.exec(script);
  return { create, encoding: enc ? enc[1] : null, inherits: inherits ? inherits[1] : null };
}

/** Where a staged table's rows are: one data file of the archive, and the definition that wrote it. */
export interface PgDataPart {
  src: PgSource;
  def: PgTableDefinition;
  /**
   * The data file's sha256 when it is checked while it is read (targeted staging: one read of
   * the file, not two); a mismatch fails the load, whose copy is then dropped unswapped.
   */
  sha256?: string;
}

/** A staged table's columns: names, types, NOT NULL and collations only. */
export interface StagedShape {
  /** `(col type [COLLATE c] [NOT NULL], …)` */
  ddl: string;
  /** The columns of the dump's data file, in its order (generated columns are not dumped). */
  dataColumns: string[];
}

/**
 * The staged table's definition, built from the dump's own CREATE TABLE without running any of
 * it on a table that holds rows: the CREATE runs once in a transaction that is rolled back (in
 * the staging namespace, with search_path empty so every name prints qualified), and the staged
 * table gets only what the catalog says of its columns there: names, types (a domain becomes its
 * base type: a domain's CHECK may call a function), collations and NOT NULL. No default (a live
 * sequence's nextval), no CHECK (a live function, run for every loaded row), no generated column,
 * identity, trigger, rule, policy, comment, owner or grant — nothing that runs code or points at
 * the live schema. The same transaction creates that table too and reads pg_depend to prove it:
 * it may refer to no object outside pg_catalog and the staging namespace but types (not domains)
 * and collations. An INHERITS child is created without its parents (its COPY then fails and
 * says so); a partition and a partitioned parent as plain tables.
 */
export async function stagedShape(db: Db, ns: string, def: PgTableDefinition, display: string): Promise<StagedShape> {
  const d = db.dialect;
  const probe = d.quoteQualified(ns, `crs_probe_${randomBytes(4).toString('hex')}`);
  const check = d.quoteQualified(ns, `crs_check_${randomBytes(4).toString('hex')}`);
  return db.withConnection(async (conn) => {
    await conn.query('BEGIN');
    try {
      await conn.query("SET LOCAL search_path = ''");
      try {
        await conn.query(`CREATE TABLE ${probe} ${def.create.body}`);
      } catch (err) {
        throw new UserError(
          `the backup's definition of ${display} cannot be read on this server: ${(err as Error).message}`,
          'The objects it names (types, functions, sequences) may be gone from live; crm-rescue backups show ID lists the tables',
          { cause: err },
        );
      }
      const cols = await conn.query<{ name: string; type: string; not_null: boolean; collation: string | null }>(STAGED_COLUMNS_SQL, [probe]);
      if (!cols.length)
        throw new UserError(`the backup's definition of ${display} has no columns staging can load`, 'crm-rescue backups show ID lists its tables');
      const ddl = `(${cols.map((c) => `${d.quoteIdent(c.name)} ${c.type}${c.collation ? ` COLLATE ${c.collation}` : ''}${c.not_null ? ' NOT NULL' : ''}`).join(', ')})`;
      await conn.query(`CREATE TABLE ${check} ${ddl}`);
      const refs = await conn.query<{ what: string }>(LIVE_REFERENCES_SQL, [check, ns]);
      if (refs.length) {
        throw new UserError(
          `staging ${display} would make the staged copy depend on ${refs.map((r) => r.what).join(', ')} of the live database; nothing was staged`,
          'Report this with crm-rescue --debug',
        );
      }
      return { ddl, dataColumns: cols.map((c) => c.name) };
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
    }
  });
}

/** The columns of a probe table ($1), domains resolved to their base types (arrays of domains too). */
const STAGED_COLUMNS_SQL = `
WITH RECURSIVE chain AS (
  SELECT a.attnum, a.atttypid AS typ, a.atttypmod AS typmod, 0 AS depth
  FROM pg_attribute a
  WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
  UNION ALL
  SELECT c.attnum,
         CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE bt.typarray END,
         CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE et.typtypmod END,
         c.depth + 1
  FROM chain c
  JOIN pg_type t ON t.oid = c.typ
  LEFT JOIN pg_type et ON t.typtype <> 'd' AND et.oid = t.typelem AND t.typcategory = 'A'
  LEFT JOIN pg_type bt ON bt.oid = et.typbasetype
  WHERE t.typtype = 'd' OR et.typtype = 'd'
)
SELECT a.attname AS name,
       format_type(c.typ, c.typmod) AS type,
       a.attnotnull AS not_null,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation
FROM (SELECT DISTINCT ON (attnum) attnum, typ, typmod FROM chain ORDER BY attnum, depth DESC) c
JOIN pg_attribute a ON a.attrelid = $1::regclass AND a.attnum = c.attnum
JOIN pg_type t ON t.oid = c.typ
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
ORDER BY c.attnum`;

/** What a table ($1) depends on outside pg_catalog, information_schema and the staging namespace ($2), types and collations aside. */
const LIVE_REFERENCES_SQL = `
SELECT pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS what
FROM pg_depend d
CROSS JOIN LATERAL pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid) o
WHERE ((d.classid = 'pg_class'::regclass AND d.objid = $1::regclass)
       OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = $1::regclass))
       OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = $1::regclass)))
  AND o.schema IS NOT NULL AND o.schema NOT IN ('pg_catalog', 'information_schema', $2)
  AND NOT (d.refclassid = 'pg_type'::regclass AND (SELECT typtype FROM pg_type WHERE oid = d.refobjid) <> 'd')
  AND d.refclassid <> 'pg_collation'::regclass`;

/**
 * Restores one table of a pg_dump directory archive into `ns.tmp` (a new table), in one psql
 * session and one transaction: the table from its staged shape (see stagedShape), its data
 * file(s) streamed straight into `COPY … FROM STDIN WITH (FREEZE)` (no temporary file, no SQL
 * rewriting: a data file holds only COPY rows), then its primary and unique keys from the
 * archive, built after the data. Reads only that table's data files (a partitioned parent's:
 * each partition's, in turn, with the partition's own column list); a failure anywhere rolls the
 * whole table back.
 *
 * Each COPY names the columns of its data file in the dump's order (the non-generated columns of
 * the definition that wrote it), so a definition that does not match its data, e.g. an INHERITS
 * child created without its parents' columns, fails the COPY rather than shifting values.
 */
export async function loadPgTable(
  db: Db,
  archive: PgArchive,
  def: PgTableDefinition,
  parts: PgDataPart[],
  ns: string,
  tmp: string,
  display: string,
  onBytes?: (bytes: number) => void,
  signal?: AbortSignal,
  filter?: KeyFilter,
): Promise<LoadResult> {
  const d = db.dialect;
  const target = d.quoteQualified(ns, tmp);
  const { psql } = await archive.tools;
  const keys = (await archive.keys()).get(def.create.qualified) ?? [];
  const shape = await stagedShape(db, ns, def, display);
  const copies: string[] = [];
  const keyAt: number[][] = [];
  for (const p of parts) {
    const cols = p.def === def ? shape.dataColumns : (await stagedShape(db, ns, p.def, `${p.src.table.schema}.${p.src.table.name}`)).dataColumns;
    copies.push(`COPY ${target} (${cols.map((c) => d.quoteIdent(c)).join(', ')}) FROM STDIN WITH (FREEZE)`);
    if (filter) keyAt.push(filter.columns.map((c) => cols.indexOf(c)));
  }
  const data = openDataFiles(
    parts.map((p) => ({ path: p.src.dataFile, sha256: p.sha256 })),
    onBytes,
  );
  // Targeted staging: rows of other keys are left out as the files stream (the stager narrows
  // exactly afterwards); a file whose columns lack the filter's passes whole.
  const stdin = filter && keyAt.every((at) => at.every((i) => i >= 0)) ? data.stream.pipe(new CopyRowFilter(keyAt, matcherFor(filter))) : data.stream;
  if (stdin !== data.stream) data.stream.on('error', (err) => stdin.destroy(err));
  const statements = [
    // An explicit transaction (rather than --single-transaction, whose meaning for -c varies
    // between psql versions); ON_ERROR_STOP ends psql, and with it the transaction, at any error.
    'BEGIN',
    `CREATE TABLE ${target} ${shape.ddl}`,
    // FREEZE: rows are written frozen (the table is new in this transaction), so the reads that
    // follow (key build, diff) neither look up commit status nor dirty pages setting hint bits.
    ...copies,
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
    stdin,
    stdout: 'collect',
    what: `loading ${display} into staging`,
    signal,
  }).catch((err: unknown) => {
    // A data file that did not match its sha256 is the story, not how psql took its end.
    const bad = data.mismatch();
    if (bad) throw bad;
    // The error says what failed; for an INHERITS child, the hint says why.
    if (!(err instanceof ToolError) || !def.inherits || err.signal) throw err;
    const hint = `${display} INHERITS from ${def.inherits}, and staging creates a table from its own columns only, so its rows do not fit`;
    throw new ToolError(err.message, err.command, err.childExitCode, err.stderrTail, hint, err.tool, err.signal);
  });
  // A data file checked while read that did not match: its rows must not be staged.
  const bad = data.mismatch();
  if (bad) throw bad;
  const copied = [...load.stdout.matchAll(/^COPY (\d+)$/gm)];
  if (copied.length !== parts.length)
    throw new UserError(`loading ${display} reported ${copied.length} COPY of ${parts.length}`, 'Run with --debug and report it');
  return { rows: copied.reduce((n, m) => n + Number(m[1]), 0), bytes: data.bytes() };
}

/** Data files one after another, each up to its `\.` end line, decompressed, counting file bytes read. */
function openDataFiles(
  files: { path: string; sha256?: string }[],
  onBytes?: (bytes: number) => void,
): { stream: Readable; bytes: () => number; mismatch: () => UserError | null } {
  let before = 0;
  let current: { bytes: () => number } | null = null;
  let mismatch: UserError | null = null;
  const total = () => before + (current?.bytes() ?? 0);
  async function* all(): AsyncGenerator<Buffer> {
    for (const { path, sha256 } of files) {
      const hash = sha256 ? createHash('sha256') : null;
      const f = openDataFile(path, (b) => onBytes?.(before + b), hash);
      current = f;
      const cut = new CopyEndCut();
      const damaged = () =>
        new UserError(
          `${path} does not match its sha256 in the backup's manifest; nothing of it was staged`,
          'The backup is damaged; crm-rescue backups verify names every bad file; pick another backup',
        );
      try {
        for await (const chunk of f.stream) {
          const out = cut.push(chunk as Buffer);
          if (out.length) yield out;
          // A file checked while read is read to its end (the hash covers every byte).
          if (cut.done && !hash) break;
        }
      } catch (err) {
        // A file that cannot be decompressed: its checksum says whether it is damaged.
        if (
          sha256 &&
          (await hashFile(path).then(
            (h) => h.sha256 !== sha256,
            () => true,
          ))
        )
          throw (mismatch = damaged());
        throw err;
      }
      // A file without its end line (pg_dump always writes one) must not run into the next.
      if (!cut.done) yield Buffer.from(cut.midLine ? '\n\\.\n' : '\\.\n');
      f.stream.destroy();
      if (hash && hash.digest('hex') !== sha256) throw (mismatch = damaged());
      before += f.bytes();
      current = null;
    }
  }
  return { stream: Readable.from(all(), { objectMode: false }), bytes: total, mismatch: () => mismatch };
}

/** A table's data file (gzip or plain COPY text), decompressed, counting (and, given a hash, hashing) the file bytes read. */
function openDataFile(path: string, onBytes?: (bytes: number) => void, hash?: Hash | null): { stream: Readable; bytes: () => number } {
  let bytes = 0;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      bytes += chunk.length;
      hash?.update(chunk);
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

/** Passes COPY text up to and including its `\.` line; what follows (blank lines) is left out. */
export class CopyEndCut {
  done = false;
  get midLine(): boolean {
    return this.state !== 0;
  }
  /** 0 at a line start, 1 after a leading backslash, 2 after a leading `\.`, 3 inside a line. */
  private state = 0;
  /**
   * Byte by byte only near a line start; inside lines, a native search for the next newline
   * followed by `\.` (a data file is hundreds of MB of lines none of which is the end line).
   */
  push(chunk: Buffer): Buffer {
    if (this.done) return Buffer.alloc(0);
    const n = chunk.length;
    let i = 0;
    while (i < n && this.state !== 3) if (this.step(chunk[i++])) return chunk.subarray(0, i);
    for (;;) {
      const m = chunk.indexOf(NL_END, i);
      if (m < 0) break;
      // A line that begins with `\.`: the end line when only carriage returns follow before its newline.
      this.state = 2;
      i = m + 3;
      while (i < n && this.state !== 3) if (this.step(chunk[i++])) return chunk.subarray(0, i);
      if (i >= n) return chunk;
    }
    // No end line in the rest: the state the last bytes leave (a line start within them is at most 2 bytes from the end).
    const last = chunk.lastIndexOf(0x0a);
    if (last >= i && n - last <= 3) {
      this.state = 3;
      for (let j = last; j < n; j++) this.step(chunk[j]);
    } else if (last >= i) this.state = 3;
    return chunk;
  }

  /** One byte of the machine; true when it ended the data (the end line's newline). */
  private step(c: number): boolean {
    if (c === 0x0a) {
      if (this.state === 2) {
        this.done = true;
        return true;
      }
      this.state = 0;
    } else if (this.state === 0) this.state = c === 0x5c ? 1 : 3;
    else if (this.state === 1) this.state = c === 0x2e ? 2 : 3;
    else if (this.state === 2) this.state = c === 0x0d ? 2 : 3;
    return false;
  }
}

/** A newline, then `\.`: where an end line may begin. */
const NL_END = Buffer.from('\n\\.');

/**
 * COPY text rows whose key fields the matcher accepts, and every `\\.` end line (which also moves
 * on to the next data file's column positions, `keyAt[n]`). Fields are decoded from COPY's text
 * escapes before matching. Memory holds one row.
 */
export class CopyLineFilter {
  private pending: Buffer[] = [];
  private part = 0;
  private readonly last: number;
  constructor(
    private readonly keyAt: number[][],
    private readonly match: (values: (string | null)[]) => boolean,
  ) {
    this.last = Math.max(...keyAt.flat());
  }

  /** The kept rows among the complete lines so far. */
  push(chunk: Buffer): Buffer | null {
    let from = 0;
    const out: Buffer[] = [];
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      let line: Buffer;
      if (this.pending.length) {
        this.pending.push(chunk.subarray(from, nl + 1));
        line = Buffer.concat(this.pending);
        this.pending = [];
      } else line = chunk.subarray(from, nl + 1);
      from = nl + 1;
      if (this.keep(line)) out.push(line);
    }
    if (from < chunk.length) this.pending.push(chunk.subarray(from));
    return out.length ? Buffer.concat(out) : null;
  }

  /** A last line without its newline, when kept. */
  end(): Buffer | null {
    const rest = this.pending.length ? Buffer.concat(this.pending) : null;
    this.pending = [];
    return rest && this.keep(rest) ? rest : null;
  }

  private keep(line: Buffer): boolean {
    if (line[0] === 0x5c && line[1] === 0x2e) {
      this.part++;
      return true;
    }
    const at = this.keyAt[Math.min(this.part, this.keyAt.length - 1)];
    const end = line[line.length - 1] === 0x0a ? line.length - 1 : line.length;
    // One key column (the common case): its field alone is cut out and decoded.
    if (at.length === 1) return this.match([copyFieldValue(fieldAt(line, at[0], end))]);
    const fields: string[] = [];
    let start = 0;
    for (let f = 0; f <= this.last && start <= end; f++) {
      let stop = line.indexOf(0x09, start);
      if (stop < 0 || stop > end) stop = end;
      fields.push(line.toString('utf8', start, stop));
      start = stop + 1;
    }
    return this.match(at.map((i) => copyFieldValue(fields[i] ?? '')));
  }
}

/** Field `k` (0-based) of a COPY text line whose content ends at `end`, as text ('' when the line has fewer). */
function fieldAt(line: Buffer, k: number, end: number): string {
  let start = 0;
  for (let f = 0; f < k; f++) {
    const tab = line.indexOf(0x09, start);
    if (tab < 0 || tab >= end) return '';
    start = tab + 1;
  }
  let stop = line.indexOf(0x09, start);
  if (stop < 0 || stop > end) stop = end;
  return line.toString('utf8', start, stop);
}

/** CopyLineFilter as a stream. */
class CopyRowFilter extends Transform {
  private readonly lines: CopyLineFilter;
  constructor(keyAt: number[][], match: (values: (string | null)[]) => boolean) {
    super();
    this.lines = new CopyLineFilter(keyAt, match);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, this.lines.push(chunk) ?? undefined);
  }
  override _flush(cb: TransformCallback): void {
    cb(null, this.lines.end() ?? undefined);
  }
}

/** A COPY text field's value: `\N` is NULL; backslash escapes decoded. */
export function copyFieldValue(f: string): string | null {
  if (!f.includes('\\')) return f;
  if (f === '\\N') return null;
  return f.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/g, (_m, oct: string | undefined, hex: string | undefined, c: string | undefined) => {
    if (oct) return String.fromCharCode(parseInt(oct, 8));
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    return ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[c!] ?? c!;
  });
}

/** A partitioned parent of an archive: no rows of its own, its leaf partitions hold them. */
export type PartitionedParent = ManifestTable & { partitions: ManifestTable[] };

/**
 * The partitioned parents of an archive (from its ATTACH PARTITION statements, read from the TOC
 * only), each with the leaf partitions of the backup under it, at any depth.
 */
export async function partitionedParents(archive: PgArchive, tables: ManifestTable[]): Promise<PartitionedParent[]> {
  const script = (await archive.preData()).text;
  const id = '(?:"(?:[^"]|"")+"|[^\\s."]+)';
  const attach = new RegExp(`^ALTER TABLE ONLY (${id})\\.(${id}) ATTACH PARTITION (${id})\\.(${id}) `, 'gm');
  const unquote = (x: string) => (x.startsWith('"') ? x.slice(1, -1).replace(/""/g, '"') : x);
  const key = (schema: string, name: string) => JSON.stringify([schema, name]);
  const parentOf = new Map<string, string>();
  for (const m of script.matchAll(attach)) parentOf.set(key(unquote(m[3]), unquote(m[4])), key(unquote(m[1]), unquote(m[2])));
  const leaves = new Map<string, ManifestTable[]>();
  for (const t of tables) {
    for (let k = parentOf.get(key(t.schema, t.name)); k; k = parentOf.get(k)) leaves.set(k, [...(leaves.get(k) ?? []), t]);
  }
  return [...leaves].map(([k, parts]) => {
    const [schema, name] = JSON.parse(k) as [string, string];
    return {
      schema,
      name,
      file: parts[0].file,
      bytes: parts.reduce((n, p) => n + p.bytes, 0),
      sha256: '',
      rows: parts.every((p) => p.rows !== null) ? parts.reduce((n, p) => n + (p.rows ?? 0), 0) : null,
      rowsEstimated: parts.some((p) => p.rowsEstimated),
      partitions: parts,
    };
  });
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
