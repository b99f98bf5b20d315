import { TextDecoder } from 'node:util';
import type { TableInfo } from '../../dialect/model.js';
import { EventType, queryEvent, readEvents } from '../../nobackup/binlog/events.js';
import { parseRows, parseTableMap, type TableMap } from '../../nobackup/binlog/rows.js';
import { keyColumns } from '../sources/helpers.js';

/**
 * The DELETE row events of one binlog file, decoded only as far as the audit needs: table map →
 * table name; the key columns of each deleted row (the others are skipped, not decoded); the
 * event's time and position; MariaDB's annotate statement. Streamed: one event in memory at a
 * time. A key is never guessed: an event whose table map disagrees with the live definition
 * (columns, or the key's types) or whose key bytes are not text gives the row without its key,
 * with the reason.
 */

/** A live table with a key, as decoding needs it. */
export interface KeyedTable {
  schema: string;
  name: string;
  /** Live columns in table order. */
  columns: { name: string; dataType: string }[];
  /** Positions (0-based) and names of the key columns. */
  key: number[];
  keyNames: string[];
  unsigned: boolean[];
  keyMask: boolean[];
}

/** One item of a file: a deleted row, or a statement that changed or emptied a table. */
export type BinlogItem =
  | {
      kind: 'deletion';
      pos: number;
      /** The row's place inside its event (0-based). */
      rowNo: number;
      timestamp: number;
      schema: string;
      table: string;
      /** Key column → value text, or null (see note). */
      key: Record<string, string> | null;
      note: string | null;
      statement: string | null;
    }
  | { kind: 'change'; pos: number; timestamp: number; schema: string; table: string; sql: string };

/** The tables of the live snapshot that have a key, by `schema\0lowercase name` (as the log names them). */
export function keyedTables(tables: readonly TableInfo[]): Map<string, KeyedTable> {
  const out = new Map<string, KeyedTable>();
  for (const t of tables) {
    const key = keyColumns(t);
    if (!key) continue;
    const columns = [...t.columns].sort((a, b) => a.ordinal - b.ordinal).map((c) => ({ name: c.name, dataType: c.dataType }));
    const positions = key.map((k) => columns.findIndex((c) => c.name === k));
    if (positions.some((p) => p < 0)) continue;
    out.set(`${t.schema}\0${t.name.toLowerCase()}`, {
      schema: t.schema,
      name: t.name,
      columns,
      key: positions,
      keyNames: key,
      unsigned: columns.map((c) => /\bunsigned\b/i.test(c.dataType)),
      keyMask: columns.map((_, i) => positions.includes(i)),
    });
  }
  return out;
}

/** Type codes a live key column's type may be logged as (text, numbers, dates; others give no key). */
const LOGGED: Record<string, number[]> = {
  tinyint: [1],
  smallint: [2],
  mediumint: [9],
  int: [3],
  integer: [3],
  bigint: [8],
  decimal: [246],
  numeric: [246],
  char: [254],
  varchar: [15],
  tinytext: [252],
  text: [252],
  mediumtext: [252],
  longtext: [252],
  date: [10],
  datetime: [18, 12],
  timestamp: [17, 7],
  year: [13],
};

/** Why the table map cannot give this table's keys with the live definition, or null when it can. */
function mapMismatch(m: TableMap, t: KeyedTable): string | null {
  if (m.columns.length !== t.columns.length) return `logged with ${m.columns.length} columns, the live table has ${t.columns.length}`;
  for (const i of t.key) {
    const c = t.columns[i];
    const base = /^[a-z]+/.exec(c.dataType.toLowerCase())?.[0] ?? '';
    const ok = LOGGED[base];
    if (!ok) return `key column ${c.name} (${c.dataType}) is not read as text from the log`;
    if (!ok.includes(m.columns[i].type)) return `key column ${c.name} (${c.dataType} now) was logged as type ${m.columns[i].type}`;
  }
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A decoded key value as text, or null when its bytes are not UTF-8 text. */
function keyText(v: unknown): string | null {
  if (Buffer.isBuffer(v)) {
    try {
      return utf8.decode(v);
    } catch {
      return null;
    }
  }
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;
}

/** A DDL statement's verb, up to its first table name; `list`: more names may follow (DROP, RENAME). */
const DDL: { re: RegExp; list: boolean }[] = [
  { re: /^\s*(?:\/\*.*?\*\/\s*)*ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?TABLE\s+/is, list: false },
  { re: /^\s*(?:\/\*.*?\*\/\s*)*TRUNCATE\s+(?:TABLE\s+)?/is, list: false },
  { re: /^\s*(?:\/\*.*?\*\/\s*)*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?/is, list: false },
  { re: /^\s*(?:\/\*.*?\*\/\s*)*DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?/is, list: true },
  { re: /^\s*(?:\/\*.*?\*\/\s*)*RENAME\s+TABLES?\s+/is, list: true },
];

/** `name`, `db`.`name`, db.name at the start of `text`: [database or null, name, characters used]. */
function tableName(text: string): [string | null, string, number] | null {
  const part = /^\s*(?:`((?:[^`]|``)+)`|([\w$]+))/;
  const a = part.exec(text);
  if (!a) return null;
  const first = a[1] !== undefined ? a[1].replace(/``/g, '`') : a[2];
  const dot = /^\s*\.\s*/.exec(text.slice(a[0].length));
  if (!dot) return [null, first, a[0].length];
  const b = part.exec(text.slice(a[0].length + dot[0].length));
  if (!b) return null;
  return [first, b[1] !== undefined ? b[1].replace(/``/g, '`') : b[2], a[0].length + dot[0].length + b[0].length];
}

