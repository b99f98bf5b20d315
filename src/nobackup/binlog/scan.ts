import { basename } from 'node:path';
import { UserError } from '../../errors.js';
import { EventType, gtidListCount, queryEvent, readEvents, type BinlogEvent } from './events.js';
import { eachImage, parseRows, parseTableMap, UnsupportedColumn, type RowsEvent, type TableMap } from './rows.js';

/**
 * Finding the row images of chosen tables in binlog files, inside a window. Two passes, so that
 * memory holds no rows: the first (`scanBinlog`) checks everything that would make the images
 * wrong or incomplete and notes which keys have more than one image, and which of those is the
 * newest; the second (`imagesOf`) reads the files again and yields only the newest image per key.
 * Telling which keys repeat takes a fixed-size Bloom filter of the keys seen, plus an exact map
 * of the keys it cannot rule out (the repeated ones, and a few false positives): memory stays
 * flat with the number of rows deleted, where a map of every key grew with it.
 */

/** A table whose images we want: as the log names it, with what decoding needs from the live definition. */
export interface WantedTable {
  database: string;
  name: string;
  /** Live columns in table order (the log has no names): integer signedness, generated or not. */
  columns: { name: string; dataType: string; generated: boolean }[];
  /** Column positions (0-based) of the key that identifies a row. */
  key: number[];
}

/** The window and what counts as an image. */
export interface ScanWindow {
  /** Seconds since the epoch, inclusive. */
  since?: number;
  until?: number;
  /** `file:pos`: events before it are skipped. */
  start?: { file: string; pos: number };
  /** UPDATE before-images count too. */
  updates?: boolean;
}

/** Where an image was found. */
export interface ImageAt {
  file: string;
  pos: number;
  timestamp: number;
  kind: 'delete' | 'update';
  /** The statement (MariaDB annotate event), or null when the log does not have it. */
  statement: string | null;
}

/** What the first pass found for one table. */
export interface TableScan {
  table: WantedTable;
  /**
   * Keys that may have several images (every repeated key; a few others the filter could not rule
   * out): key text → ordinal of its newest image among the table's images (in log order). A key
   * not in it has one image.
   */
  repeated: Map<string, number>;
  /** The keys seen (ruling out most keys seen once). */
  seen: KeyFilter;
  /** Where each file ended when this scan read it (set at its end). */
  ends?: Map<string, number>;
  images: number;
  first: ImageAt | null;
  last: ImageAt | null;
  /** Images logged with another definition than the live table's: the refusal, said after the scan. */
  mismatch?: UserError;
}

/** What the first pass found overall. */
export interface BinlogScan {
  tables: TableScan[];
  /** Time of the first and last event read (seconds), over all files. */
  from: number | null;
  to: number | null;
  serverVersion: string | null;
  /** Where each file ended when the first pass read it (the second reads no further). */
  ends: Map<string, number>;
}

const isRows = (type: number): RowsEvent['kind'] | null => {
  switch (type) {
    case EventType.WRITE_ROWS_V1:
    case EventType.WRITE_ROWS_V2:
      return 'write';
    case EventType.UPDATE_ROWS_V1:
    case EventType.UPDATE_ROWS_V2:
      return 'update';
    case EventType.DELETE_ROWS_V1:
    case EventType.DELETE_ROWS_V2:
      return 'delete';
    default:
      return null;
  }
};

const same = (a: string, b: string) => a === b;

/** `d`.`t` in messages. */
const shown = (t: { database: string; name: string }) => `${t.database}.${t.name}`;

/** Whether `sql` changes the definition of (or empties) table `t`, named with or without its database. */
function altersTable(sql: string, defaultDb: string, t: WantedTable): boolean {
  const name = '(?:`((?:[^`]|``)+)`|([\\w$]+))';
  const re = new RegExp(
    `^\\s*(?:/\\*.*?\\*/\\s*)*(?:ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE|DROP\\s+(?:TEMPORARY\\s+)?TABLE(?:\\s+IF\\s+EXISTS)?|RENAME\\s+TABLE|TRUNCATE(?:\\s+TABLE)?|CREATE\\s+(?:OR\\s+REPLACE\\s+)?TABLE(?:\\s+IF\\s+NOT\\s+EXISTS)?)\\s+(?:${name}\\s*\\.\\s*)?${name}`,
    'is',
  );
  const m = re.exec(sql);
  if (!m) return false;
  const unq = (q?: string, p?: string) => (q !== undefined ? q.replace(/``/g, '`') : p);
  const db = unq(m[1], m[2]) ?? defaultDb;
  const table = unq(m[3], m[4]);
  return same(db, t.database) && table !== undefined && table.toLowerCase() === t.name.toLowerCase();
}

