import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { findPgTool } from '../../backup/tools.js';
import type { Db } from '../../connect/open.js';
import type { QualifiedName } from '../../dialect/own-tables.js';
import { findFirstTool, startTool, ToolError } from '../../exec/index.js';
import { UserError } from '../../errors.js';
import { indexScript } from '../../stage/pg-archive-script.js';
import type { PgTableDefinition } from '../../stage/pg-stage.js';
import type { LoadedCopy, LoadTarget } from '../../stage/row-source.js';
import type { Compression, DetectedDump, DumpFormat, DumpIndex, DumpLocation, DumpTable, ExternalBackupRecord, IndexOptions } from '../model.js';
import { describeLocation, DumpReadError, openDump, type DumpStream } from '../open.js';
import { createOf, displayOf, keyOf, keysFor, liveDefinition, recordedKeys, shapeOf, StageSession, type Key } from './session.js';
import { identListAt, qualifiedAt, SqlScanner } from './sql-scan.js';

/**
 * pg_dump archives (custom, directory, tar): read through pg_restore, which only ever prints
 * scripts here (`-l`, `-s --section=…`, `-a -L list -f -`); none of them is run. A custom or tar
 * archive inside a container or compressed as a whole (an EspoCRM tarball, a tar.gz) is fed to
 * pg_restore on stdin, opened again for every read.
 */

interface Archive {
  loc: DumpLocation;
  format: DumpFormat;
  /** pg_restore reads it on stdin (a member of a container, or compressed as a whole). */
  viaStdin: boolean;
}

function archiveOf(loc: DumpLocation, format: DumpFormat, compression: Compression): Archive {
  return { loc, format, viaStdin: format !== 'pg-directory' && (loc.members.length > 0 || compression !== 'none') };
}

/** The pg_dump version that writes archive version `1.N` (pg_dump's K_VERS_1_N). */
const ARCHIVE_VERSION_PG: Record<number, number> = { 15: 16, 16: 17, 17: 18 };

/** Runs pg_restore on the archive; a version it cannot read becomes the one line saying which pg_restore can. */
async function pgRestore(
  a: Archive,
  tool: string,
  args: string[],
  opts: { what: string; stdout: 'collect' | 'pipe'; signal?: AbortSignal; onBytes?: (n: number) => void; env?: Record<string, string> },
): Promise<{ stdout: () => Promise<string>; stream: Readable | null; done: Promise<unknown>; kill: () => void; raw: () => number }> {
  let ds: DumpStream | null = null;
  let inputError: unknown = null;
  let feed: PassThrough | undefined;
  let stop = () => undefined as void;
  if (a.viaStdin) {
    const opened = await openDump(a.loc, { onBytes: opts.onBytes, signal: opts.signal });
    ds = opened;
    // pg_restore stops reading once it has what it needs (-l reads only the TOC): the broken pipe
    // that leaves is no error of the dump, so it is swallowed here; a damaged dump stops pg_restore.
    feed = new PassThrough({
      highWaterMark: 1 << 20,
      destroy(_err, cb) {
        opened.stream.destroy();
        cb(null);
      },
    });
    opened.stream.once('error', (err) => {
      inputError = err;
      stop();
    });
    opened.stream.pipe(feed);
  }
  const p = await startTool({
    tool,
    args: [...args, ...(a.viaStdin ? [] : [a.loc.path])],
    stdin: feed,
    stdout: opts.stdout,
    env: opts.env,
    what: opts.what,
    signal: opts.signal,
  });
  stop = () => p.kill();
  const done = p.done.catch((err: unknown) => {
    // A damaged compressed stream: its own error says where (pg_restore only saw its input end).
    if (inputError instanceof DumpReadError) throw inputError;
    throw versionError(err, a) ?? err;
  });
  done.catch(() => undefined);
  return {
    stdout: () => done.then((r) => (r as { stdout: string }).stdout),
    stream: p.stdout,
    done,
    kill: () => {
      p.kill();
      ds?.stream.destroy();
    },
    raw: () => ds?.rawBytes() ?? 0,
  };
}

