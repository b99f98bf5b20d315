import { packedInt, tableId } from './events.js';

/**
 * Decoding TABLE_MAP and rows events into exact values. What a row image holds per column type,
 * and what we give the stager for it (values it INSERTs through placeholders on a +00:00 session):
 * - integers: a decimal string (BIGINT UNSIGNED max included; signedness comes from the live
 *   column, the image has none);
 * - DECIMAL: its exact decimal string; FLOAT: the float32 as a JS number (which converts back to
 *   the same float32); DOUBLE: the JS number (exact);
 * - BIT, and every string type (CHAR, VARCHAR, TEXT, BLOB, BINARY, MariaDB's JSON as LONGTEXT):
 *   the raw bytes as a Buffer, which the server stores unconverted into a column of any
 *   character set, so latin1 and utf8mb4 text and 0x00 bytes come back exactly;
 * - ENUM, SET: the index / bitmask as a number (the server maps it to the label(s) again);
 * - DATE, TIME, DATETIME: the server's text, zero dates included; TIMESTAMP: its UTC text (the
 *   image holds seconds since the epoch, the session is +00:00), `0000-00-00 00:00:00` for zero.
 */

/** Column type codes in TABLE_MAP events. */
export const ColumnType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

/** A table as one TABLE_MAP event describes it: types and metadata per column, no names. */
export interface TableMap {
  id: number;
  database: string;
  table: string;
  /** Per column: the type code (for STRING the real type: ENUM, SET or STRING) and its metadata. */
  columns: { type: number; meta: number }[];
}

export function parseTableMap(body: Buffer): TableMap {
  const id = tableId(body);
  let off = 8;
  const dbLen = body[off];
  const database = body.subarray(off + 1, off + 1 + dbLen).toString('utf8');
  off += 1 + dbLen + 1;
  const tLen = body[off];
  const table = body.subarray(off + 1, off + 1 + tLen).toString('utf8');
  off += 1 + tLen + 1;
  const [n, a] = packedInt(body, off);
  off += a;
  const types = [...body.subarray(off, off + n)];
  off += n;
  const [, b] = packedInt(body, off);
  off += b;
  const columns = types.map((type) => {
    let meta = 0;
    switch (type) {
      case ColumnType.FLOAT:
      case ColumnType.DOUBLE:
      case ColumnType.BLOB:
      case ColumnType.GEOMETRY:
      case ColumnType.JSON:
      case ColumnType.TIMESTAMP2:
      case ColumnType.DATETIME2:
      case ColumnType.TIME2:
        meta = body[off++]!;
        break;
      case ColumnType.VARCHAR:
      case ColumnType.VAR_STRING:
        meta = body.readUInt16LE(off);
        off += 2;
        break;
      case ColumnType.BIT:
        // bits beyond whole bytes, then whole bytes
        meta = body[off] | (body[off + 1] << 8);
        off += 2;
        break;
      case ColumnType.NEWDECIMAL:
        // precision, then scale
        meta = (body[off] << 8) | body[off + 1];
        off += 2;
        break;
      case ColumnType.STRING:
      case ColumnType.ENUM:
      case ColumnType.SET:
        // real type, then length (big-endian pair)
        meta = (body[off] << 8) | body[off + 1];
        off += 2;
        break;
    }
    if (type === ColumnType.STRING || type === ColumnType.ENUM || type === ColumnType.SET) {
      // CHAR longer than 255 bytes folds two length bits into the real-type byte.
      let real = meta >> 8;
      let len = meta & 0xff;
      if ((real & 0x30) !== 0x30) {
        len |= ((real & 0x30) ^ 0x30) << 4;
        real |= 0x30;
      }
      return { type: real, meta: len };
    }
    return { type, meta };
  });
  return { id, database, table, columns };
}

/** A rows event: which table, which kind, and its row images (before-images for UPDATE first). */
export interface RowsEvent {
  tableId: number;
  kind: 'write' | 'update' | 'delete';
  /** Whether every column of the table is in the image (FULL row image). */
  complete: boolean;
  /** The images: for DELETE and WRITE one per row; for UPDATE [before, after] pairs flattened. */
  images: (unknown[] | null)[];
}

/** A type code the decoder does not read (MySQL's binary JSON, GEOMETRY): refused by name. */
export class UnsupportedColumn extends Error {}

/**
 * Strings and BIT values are views into `body` (no copy): the caller keeps the body, not a buffer
 * that is reused. Decodes a rows event (v1, or v2 with `v2`) against its table map. `unsigned[i]` tells an
 * integer column's signedness (from the live definition).
 */
