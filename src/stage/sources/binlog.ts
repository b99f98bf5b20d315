import { rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TextDecoder } from 'node:util';
import type { Db } from '../../connect/open.js';
import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import { UsageError, UserError } from '../../errors.js';
import { imagesOf, iso, scanBinlog, type BinlogScan, type ScanWindow, type TableScan, type WantedTable } from '../../nobackup/binlog/scan.js';
import { binlogSettings, fetchServerBinlogs } from '../../nobackup/binlog/server.js';
import { findLiveTable } from '../resolve.js';
import type { RowSource, SourceTable, TableDefinition } from '../row-source.js';

/** The word `--backup` names the binary log by. */
export const BINLOG_SOURCE = 'binlog';

/** Where and what to read. */
export interface BinlogSourceOptions {
  /** Live tables it may stage (default: introspected). */
  snapshot?: Pick<SchemaSnapshot, 'database' | 'tables'>;
  /** The window, inclusive (ISO 8601, or a Date). */
  since?: string | Date;
  until?: string | Date;
  /** `binlog.000042:1234`: start reading at this event. */
  startPosition?: string;
  /**
   * Local binlog files, or folders holding them (files kept by `crm-rescue protect`), read in
   * name order. Absent: the server's kept files, read as a replica would.
   */
  files?: string[];
  /** UPDATE before-images count too (the row as it was before a mistaken update). */
  updates?: boolean;
}

/**
 * Columns added to each staged table, after the live ones: where the image was found. The log
 * has no user for a row event (MariaDB's GTID event replaced the BEGIN query that carried the
 * thread id, and no event carries the user name); MariaDB's annotate events give the statement.
 */
export const BINLOG_COLUMNS = [
  { name: '_binlog_at', type: 'datetime', nullable: false },
  { name: '_binlog_pos', type: 'varchar(300)', nullable: false },
  { name: '_binlog_event', type: 'varchar(6)', nullable: false },
  { name: '_binlog_statement', type: 'longtext', nullable: true },
];