/** pg_restore's "unsupported version (1.16) in file header" as what to install. */
export function versionError(err: unknown, a: Pick<Archive, 'loc'>): UserError | null {
  if (!(err instanceof ToolError)) return null;
  const m = /unsupported version \((\d+)\.(\d+)\) in file header/.exec(`${err.stderrTail}\n${err.message}`);
  if (!m) return null;
  const major = m[1] === '1' ? ARCHIVE_VERSION_PG[Number(m[2])] : undefined;
  return new UserError(
    major
      ? `${describeLocation(a.loc)} was made by pg_dump ${major} or later (archive version ${m[1]}.${m[2]}), which this pg_restore cannot read`
      : `${describeLocation(a.loc)} is a pg_dump archive of version ${m[1]}.${m[2]}, newer than this pg_restore reads`,
    major ? `Install postgresql-client-${major} (or newer) and put its pg_restore first on PATH` : 'Install a newer postgresql-client',
    { cause: err },
  );
}

/** pg_restore's path: a version check against the server when a db is given. */
async function restoreTool(db: Db | null): Promise<string> {
  if (db) return (await findPgTool('pg_restore', db.dialect.serverVersion(db))).path;
  const path = findFirstTool(['pg_restore'], { binDir: process.env.CRM_RESCUE_PG_BINDIR });
  if (!path) throw new UserError('pg_restore not found on PATH', 'Install postgresql-client (apt-get install postgresql-client)');
  return path;
}

/** One `pg_restore -l` line. */
interface TocEntry {
  id: string;
  line: string;
  desc: string;
  /** `schema tag owner`, as pg_restore prints them (spaces not quoted). */
  rest: string;
}

const DESCS = ['TABLE DATA', 'TABLE', 'FOREIGN TABLE'];

/** The header and entries of `pg_restore -l`. */
function parseToc(text: string): { header: Record<string, string>; entries: TocEntry[] } {
  const header: Record<string, string> = {};
  const entries: TocEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(';')) {
      const created = /^; Archive created at (.+)$/.exec(line);
      if (created) header.created = created[1];
      const kv = /^;\s+([A-Za-z_ ]+):\s(.*)$/.exec(line);
      if (kv) header[kv[1].trim()] = kv[2].trim();
      continue;
    }
    const m = /^(\d+); \d+ \d+ (.*)$/.exec(line);
    if (!m) continue;
    const desc = DESCS.find((d) => m[2].startsWith(`${d} `));
    if (desc) entries.push({ id: m[1], line, desc, rest: m[2].slice(desc.length + 1) });
  }
  return { header, entries };
}

/** Which entry (`schema tag owner`) is a table's: exact names from the script when known, else split at spaces. */
function splitRest(rest: string, known: { schema: string; name: string }[]): { schema: string; name: string } {
  const safe = (s: string) => (s === '' ? '-' : s.replace(/[\r\n]/g, ' '));
  const hit = known.filter((t) => rest.startsWith(`${safe(t.schema)} ${safe(t.name)} `) || rest === `${safe(t.schema)} ${safe(t.name)}`);
  if (hit.length === 1) return hit[0];
  const words = rest.split(' ');
  return { schema: words[0], name: words.slice(1, Math.max(2, words.length - 1)).join(' ') };
}

/** The tables a pre-data script creates, by their exact names. */
function createdTables(script: string): { schema: string; name: string }[] {
  const out: { schema: string; name: string }[] = [];
  const latin = Buffer.from(script, 'utf8').toString('latin1');
  for (const m of latin.matchAll(/^CREATE (?:UNLOGGED )?TABLE /gm)) {
    const q = qualifiedAt(latin, m.index + m[0].length);
    if (q && q.schema !== null) out.push({ schema: q.schema, name: q.name });
  }
  return out;
}

/** `2026-12-06 23:18:51 UTC` (pg_restore run with TZ=UTC) as ISO 8601. */
function createdAt(s: string | undefined): string | null {
  const m = s && /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (UTC|GMT)$/.exec(s);
  return m ? new Date(`${m[1]}T${m[2]}Z`).toISOString() : null;
}

/**
 * Indexes a custom, directory or tar archive: its TOC and schema script (two pg_restore reads),
 * the tables' keys recorded from the script's post-data so staging needs no read for them.
 */