export function parseRows(
  body: Buffer,
  kind: RowsEvent['kind'],
  v2: boolean,
  map: TableMap,
  unsigned: boolean[],
  /** Decode only these columns (the others are skipped, left undefined): the key, in a first pass. */
  only?: boolean[],
): RowsEvent {
  const images: (unknown[] | null)[] = [];
  const complete = eachImage(body, kind, v2, map, unsigned, only, false, (row) => images.push(row));
  return { tableId: tableId(body), kind, complete, images };
}

/**
 * Calls `fn` with each image of a rows event, in order (UPDATE: before, after, before, …); returns
 * whether the images are complete (every column present). With `reuse`, every call gets the same
 * array, overwritten by the next image: for a caller that reads it at once (a first pass taking
 * keys), no array per row.
 */
export function eachImage(
  body: Buffer,
  kind: RowsEvent['kind'],
  v2: boolean,
  map: TableMap,
  unsigned: boolean[],
  only: boolean[] | undefined,
  reuse: boolean,
  fn: (row: unknown[]) => void,
): boolean {
  let off = 8;
  if (v2) off += body.readUInt16LE(off);
  const [n, a] = packedInt(body, off);
  off += a;
  const bitmapLen = (n + 7) >> 3;
  const present = body.subarray(off, off + bitmapLen);
  off += bitmapLen;
  let presentAfter = present;
  if (kind === 'update') {
    presentAfter = body.subarray(off, off + bitmapLen);
    off += bitmapLen;
  }
  const isSet = (bm: Buffer, i: number) => (bm[i >> 3] & (1 << (i & 7))) !== 0;
  let complete = n === map.columns.length;
  for (let i = 0; i < n && complete; i++) if (!isSet(present, i)) complete = false;
  const present_ = (bm: Buffer) => {
    const cols: number[] = [];
    for (let i = 0; i < n; i++) if (isSet(bm, i)) cols.push(i);
    return cols;
  };
  const colsBefore = present_(present);
  const colsAfter = kind === 'update' ? present_(presentAfter) : colsBefore;
  const width = map.columns.length;
  const shared: unknown[] | null = reuse ? new Array<unknown>(width) : null;
  const readImage = (cols: number[]): unknown[] => {
    const nullBytes = (cols.length + 7) >> 3;
    const nullsAt = off;
    off += nullBytes;
    const row = shared ?? new Array<unknown>(width);
    if (shared || cols.length !== width) row.fill(undefined);
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k];
      if (body[nullsAt + (k >> 3)] & (1 << (k & 7))) {
        row[c] = null;
        continue;
      }
      const col = map.columns[c];
      if (only && !only[c]) {
        off += valueSize(body, off, col);
        continue;
      }
      const [v, used] = decodeValue(body, off, col, unsigned[c] ?? false);
      row[c] = v;
      off += used;
    }
    return row;
  };
  while (off < body.length) {
    fn(readImage(colsBefore));
    if (kind === 'update') fn(readImage(colsAfter));
  }
  return complete;
}

const FIXED: Partial<Record<number, number>> = {
  [ColumnType.TINY]: 1,
  [ColumnType.SHORT]: 2,
  [ColumnType.INT24]: 3,
  [ColumnType.LONG]: 4,
  [ColumnType.LONGLONG]: 8,
  [ColumnType.YEAR]: 1,
  [ColumnType.FLOAT]: 4,
  [ColumnType.DOUBLE]: 8,
  [ColumnType.DATE]: 3,
  [ColumnType.TIMESTAMP]: 4,
  [ColumnType.DATETIME]: 8,
  [ColumnType.TIME]: 3,
};
const FRACTION_BYTES = [0, 1, 1, 2, 2, 3, 3];