/** Whether `sql` is a DELETE or UPDATE statement naming table `t` (statement-format logging). */
function statementOn(sql: string, t: WantedTable): boolean {
  if (!/^\s*(?:\/\*.*?\*\/\s*)*(DELETE|UPDATE)\b/is.test(sql)) return false;
  return new RegExp(`[\\s.\`]${t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\`,;]|[\\s.\`]${t.name}$`, 'i').test(sql);
}

/** The key text of an image: bytes as latin1 (one char per byte, so distinct bytes stay distinct). */
const keyPart = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v);
const keyOf = (image: unknown[], key: number[]): string => {
  if (key.length === 1) {
    const v = image[key[0]];
    if (typeof v === 'string') return v;
    if (Buffer.isBuffer(v)) return v.toString('latin1');
  }
  return JSON.stringify(key.map((k) => keyPart(image[k])));
};

/**
 * A fixed-size Bloom filter of key texts (2^26 bits, 8 MB; 3 probes): `add` says whether the key
 * may have been added before. False positives only cost an entry in the exact map: at a million
 * keys about 1 in 10,000, at ten million about 1 in 20.
 */
export class KeyFilter {
  private readonly bits = new Uint32Array(1 << 21);
  add(key: string): boolean {
    // Two 32-bit FNV-1a style hashes of the key (different seeds and primes), combined for the probes.
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 ^= h2 >>> 15;
    let seen = true;
    for (let p = 0; p < 3; p++) {
      const bit = (h1 + Math.imul(p, h2)) >>> 6; // 26 bits
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if (!(this.bits[word] & mask)) {
        seen = false;
        this.bits[word] |= mask;
      }
    }
    return seen;
  }
}

/**
 * The events of the files in order, each with the table map its rows event refers to and the
 * statement of the last annotate event. `files` are read in the order given.
 */
async function* walk(
  files: string[],
  window: ScanWindow,
  onFile?: (path: string, firstTimestamp: number, before: number, version: string) => void,
  /**
   * First pass: records where each file ended. Second pass: reads each file only that far (events
   * appended since were not checked) and skips the checksums the first pass verified.
   */
  ends?: { record?: Map<string, number>; upTo?: Map<string, number> },
): AsyncGenerator<{ ev: BinlogEvent; map: TableMap | null; statement: string | null }> {
  const started = !window.start;
  let inWindow = started;
  for (const path of files) {
    let version = '';
    const maps = new Map<number, TableMap>();
    let statement: string | null = null;
    const upTo = ends?.upTo?.get(path);
    const events = readEvents(path, (f) => (version = f.serverVersion), {
      verify: upTo === undefined,
      end: upTo,
      onEnd: (pos) => ends?.record?.set(path, pos),
    });
    for await (const ev of events) {
      if (ev.type === EventType.GTID_LIST) onFile?.(path, ev.timestamp, gtidListCount(ev.body), version);
      if (!inWindow && window.start && basename(path) === window.start.file && ev.pos >= window.start.pos) inWindow = true;
      if (!inWindow) continue;
      // Not the end: a transaction logged later may carry an earlier start time.
      if (window.until !== undefined && ev.timestamp > window.until) continue;
      switch (ev.type) {
        case EventType.TABLE_MAP: {
          const m = parseTableMap(ev.body);
          maps.set(m.id, m);
          break;
        }
        case EventType.ANNOTATE_ROWS:
          statement = ev.body.toString('utf8');
          break;
        case EventType.GTID:
        case EventType.XID:
          statement = null;
          break;
      }
      const rowsKind = isRows(ev.type);
      yield { ev, map: rowsKind ? (maps.get(ev.body.readUIntLE(0, 6)) ?? null) : null, statement };
    }
  }
}