export async function indexArchive(d: DetectedDump, opts: IndexOptions): Promise<DumpIndex> {
  const a = archiveOf(d.location, d.format, d.compression);
  const tool = await restoreTool(null);
  let raw = 0;
  const onBytes = (n: number) => opts.onBytes?.((raw = n));
  const toc = await pgRestore(a, tool, ['-l'], {
    what: `reading the contents of ${describeLocation(a.loc)}`,
    stdout: 'collect',
    env: { TZ: 'UTC' },
    signal: opts.signal,
    onBytes,
  });
  const { header, entries } = parseToc(await toc.stdout());
  // Pre- and post-data in one read: the keys (post-data) cost no more than the definitions.
  const schema = await pgRestore(a, tool, ['-s', '--no-owner', '--no-privileges', '-f', '-'], {
    what: `reading the definitions of ${describeLocation(a.loc)}`,
    stdout: 'collect',
    signal: opts.signal,
  });
  const script = await schema.stdout();
  const defined = createdTables(script);
  const database = header.dbname ?? '';
  const tables = new Map<string, DumpTable>();
  const entry = (t: { schema: string; name: string }) => {
    const k = JSON.stringify([t.schema, t.name]);
    let e = tables.get(k);
    if (!e) tables.set(k, (e = { schema: t.schema, name: t.name, database, bytes: null, rows: null, hasDefinition: false, hasData: false }));
    return e;
  };
  for (const t of defined) entry(t).hasDefinition = true;
  const files = a.format === 'pg-directory' ? await readdir(a.loc.path).catch(() => [] as string[]) : [];
  for (const e of entries) {
    if (e.desc !== 'TABLE DATA') continue;
    const t = entry(splitRest(e.rest, defined));
    t.hasData = true;
    const file = files.find((f) => new RegExp(`^${e.id}\\.dat(\\.(gz|lz4|zst))?$`).test(f));
    if (file) t.bytes = (t.bytes ?? 0) + (await stat(join(a.loc.path, file))).size;
  }
  for (const t of tables.values()) t.keys = postKeys(script, t);
  // pg_restore read the file itself: it counts as read once the index is done.
  if (raw) opts.onBytes?.(raw);
  else if (a.format !== 'pg-directory') opts.onBytes?.((await stat(a.loc.path)).size);
  const taken = createdAt(header.created);
  const by = header['Dumped by pg_dump version'] ?? null;
  return {
    engine: 'postgres',
    format: d.format,
    wrapper: d.wrapper,
    compression: d.compression,
    location: d.location,
    databases: database ? [database] : [],
    tables: [...tables.values()],
    takenAt: taken ?? '',
    takenAtSource: taken ? 'archive-header' : 'mtime',
    tool: by ? `pg_dump ${by.split(' ')[0]}` : null,
    serverVersion: header['Dumped from database version'] ?? null,
  };
}

/**
 * Stages one table of an archive: its definition from the schema script, its keys as recorded at
 * import (or from the same script's post-data), its rows from `pg_restore -a -L <its TABLE DATA
 * entry> -f -`, of which only the COPY block's lines (up to `\.`) go on, into our own COPY.
 */