/** The bytes a value takes, without decoding it (what a first pass skips). */
function valueSize(b: Buffer, off: number, col: { type: number; meta: number }): number {
  const { type, meta } = col;
  const fixed = FIXED[type];
  if (fixed !== undefined) return fixed;
  switch (type) {
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.STRING:
      return meta > 255 ? 2 + b.readUInt16LE(off) : 1 + b[off];
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
      return meta + b.readUIntLE(off, meta);
    case ColumnType.TIME2:
      return 3 + (FRACTION_BYTES[meta] ?? 0);
    case ColumnType.DATETIME2:
      return 5 + (FRACTION_BYTES[meta] ?? 0);
    case ColumnType.TIMESTAMP2:
      return 4 + (FRACTION_BYTES[meta] ?? 0);
    case ColumnType.NEWDECIMAL:
      return decimalSize(meta >> 8, meta & 0xff);
    case ColumnType.BIT:
      return (meta >> 8) + ((meta & 0xff) > 0 ? 1 : 0);
    case ColumnType.ENUM:
    case ColumnType.SET:
      return meta;
    default:
      return decodeValue(b, off, col, false)[1];
  }
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** Fractional seconds stored after TIME2/DATETIME2/TIMESTAMP2: [microseconds, bytes]. */
function fraction(b: Buffer, off: number, fsp: number): [number, number] {
  switch (fsp) {
    case 1:
    case 2:
      return [b[off] * 10000, 1];
    case 3:
    case 4:
      return [b.readUInt16BE(off) * 100, 2];
    case 5:
    case 6:
      return [b.readUIntBE(off, 3), 3];
    default:
      return [0, 0];
  }
}

const micros = (us: number, fsp: number) => (fsp > 0 ? `.${pad(us, 6).slice(0, fsp)}` : '');

/** One column's value at `off`: [value, bytes used]. */
function decodeValue(b: Buffer, off: number, col: { type: number; meta: number }, unsigned: boolean): [unknown, number] {
  const { type, meta } = col;
  switch (type) {
    case ColumnType.TINY:
      return [String(unsigned ? b.readUInt8(off) : b.readInt8(off)), 1];
    case ColumnType.SHORT:
      return [String(unsigned ? b.readUInt16LE(off) : b.readInt16LE(off)), 2];
    case ColumnType.INT24:
      return [String(unsigned ? b.readUIntLE(off, 3) : b.readIntLE(off, 3)), 3];
    case ColumnType.LONG:
      return [String(unsigned ? b.readUInt32LE(off) : b.readInt32LE(off)), 4];
    case ColumnType.LONGLONG:
      return [String(unsigned ? b.readBigUInt64LE(off) : b.readBigInt64LE(off)), 8];
    case ColumnType.YEAR: {
      const y = b[off];
      return [y === 0 ? '0000' : String(1900 + y), 1];
    }
    case ColumnType.FLOAT:
      return [b.readFloatLE(off), 4];
    case ColumnType.DOUBLE:
      return [b.readDoubleLE(off), 8];
    case ColumnType.NEWDECIMAL:
      return decimal(b, off, meta >> 8, meta & 0xff);
    case ColumnType.BIT: {
      const len = (meta >> 8) + ((meta & 0xff) > 0 ? 1 : 0);
      return [b.subarray(off, off + len), len];
    }
    case ColumnType.ENUM:
      return meta === 1 ? [b[off], 1] : [b.readUInt16LE(off), 2];
    case ColumnType.SET: {
      let v = 0n;
      for (let i = meta - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]);
      return [v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v), meta];
    }
    case ColumnType.STRING: {
      const lenBytes = meta > 255 ? 2 : 1;
      const len = lenBytes === 1 ? b[off] : b.readUInt16LE(off);
      return [b.subarray(off + lenBytes, off + lenBytes + len), lenBytes + len];
    }
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING: {
      const lenBytes = meta > 255 ? 2 : 1;
      const len = lenBytes === 1 ? b[off] : b.readUInt16LE(off);
      return [b.subarray(off + lenBytes, off + lenBytes + len), lenBytes + len];
    }
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB: {
      const len = b.readUIntLE(off, meta);
      return [b.subarray(off + meta, off + meta + len), meta + len];
    }
    case ColumnType.DATE: {
      const v = b.readUIntLE(off, 3);
      return [`${pad(v >> 9, 4)}-${pad((v >> 5) & 15, 2)}-${pad(v & 31, 2)}`, 3];
    }
    case ColumnType.TIME2:
      return time2(b, off, meta);
    case ColumnType.DATETIME2: {
      // 40 bits big-endian, offset by 2^39: year*13+month (17 bits up), day, hour, minute, second.
      const v = b.readUIntBE(off, 5) - 0x8000000000;
      const ymd = Math.floor(v / 0x20000);
      const hms = v % 0x20000;
      const ym = ymd >> 5;
      const [us, fb] = fraction(b, off + 5, meta);
      const text = `${pad(Math.floor(ym / 13), 4)}-${pad(ym % 13, 2)}-${pad(ymd & 31, 2)} ${pad(hms >> 12, 2)}:${pad((hms >> 6) & 63, 2)}:${pad(hms & 63, 2)}`;
      return [text + micros(us, meta), 5 + fb];
    }
    case ColumnType.TIMESTAMP2: {
      const secs = b.readUInt32BE(off);
      const [us, fb] = fraction(b, off + 4, meta);
      if (secs === 0 && us === 0) return [`0000-00-00 00:00:00${micros(0, meta)}`, 4 + fb];
      const iso = new Date(secs * 1000).toISOString(); // 2000-06-15T12:00:00.000Z
      return [`${iso.slice(0, 10)} ${iso.slice(11, 19)}${micros(us, meta)}`, 4 + fb];
    }
    case ColumnType.TIMESTAMP: {
      const secs = b.readUInt32LE(off);
      if (secs === 0) return ['0000-00-00 00:00:00', 4];
      const iso = new Date(secs * 1000).toISOString();
      return [`${iso.slice(0, 10)} ${iso.slice(11, 19)}`, 4];
    }
    case ColumnType.DATETIME: {
      // The old format: YYYYMMDDhhmmss as an integer.
      const v = b.readBigUInt64LE(off);
      const s = pad(v, 14);
      return [`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`, 8];
    }
    case ColumnType.TIME: {
      const v = b.readIntLE(off, 3);
      const a = Math.abs(v);
      return [`${v < 0 ? '-' : ''}${pad(Math.floor(a / 10000), 2)}:${pad(Math.floor(a / 100) % 100, 2)}:${pad(a % 100, 2)}`, 3];
    }
    default:
      throw new UnsupportedColumn(`column type ${type}${type === ColumnType.JSON ? ' (MySQL binary JSON)' : ''} is not decoded`);
  }
}