const seconds = (v: string | Date | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) || !/T|\d:\d/.test(v) ? v : `${v}Z`);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} ${String(v)} is not a time`, 'write it as 2026-12-06T16:42:00Z');
  return Math.floor(ms / 1000);
};

/** Files in name order: a folder gives the binlog files in it (`name.000001` …). */
async function listFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new UserError(`Binary log file ${p} does not exist`);
    }
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => /\.\d{6,}$/.test(n)).sort();
      if (!names.length) throw new UserError(`${p} holds no binary log files (name.000001, …)`);
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

/**
 * The binary log as a row source: for each table, the newest image of every row deleted in the
 * window (with `updates`, also UPDATE before-images), decoded from ROW-format events with the
 * live table's definition, plus where each was found (BINLOG_COLUMNS). Every check that can
 * refuse (log off, statement format, MINIMAL images, purged files, no events, a table altered
 * in the window, a damaged file, a dropped connection, missing privileges) runs over the whole
 * window before any table is staged: a refusal leaves nothing staged.
 */
export async function binlogSource(db: Db, options: BinlogSourceOptions = {}): Promise<RowSource> {
  const window: ScanWindow = {
    since: seconds(options.since, '--since'),
    until: seconds(options.until, '--until'),
    updates: options.updates ?? false,
  };
  if (options.startPosition !== undefined) {
    const m = /^(.+):(\d+)$/.exec(options.startPosition);
    if (!m) throw new UsageError(`--binlog-start ${options.startPosition} is not FILE:POSITION`, 'e.g. binlog.000042:1234');
    window.start = { file: m[1], pos: Number(m[2]) };
  }
  const settings = await binlogSettings(db, !options.files?.length);
  const live = options.snapshot ?? (await db.dialect.introspect(db));
  let files: string[];
  if (options.files?.length) files = await listFiles(options.files);
  else {
    const fetched = await fetchServerBinlogs(db, settings);
    files = fetched.files;
    // The fetched copy lives until the process ends: the stager reads it twice per table, and a
    // source has no close. (A process killed by a signal leaves it in the temporary folder.)
    process.once('exit', () => rmSync(fetched.dir, { recursive: true, force: true }));
  }

  const scans = new Map<TableInfo, Promise<TableScan>>();
  const scanAll = async (tables: TableInfo[]): Promise<BinlogScan> => {
    const scan = await scanBinlog(files, tables.map(wantedTable), window);
    if (scan.tables.every((s) => s.images === 0)) {
      const what = window.updates ? 'deletions or updates' : 'deletions';
      const read = scan.from === null ? 'no events in it' : `events from ${iso(scan.from)} to ${iso(scan.to!)}`;
      const hint = !settings.logBin
        ? ''
        : settings.format.toUpperCase() !== 'ROW'
          ? ` (the server logs in ${settings.format} format: changes are statements, not row images)`
          : '';
      throw new UserError(
        `The binary log has no ${what} of ${tables.map((t) => `${t.schema}.${t.name}`).join(', ')} in the window (${describeWindow(window)}; ${read})${hint}`,
        'widen the window (--since/--until), or check the table name',
      );
    }
    tables.forEach((t, i) => scans.set(t, Promise.resolve(scan.tables[i])));
    return scan;
  };
  const scanOf = (t: TableInfo): Promise<TableScan> => {
    let p = scans.get(t);
    if (!p) {
      p = scanBinlog(files, [wantedTable(t)], window).then((s) => s.tables[0]);
      scans.set(t, p);
    }
    return p;
  };

  const charsets = await columnCharsets(db, live.tables);
  const wrapped = new Map<TableInfo, SourceTable>();
  const wrap = (t: TableInfo): SourceTable => {
    let s = wrapped.get(t);
    if (!s) wrapped.set(t, (s = binlogTable(t, files, window, scanOf, charsets.get(`${t.schema}\0${t.name}`) ?? new Map<string, ColumnText>())));
    return s;
  };
  return {
    id: BINLOG_SOURCE,
    database: db.target.database,
    about: {
      description: `binary log (${files.length === 1 ? files[0] : `${files.length} files`}, ${describeWindow(window)})`,
      takenAt: null,
      coversUntil: window.until !== undefined ? iso(window.until) : null,
    },
    grows: true,
    async find(names) {
      const tables = names.map((n) => findLiveTable(live, n));
      // Every check over the whole window, for all the tables asked, before anything is staged.
      await scanAll(tables);
      return tables.map(wrap);
    },
    forLive(table) {
      const t = live.tables.find((x) => x.schema === table.schema && x.name === table.name);
      return t ? wrap(t) : null;
    },
  };
}

function describeWindow(w: ScanWindow): string {
  const parts = [
    w.start ? `from ${w.start.file}:${w.start.pos}` : null,
    w.since !== undefined ? `since ${iso(w.since)}` : null,
    w.until !== undefined ? `until ${iso(w.until)}` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'the whole log';
}

/** What decoding needs from a live table; refuses a table without a key (images could not be told apart). */
function wantedTable(t: TableInfo): WantedTable {
  const columns = [...t.columns].sort((a, b) => a.ordinal - b.ordinal);
  const keyNames = t.primaryKey?.columns ?? t.uniqueKeys.find((k) => !k.nullable)?.columns ?? columns.map((c) => c.name);
  return {
    database: t.schema,
    name: t.name,
    columns: columns.map((c) => ({ name: c.name, dataType: c.dataType, generated: c.generated })),
    key: keyNames.map((k) => columns.findIndex((c) => c.name === k)),
  };
}

/** A text column's character set and collation. */
interface ColumnText {
  charset: string;
  collation: string | null;
}

/** Character set and collation per text column of the live tables (binary strings and non-text have none). */
async function columnCharsets(db: Db, tables: TableInfo[]): Promise<Map<string, Map<string, ColumnText>>> {
  const out = new Map<string, Map<string, ColumnText>>();
  const schemas = [...new Set(tables.map((t) => t.schema))];
  if (!schemas.length) return out;
  const rows = await db.query<Record<string, unknown>>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (${schemas.map((_, i) => db.dialect.placeholder(i + 1)).join(', ')}) AND CHARACTER_SET_NAME IS NOT NULL`,
    schemas,
  );
  for (const r of rows) {
    const k = `${String(r.s)}\0${String(r.t)}`;
    if (!out.has(k)) out.set(k, new Map());
    out.get(k)!.set(String(r.c), { charset: String(r.cs), collation: r.co == null ? null : String(r.co) });
  }
  return out;
}