/**
 * The wanted tables a DDL statement changes: the table it names after its verb (every name of
 * a DROP or RENAME list), in the statement's default database unless qualified. A table it only
 * mentions (`CREATE TABLE copy LIKE crm.contacts`, a staging copy `crm_rescue_stage_…`.`t`) is
 * not changed.
 */
export function tablesChangedBy(sql: string, defaultDb: string, tables: Map<string, KeyedTable>): KeyedTable[] {
  const verb = DDL.map((d) => ({ d, m: d.re.exec(sql) })).find((x) => x.m);
  if (!verb) return [];
  const out: KeyedTable[] = [];
  let rest = sql.slice(verb.m![0].length);
  for (;;) {
    const n = tableName(rest);
    if (!n) break;
    const t = tables.get(`${n[0] ?? defaultDb}\0${n[1].toLowerCase()}`);
    if (t && !out.includes(t)) out.push(t);
    rest = rest.slice(n[2]);
    const sep = /^\s*(?:,|\bTO\b)\s*/i.exec(rest);
    if (!verb.d.list || !sep) break;
    rest = rest.slice(sep[0].length);
  }
  return out;
}

/**
 * The deleted rows of the wanted tables in one file, in log order, and the statements that
 * changed them. Events before byte `from` are read (table maps) but give nothing: what an
 * earlier read of the file already gave. `onStart` gets the time of the file's first event.
 */
export async function* binlogItems(path: string, tables: Map<string, KeyedTable>, from = 0, onStart?: (timestamp: number) => void): AsyncGenerator<BinlogItem> {
  const maps = new Map<number, TableMap>();
  let statement: string | null = null;
  let first = true;
  for await (const ev of readEvents(path)) {
    if (first) {
      first = false;
      onStart?.(ev.timestamp);
    }
    switch (ev.type) {
      case EventType.TABLE_MAP: {
        const m = parseTableMap(ev.body);
        maps.set(m.id, m);
        continue;
      }
      case EventType.ANNOTATE_ROWS:
        statement = ev.body.toString('utf8');
        continue;
      case EventType.GTID:
      case EventType.XID:
        statement = null;
        continue;
      case EventType.QUERY: {
        if (ev.pos < from) continue;
        const q = queryEvent(ev.body);
        for (const t of tablesChangedBy(q.sql, q.database, tables)) {
          const truncate = DDL[1].re.test(q.sql);
          if (truncate)
            yield {
              kind: 'deletion',
              pos: ev.pos,
              rowNo: 0,
              timestamp: ev.timestamp,
              schema: t.schema,
              table: t.name,
              key: null,
              note: 'TRUNCATE: every row of the table was removed; the log holds neither their keys nor their number',
              statement: q.sql,
            };
          yield { kind: 'change', pos: ev.pos, timestamp: ev.timestamp, schema: t.schema, table: t.name, sql: q.sql };
        }
        continue;
      }
      case EventType.DELETE_ROWS_V1:
      case EventType.DELETE_ROWS_V2:
        break;
      default:
        continue;
    }
    if (ev.pos < from) continue;
    const map = maps.get(ev.body.readUIntLE(0, 6));
    if (!map) continue;
    const t = tables.get(`${map.database}\0${map.table.toLowerCase()}`);
    if (!t) continue;
    const base = { kind: 'deletion' as const, pos: ev.pos, timestamp: ev.timestamp, schema: t.schema, table: t.name, statement };
    const mismatch = mapMismatch(map, t);
    let images: (unknown[] | null)[];
    try {
      // With a mismatch nothing is decoded: the values are only skipped, to count the rows.
      images = parseRows(
        ev.body,
        'delete',
        ev.type === EventType.DELETE_ROWS_V2,
        map,
        mismatch ? map.columns.map(() => false) : t.unsigned,
        mismatch ? map.columns.map(() => false) : t.keyMask,
      ).images;
    } catch (err) {
      yield { ...base, rowNo: 0, key: null, note: `the rows of this event cannot be read (${(err as Error).message}); their number is unknown` };
      continue;
    }
    for (let i = 0; i < images.length; i++) {
      const image = images[i];
      if (mismatch || !image) {
        yield {
          ...base,
          rowNo: i,
          key: null,
          note: `the table's definition in the log differs from the live one (${mismatch ?? 'no image'}): key not decoded`,
        };
        continue;
      }
      const key: Record<string, string> = {};
      let why: string | null = null;
      t.key.forEach((p, k) => {
        const text = keyText(image[p]);
        if (text === null)
          why ??= image[p] === undefined ? `key column ${t.keyNames[k]} is not in the logged image` : `key column ${t.keyNames[k]} is not text`;
        else key[t.keyNames[k]] = text;
      });
      yield { ...base, rowNo: i, key: why ? null : key, note: why };
    }
  }
}
