import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import type { DumpTable } from '../model.js';
import { openDump, readDumpHead } from '../open.js';
import { DumpScanner, type StatementKind } from './scan.js';
import { withContext } from './mysqldump.js';
import { dumpTimeAfter } from './time.js';

/**
 * A mydumper folder: Debian bookworm's 0.10 layout (`db-schema-create.sql`, `db.t-schema.sql`,
 * `db.t.sql` or chunks `db.t.00000.sql`, each possibly `.gz` / `.zst`; `metadata` with
 * `Started dump at:`) and the newer one (the same files; an INI `metadata` with `[config]`,
 * `[myd_…]` and one `[`db`.`t`]` section per table, which may tell its rows). File names hold the
 * raw names joined by dots, so a name is split at a database the folder creates; the table's own
 * name is then read from its files' statements, never trusted from the file name.
 */
export interface MydumperTable {
  /** The names as the files' statements write them (utf8). */
  database: string;
  name: string;
  schemaFile: string | null;
  /** In chunk order. */
  dataFiles: string[];
}

/** What a mydumper folder holds. */
export interface MydumperFacts {
  databases: string[];
  tables: (MydumperTable & { rows: number | null; bytes: number | null })[];
  startedAt: string | null;
  tool: string;
}

const SQL = /\.sql(?:\.gz|\.zst|\.zstd|\.lz4|\.bz2|\.xz)?$/;
const utf8 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');

/** The folder's tables and their files (names from the files' statements). */
export async function mydumperTables(dir: string): Promise<{ databases: string[]; tables: MydumperTable[] }> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    throw new UserError(`${dir} cannot be read: ${(err as Error).message}`, undefined, { cause: err });
  }
  const stem = (f: string) => f.replace(SQL, '');
  const sqlFiles = names.filter((f) => SQL.test(f)).sort();
  const dbStems = sqlFiles.filter((f) => stem(f).endsWith('-schema-create')).map((f) => stem(f).slice(0, -'-schema-create'.length));
  const other = /-schema-(?:create|view|triggers|post|sequence)$/;
  const schemaStems = new Map<string, string>();
  for (const f of sqlFiles) if (stem(f).endsWith('-schema') && !other.test(stem(f))) schemaStems.set(stem(f).slice(0, -'-schema'.length), f);
  // `db.table`: split after the longest database the folder creates, else at the first dot.
  const split = (s: string): [string, string] => {
    const db = dbStems.filter((d) => s.startsWith(`${d}.`)).sort((a, b) => b.length - a.length)[0];
    if (db !== undefined) return [db, s.slice(db.length + 1)];
    const dot = s.indexOf('.');
    return dot < 0 ? ['', s] : [s.slice(0, dot), s.slice(dot + 1)];
  };
  const byStem = new Map<string, { schemaFile: string | null; data: { file: string; order: number[] }[] }>();
  const entry = (k: string) => {
    let e = byStem.get(k);
    if (!e) byStem.set(k, (e = { schemaFile: null, data: [] }));
    return e;
  };
  for (const [k, f] of schemaStems) entry(k).schemaFile = join(dir, f);
  for (const f of sqlFiles) {
    const s = stem(f);
    if (s.endsWith('-schema') || other.test(s) || s.endsWith('-checksum')) continue;
    if (schemaStems.has(s)) {
      entry(s).data.push({ file: join(dir, f), order: [] });
      continue;
    }
    // A chunk: `db.table.00000` (newer versions: `db.table.00000.00001`).
    const m = /^(.*?)((?:\.\d+)+)$/.exec(s);
    const base = m && (schemaStems.has(m[1]) || !schemaStems.has(s)) ? m[1] : s;
    const order = m && base === m[1] ? m[2].slice(1).split('.').map(Number) : [];
    entry(base).data.push({ file: join(dir, f), order });
  }
  const databases: string[] = [];
  for (const d of dbStems) {
    const f = sqlFiles.find((x) => stem(x) === `${d}-schema-create`)!;
    const found = await firstName(join(dir, f), ['create-database']);
    databases.push(found ? utf8(found.name) : d);
  }
  const tables: MydumperTable[] = [];
  for (const [k, e] of byStem) {
    e.data.sort((a, b) => {
      for (let i = 0; i < Math.max(a.order.length, b.order.length); i++)
        if ((a.order[i] ?? -1) !== (b.order[i] ?? -1)) return (a.order[i] ?? -1) - (b.order[i] ?? -1);
      return 0;
    });
    const [dbStem, tableStem] = split(k);
    const found = (e.schemaFile && (await firstName(e.schemaFile, ['create-table']))) || (e.data[0] && (await firstName(e.data[0].file, ['insert'])));
    const dbName = databases[dbStems.indexOf(dbStem)] ?? dbStem;
    if (!databases.includes(dbName)) databases.push(dbName);
    tables.push({ database: dbName, name: found ? utf8(found.name) : tableStem, schemaFile: e.schemaFile, dataFiles: e.data.map((d) => d.file) });
  }
  return { databases, tables };
}