/** The server's character set names as WHATWG decoders know them (MySQL's latin1 is windows-1252). */
const DECODER_LABELS: Record<string, string> = {
  utf8mb4: 'utf-8',
  utf8mb3: 'utf-8',
  utf8: 'utf-8',
  latin1: 'windows-1252',
  ascii: 'windows-1252',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  latin2: 'iso-8859-2',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  latin5: 'windows-1254',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  euckr: 'euc-kr',
  utf16: 'utf-16be',
  ucs2: 'utf-16be',
  utf16le: 'utf-16le',
};

/**
 * Turns a text column's bytes into the JS string the server converts back to the same bytes
 * (the session speaks utf8mb4); bytes a decoder cannot read exactly stay bytes.
 */
function textDecoder(charset: string | undefined): ((b: Buffer) => unknown) | null {
  const label = charset ? DECODER_LABELS[charset.toLowerCase()] : undefined;
  if (!label) return null;
  let dec: TextDecoder;
  try {
    dec = new TextDecoder(label, { fatal: true });
  } catch {
    return null;
  }
  return (b) => {
    try {
      return dec.decode(b);
    } catch {
      return b;
    }
  };
}

function binlogTable(
  t: TableInfo,
  files: string[],
  window: ScanWindow,
  scanOf: (t: TableInfo) => Promise<TableScan>,
  charsets: Map<string, ColumnText>,
): SourceTable {
  const columns = [...t.columns].sort((a, b) => a.ordinal - b.ordinal);
  const decoders = columns.map((c) => textDecoder(charsets.get(c.name)?.charset));
  const kept = columns.map((c, i) => (c.generated ? -1 : i)).filter((i) => i >= 0);
  const key = t.primaryKey?.columns ?? t.uniqueKeys.find((k) => !k.nullable)?.columns ?? null;
  const liveNames = new Set(columns.map((c) => c.name));
  const extra = BINLOG_COLUMNS.filter((c) => !liveNames.has(c.name));
  return {
    schema: t.schema,
    name: t.name,
    live: { schema: t.schema, name: t.name },
    bytes: null,
    async definition(): Promise<TableDefinition> {
      // Runs the checks for a table reached through relations (not asked by name) before its rows.
      await scanOf(t);
      return {
        columns: [
          ...kept.map((i) => {
            const c = columns[i];
            // The live column's character set and collation, so the staged copy holds the same
            // bytes (latin1 stays latin1) and compares with live as live does.
            const text = charsets.get(c.name);
            const spelled =
              text && /^\w+$/.test(text.charset)
                ? ` CHARACTER SET ${text.charset}${text.collation && /^\w+$/.test(text.collation) ? ` COLLATE ${text.collation}` : ''}`
                : '';
            return { name: c.name, type: `${c.dataType}${spelled}`, nullable: c.nullable };
          }),
          ...extra,
        ],
        primaryKey: key,
        uniqueKeys: t.uniqueKeys.map((k) => k.columns),
      };
    },
    async *rows(signal) {
      const scan = await scanOf(t);
      for await (const { image, at } of imagesOf(files, scan, window)) {
        signal?.throwIfAborted();
        const row = kept.map((i) => {
          const v = image[i];
          return Buffer.isBuffer(v) && decoders[i] ? decoders[i](v) : v;
        });
        const meta: Record<string, unknown> = {
          _binlog_at: iso(at.timestamp).replace('T', ' ').replace('Z', ''),
          _binlog_pos: `${at.file}:${at.pos}`,
          _binlog_event: at.kind,
          _binlog_statement: at.statement,
        };
        yield [...row, ...extra.map((c) => meta[c.name])];
      }
    },
  };
}