/** TIME2: 24 bits (sign, hours, minutes, seconds) + fraction, all offset so that order is bytewise. */
function time2(b: Buffer, off: number, fsp: number): [string, number] {
  // As MySQL's my_time_packed_from_binary: a signed "packed" value (hms << 24 | microseconds).
  let packed: bigint;
  let used: number;
  if (fsp >= 5) {
    packed = BigInt(b.readUIntBE(off, 6)) - 0x800000000000n;
    used = 6;
  } else {
    let intPart = b.readUIntBE(off, 3) - 0x800000;
    let frac = 0;
    if (fsp === 1 || fsp === 2) {
      frac = b.readUInt8(off + 3);
      if (intPart < 0 && frac) {
        intPart++;
        frac -= 0x100;
      }
      frac *= 10000;
      used = 4;
    } else if (fsp === 3 || fsp === 4) {
      frac = b.readUInt16BE(off + 3);
      if (intPart < 0 && frac) {
        intPart++;
        frac -= 0x10000;
      }
      frac *= 100;
      used = 5;
    } else used = 3;
    packed = (BigInt(intPart) << 24n) + BigInt(frac);
  }
  const neg = packed < 0n;
  const a = neg ? -packed : packed;
  const hms = Number(a >> 24n);
  const us = Number(a % (1n << 24n));
  const text = `${neg ? '-' : ''}${pad((hms >> 12) % 1024, 2)}:${pad((hms >> 6) % 64, 2)}:${pad(hms % 64, 2)}${micros(us, fsp)}`;
  return [text, used];
}

const DIG_PER_DEC = 9;
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** DECIMAL in MySQL's binary format (groups of 9 digits in 4 bytes, sign in the top bit, negatives inverted). */
function decimalSize(precision: number, scale: number): number {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / DIG_PER_DEC);
  const frac0 = Math.floor(scale / DIG_PER_DEC);
  return intg0 * 4 + DIG2BYTES[intg - intg0 * DIG_PER_DEC] + frac0 * 4 + DIG2BYTES[scale - frac0 * DIG_PER_DEC];
}

function decimal(b: Buffer, off: number, precision: number, scale: number): [string, number] {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / DIG_PER_DEC);
  const frac0 = Math.floor(scale / DIG_PER_DEC);
  const intg0x = intg - intg0 * DIG_PER_DEC;
  const frac0x = scale - frac0 * DIG_PER_DEC;
  const size = decimalSize(precision, scale);
  const d = Buffer.from(b.subarray(off, off + size));
  const negative = (d[0] & 0x80) === 0;
  d[0] ^= 0x80;
  if (negative) for (let i = 0; i < d.length; i++) d[i] = ~d[i] & 0xff;
  let p = 0;
  const read = (bytes: number) => {
    const v = bytes ? d.readUIntBE(p, bytes) : 0;
    p += bytes;
    return v;
  };
  let intText = '';
  if (intg0x) intText += String(read(DIG2BYTES[intg0x]));
  for (let i = 0; i < intg0; i++) intText += pad(read(4), 9);
  intText = intText.replace(/^0+/, '') || '0';
  let fracText = '';
  for (let i = 0; i < frac0; i++) fracText += pad(read(4), 9);
  if (frac0x) fracText += pad(read(DIG2BYTES[frac0x]), frac0x);
  const text = `${intText}${scale ? `.${fracText}` : ''}`;
  return [negative && /[1-9]/.test(text) ? `-${text}` : text, size];
}