/** Reads the folder: tables, files, the metadata's time and rows. */
export async function indexMydumper(dir: string): Promise<MydumperFacts> {
  const { databases, tables } = await mydumperTables(dir);
  let meta = '';
  try {
    meta = await readFile(join(dir, 'metadata'), 'utf8');
  } catch {
    // No metadata (a dump in progress, or copied without it): the caller falls back to mtime.
  }
  const rows = iniRows(meta);
  const out: MydumperFacts['tables'] = [];
  for (const t of tables) {
    out.push({ ...t, rows: rows.get(`${t.database}\0${t.name}`) ?? null, bytes: await dataBytes(t.dataFiles) });
  }
  const version = /mydumper[\s=:v]*(\d+\.\d+(?:\.\d+)*)/i.exec(meta);
  return {
    databases,
    tables: out,
    startedAt: dumpTimeAfter(meta, 'Started dump at:') ?? dumpTimeAfter(meta, 'Finished dump at:'),
    tool: version ? `mydumper ${version[1]}` : 'mydumper',
  };
}

/** As a DumpTable. */
export function mydumperDumpTable(t: MydumperFacts['tables'][number]): DumpTable {
  return {
    schema: t.database,
    name: t.name,
    database: t.database,
    bytes: t.bytes,
    rows: t.rows,
    hasDefinition: t.schemaFile !== null,
    hasData: t.dataFiles.length > 0,
  };
}

/** The newer INI metadata: `[`db`.`t`]` sections with `rows = N`. */
function iniRows(meta: string): Map<string, number> {
  const out = new Map<string, number>();
  let key: string | null = null;
  for (const line of meta.split('\n')) {
    const sec = /^\[`((?:[^`]|``)*)`\.`((?:[^`]|``)*)`\]\s*$/.exec(line.trim());
    if (sec) {
      key = `${sec[1].replace(/``/g, '`')}\0${sec[2].replace(/``/g, '`')}`;
      continue;
    }
    if (line.trim().startsWith('[')) key = null;
    const r = /^\s*rows\s*=\s*(\d+)\s*$/.exec(line);
    if (r && key) out.set(key, Number(r[1]));
  }
  return out;
}

/** Decompressed bytes of the data files when cheap to know: plain files' sizes, gzip's trailer; else null. */
async function dataBytes(files: string[]): Promise<number | null> {
  let total = 0;
  for (const f of files) {
    const head = await readFileBytes(f, 0, 4);
    if (!head) return null;
    const st = await stat(f);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      // ISIZE: the size mod 2^32 of the last member; mydumper writes one member per file.
      if (st.size > 0xffffffff) return null;
      const tail = await readFileBytes(f, st.size - 4, 4);
      if (!tail) return null;
      total += tail.readUInt32LE(0);
    } else if (/\.sql$/.test(f)) total += st.size;
    else return null;
  }
  return total;
}

async function readFileBytes(path: string, pos: number, n: number): Promise<Buffer | null> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, Math.max(0, pos));
    return bytesRead === n ? buf : null;
  } finally {
    await fh.close();
  }
}

/** The name of the first statement of one of `kinds` in the first 64 KiB of a file, or null. */
async function firstName(file: string, kinds: StatementKind[]): Promise<{ name: string } | null> {
  const head = await readDumpHead({ path: file, members: [] }, 64 * 1024);
  let found: string | null = null;
  const scanner = new DumpScanner({
    statement(h) {
      if (kinds.includes(h.kind) && h.name !== null) {
        found = h.name;
        scanner.stopped = true;
      }
      return false;
    },
    write() {},
  });
  scanner.feed(head);
  if (!scanner.stopped) scanner.finish();
  return found === null ? null : { name: found };
}

/**
 * One table's files in order (definition, then data chunks), decompressed and concatenated; a
 * damaged file's error says which table's rows it broke off in. `prelude` goes first.
 */
export function mydumperTableStream(t: MydumperTable, opts: { prelude?: string; onBytes?: (raw: number) => void; signal?: AbortSignal }): Readable {
  async function* run(): AsyncGenerator<Buffer> {
    if (opts.prelude) yield Buffer.from(opts.prelude, 'utf8');
    let before = 0;
    const files = [...(t.schemaFile ? [t.schemaFile] : []), ...t.dataFiles];
    for (const [k, f] of files.entries()) {
      let last = 0;
      const { stream } = await openDump({ path: f, members: [] }, { signal: opts.signal, onBytes: (n) => opts.onBytes?.(before + (last = n)) });
      const kind = k === 0 && t.schemaFile ? 'create-table' : 'insert';
      const at = { current: { kind, name: Buffer.from(t.name, 'utf8').toString('latin1'), database: '', offset: 0 } as const, offset: 0 };
      try {
        for await (const chunk of withContext(stream, at, opts.signal)) {
          at.offset += chunk.length;
          yield chunk;
        }
      } finally {
        stream.destroy();
      }
      // Files may end without a newline; statements never span files.
      yield Buffer.from('\n');
      before += last;
    }
  }
  return Readable.from(run(), { objectMode: false });
}