/** Type codes a live column's type may be logged as. */
function loggedAs(dataType: string): number[] | null {
  const t = dataType.toLowerCase();
  const base = /^[a-z]+/.exec(t)?.[0] ?? '';
  const map: Record<string, number[]> = {
    tinyint: [1],
    bool: [1],
    boolean: [1],
    smallint: [2],
    mediumint: [9],
    int: [3],
    integer: [3],
    bigint: [8],
    float: [4],
    double: [5],
    real: [5],
    decimal: [246],
    numeric: [246],
    bit: [16],
    enum: [247],
    set: [248],
    char: [254],
    binary: [254],
    varchar: [15],
    varbinary: [15],
    tinytext: [252],
    text: [252],
    mediumtext: [252],
    longtext: [252],
    tinyblob: [252],
    blob: [252],
    mediumblob: [252],
    longblob: [252],
    json: [252, 245],
    date: [10],
    time: [19, 11],
    datetime: [18, 12],
    timestamp: [17, 7],
    year: [13],
  };
  return map[base] ?? null;
}

/** Checks a table map against the live definition: the columns must be the same, in order, of the same kinds. */
function checkMap(m: TableMap, t: WantedTable, at: string): void {
  const why =
    m.columns.length !== t.columns.length
      ? `the log's rows have ${m.columns.length} columns, the live table ${t.columns.length}`
      : m.columns
          .map((c, i) => {
            const ok = loggedAs(t.columns[i].dataType);
            return ok && !ok.includes(c.type) ? `column ${i + 1} (${t.columns[i].name}, ${t.columns[i].dataType} now) was logged as type ${c.type}` : null;
          })
          .find((x) => x !== null);
  if (why)
    throw new UserError(
      `${shown(t)}'s definition in the binary log (at ${at}) differs from the live table's: ${why}; its rows cannot be decoded without guessing`,
      'choose a window after the change (--binlog-start / --since), or recover from a backup of that time',
    );
}

/** First pass: checks, and the newest image per key of each wanted table. */
export async function scanBinlog(files: string[], tables: WantedTable[], window: ScanWindow): Promise<BinlogScan> {
  const scans = tables.map((table): TableScan => ({ table, repeated: new Map(), seen: new KeyFilter(), images: 0, first: null, last: null }));
  const byName = new Map(scans.map((s) => [`${s.table.database}\0${s.table.name.toLowerCase()}`, s]));
  let from: number | null = null;
  let to: number | null = null;
  let serverVersion: string | null = null;
  let fileIndex = 0;
  const onFile = (path: string, ts: number, before: number, version: string) => {
    serverVersion ??= version;
    // The window starts before the first file read, and the server logged things before that file:
    // those were in files purged since (or not given).
    if (fileIndex++ === 0 && window.since !== undefined && !window.start && window.since < ts && before > 0)
      throw new UserError(
        `The window starts at ${iso(window.since)}, before the oldest binary log file read (${basename(path)}, from ${iso(ts)}): the files before it were purged or not given, so deletions in between cannot be recovered`,
        'start the window later (--since), or give the older files (--binlog-file) if they were kept (crm-rescue protect copies them)',
      );
  };
  // Table maps already checked against the live definition (a map is followed by its rows events).
  const checked = new WeakSet<TableMap>();
  const ends = new Map<string, number>();
  for await (const { ev, map, statement } of walk(files, window, onFile, { record: ends })) {
    if (window.since !== undefined && ev.timestamp < window.since) continue;
    from ??= ev.timestamp;
    to = ev.timestamp;
    const at = `${ev.file}:${ev.pos}`;
    if (ev.type === EventType.QUERY) {
      const q = queryEvent(ev.body);
      for (const s of scans) {
        // A change before any image of the table in the window is fine (the images after it
        // are checked against the live definition); images before a change cannot be decoded.
        if (altersTable(q.sql, q.database, s.table) && s.images > 0)
          throw new UserError(
            `${shown(s.table)} was changed inside the window (at ${at}, ${iso(ev.timestamp)}: ${oneLine(q.sql)}): its rows logged before the change cannot be decoded with today's definition`,
            'choose a window on one side of the change (--since/--until or --binlog-start)',
          );
        if ((q.database === s.table.database || q.sql.includes(s.table.database)) && statementOn(q.sql, s.table))
          throw new UserError(
            `The binary log holds a statement on ${shown(s.table)} at ${at} (${oneLine(q.sql)}), not row images: it was logged in STATEMENT or MIXED format, so the deleted rows' values are not in the log`,
            'only binlog_format=ROW logs the rows; recover from a backup, or from dead tuples/other sources',
          );
      }
      continue;
    }
    if (ev.type >= EventType.FIRST_COMPRESSED_ROWS && ev.type <= EventType.LAST_COMPRESSED_ROWS)
      throw new UserError(`The binary log holds compressed row events (log_bin_compress=ON) at ${at}, which crm-rescue does not read yet`);
    const kind = isRows(ev.type);
    if (!kind || !map) continue;
    const s = byName.get(`${map.database}\0${map.table.toLowerCase()}`);
    if (!s) continue;
    if (kind === 'write' || (kind === 'update' && !window.updates)) continue;
    if (!s.mismatch && !checked.has(map)) {
      checked.add(map);
      try {
        checkMap(map, s.table, at);
      } catch (err) {
        // Said at the end, unless a change of the table later in the window explains it better.
        s.mismatch = err as UserError;
      }
    }
    if (s.mismatch) {
      s.images++;
      continue;
    }
    const key = s.table.key;
    let complete: boolean;
    // Keys only, one shared array: this pass keeps no row.
    let nth = 0;
    const step = kind === 'update' ? 2 : 1;
    try {
      complete = eachImage(ev.body, kind, ev.type >= EventType.WRITE_ROWS_V2, map, unsignedOf(s.table), keyOnly(s.table), true, (image) => {
        if (nth++ % step !== 0) return;
        const k = keyOf(image, key);
        if (s.seen.add(k)) s.repeated.set(k, s.images);
        s.images++;
      });
    } catch (err) {
      if (err instanceof UnsupportedColumn) throw new UserError(`${shown(s.table)}: ${err.message} (at ${at})`);
      throw new UserError(
        `The rows event of ${shown(s.table)} at ${at} cannot be decoded (${(err as Error).message}): the file is damaged or the table differs from the log`,
      );
    }
    if (!complete)
      throw new UserError(
        `The binary log's images of ${shown(s.table)} are incomplete (at ${at}): it was written with binlog_row_image=MINIMAL or NOBLOB, so deleted rows lack columns`,
        'only binlog_row_image=FULL keeps whole rows; recover from a backup',
      );
    const here: ImageAt = { file: ev.file, pos: ev.pos, timestamp: ev.timestamp, kind, statement };
    s.first ??= here;
    s.last = here;
  }
  const mismatch = scans.find((s) => s.mismatch)?.mismatch;
  if (mismatch) throw mismatch;
  for (const s of scans) s.ends = ends;
  return { tables: scans, from, to, serverVersion, ends };
}