export async function loadArchive(db: Db, record: ExternalBackupRecord, table: DumpTable, live: QualifiedName, into: LoadTarget): Promise<LoadedCopy> {
  const idx = record.index;
  const a = archiveOf(idx.location, idx.format, idx.compression);
  const display = displayOf(table);
  const tool = await restoreTool(db);
  const signal = into.signal;
  const read = (args: string[], what: string) => pgRestore(a, tool, args, { what, stdout: 'collect', signal }).then((r) => r.stdout());
  // Keys recorded at import (same file, size and mtime checked by the caller) need only the
  // pre-data; an older record gets pre- and post-data in one read. An archive fed on stdin is
  // decompressed once per read: three (contents, schema, rows) rather than four.
  const recorded = recordedKeys(table);
  const [tocText, preText] = await Promise.all([
    read(['-l'], `reading the contents of ${describeLocation(a.loc)}`),
    read(['-s', ...(recorded ? ['--section=pre-data'] : []), '--no-owner', '--no-privileges', '-f', '-'], `reading the definition of ${display}`),
  ]);
  const { entries } = parseToc(tocText);
  const defined = createdTables(preText);
  const dataEntries = entries.filter((e) => e.desc === 'TABLE DATA' && sameTable(splitRest(e.rest, defined), table));
  let def: PgTableDefinition | null = null;
  const found = indexScript(preText).tableEntry(table.schema, table.name);
  if (found) {
    const latin = Buffer.from(found.entry, 'utf8').toString('latin1');
    const at = latin.search(/^CREATE (?:UNLOGGED )?TABLE /m);
    if (at >= 0) def = createOf(latin, table, null, found.encoding) ?? createOf(latin.slice(at), table, null, found.encoding);
  }
  let note: string | undefined;
  if (!def) {
    def = await liveDefinition(db, live);
    note = ' (definition from the live table: the dump has none)';
  }
  const keys = recorded ?? postKeys(preText, table);
  const shape = await shapeOf(db, into.namespace, def, display);
  const session = await StageSession.start(db, into, shape, def.encoding, display);
  let bytes = 0;
  const dir = dataEntries.length ? await mkdtemp(join(tmpdir(), 'crm-rescue-list-')) : null;
  let restore: Awaited<ReturnType<typeof pgRestore>> | null = null;
  try {
    if (dir) {
      const list = join(dir, 'list');
      await writeFile(list, dataEntries.map((e) => `${e.line}\n`).join(''), { mode: 0o600 });
      restore = await pgRestore(a, tool, ['-a', '-L', list, '-f', '-'], {
        what: `reading the rows of ${display}`,
        stdout: 'pipe',
        signal,
        onBytes: (n) => into.onBytes(n),
      });
      const scanner = new SqlScanner(restore.stream!, () => 'skip');
      scanner.countRows = false;
      let blocks = 0;
      for await (const ev of scanner.events()) {
        if (ev.kind === 'copy') {
          const q = qualifiedAt(ev.header, /^COPY\s+/i.exec(ev.header)![0].length);
          let at = q ? q.end : 0;
          while (/\s/.test(ev.header[at] ?? '')) at++;
          const cols = q ? identListAt(ev.header, at) : null;
          await session.copy(cols ? cols.names : shape.dataColumns);
          scanner.emitCopy = true;
        } else if (ev.kind === 'copy-data') {
          bytes += ev.data.length;
          // pg_restore reads the file itself: the rows' text stands for the bytes read, bounded by the table's size on disk.
          if (!a.viaStdin) into.onBytes(table.bytes === null ? bytes : Math.min(bytes, table.bytes));
          await session.rows(ev.data);
        } else if (ev.kind === 'copy-end') {
          await session.endCopy();
          if (++blocks === dataEntries.length) break;
        }
      }
      restore.kill();
      if (blocks < dataEntries.length) {
        await restore.done;
        throw new UserError(`pg_restore gave ${blocks} of the ${dataEntries.length} data blocks of ${display}`, 'Run with --debug and report it');
      }
      if (a.viaStdin) bytes = restore.raw();
      else if (table.bytes !== null) bytes = table.bytes;
    }
    const rows = await session.finish(keysFor(keys, shape));
    const target = { schema: into.namespace, name: into.temporaryName };
    return {
      table: target,
      aside: { schema: into.namespace, name: `${into.temporaryName}_old` },
      rows,
      bytes,
      cleanup: () => db.query(`DROP TABLE IF EXISTS ${db.dialect.quoteQualified(target.schema, target.name)}`).then(() => undefined),
      ...(note && { note }),
    };
  } catch (err) {
    restore?.kill();
    const cause = await session.failedWith(err);
    // pg_restore's own failure (a damaged archive) says more than an ended stream.
    const failed = restore
      ? await restore.done.then(
          () => null,
          (e: unknown) => e,
        )
      : null;
    if (failed instanceof DumpReadError)
      throw new DumpReadError(`${failed.message}, in the data of ${display}`, failed.rawOffset, failed.hint, { cause: failed });
    throw failed instanceof UserError ? failed : cause;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function sameTable(a: { schema: string; name: string }, b: { schema: string; name: string }): boolean {
  return a.schema === b.schema && a.name === b.name;
}

/** The table's primary and unique keys in a post-data (or whole schema) script. */
function postKeys(script: string, table: Pick<DumpTable, 'schema' | 'name'>): Key[] {
  const latin = Buffer.from(script, 'utf8').toString('latin1');
  const lines = latin.split('\n');
  const out: Key[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('ALTER TABLE ONLY ')) continue;
    const k = keyOf(`${lines[i]}\n${lines[i + 1]}`, table, null);
    if (k) out.push(k);
  }
  return out;
}