const unsignedCache = new WeakMap<WantedTable, boolean[]>();
const unsignedOf = (t: WantedTable) => {
  let u = unsignedCache.get(t);
  if (!u) unsignedCache.set(t, (u = t.columns.map((c) => /\bunsigned\b/i.test(c.dataType))));
  return u;
};
const keyCache = new WeakMap<WantedTable, boolean[]>();
const keyOnly = (t: WantedTable) => {
  let k = keyCache.get(t);
  if (!k) keyCache.set(t, (k = t.columns.map((_, i) => t.key.includes(i))));
  return k;
};

/** Second pass: the newest image per key of one table, in log order, with where it was found. */
export async function* imagesOf(files: string[], scan: TableScan, window: ScanWindow): AsyncGenerator<{ image: unknown[]; at: ImageAt }> {
  const t = scan.table;
  let ordinal = 0;
  // Usually every key has one image: then all are wanted, no key needs computing.
  const repeated = scan.repeated.size ? scan.repeated : null;
  for await (const { ev, map, statement } of walk(files, window, undefined, { upTo: scan.ends })) {
    if (window.since !== undefined && ev.timestamp < window.since) continue;
    const kind = isRows(ev.type);
    if (!kind || kind === 'write' || !map || (kind === 'update' && !window.updates)) continue;
    if (map.database !== t.database || map.table.toLowerCase() !== t.name.toLowerCase()) continue;
    const rows = parseRows(ev.body, kind, ev.type >= EventType.WRITE_ROWS_V2, map, unsignedOf(t));
    const step = kind === 'update' ? 2 : 1;
    for (let i = 0; i < rows.images.length; i += step, ordinal++) {
      const newest = repeated?.get(keyOf(rows.images[i]!, t.key));
      if (newest === undefined || newest === ordinal)
        yield { image: rows.images[i]!, at: { file: ev.file, pos: ev.pos, timestamp: ev.timestamp, kind, statement } };
    }
  }
}

export const iso = (secs: number) => new Date(secs * 1000).toISOString().replace('.000Z', 'Z');
const oneLine = (s: string) => {
  const x = s.replace(/\s+/g, ' ').trim();
  return x.length > 120 ? `${x.slice(0, 117)}...` : x;
};
