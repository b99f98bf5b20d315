/**
 * Decoding PostgreSQL's on-disk column bytes (as pageinspect's tuple_data_split gives them) into
 * the type's text form, which the server parses back into the same value when staging inserts it.
 * Only types whose storage format is fixed and documented in the server's headers are decoded;
 * any other type is refused by name (`decoderFor` returns null), never guessed.
 */

/** A column's decoder: bytes → text form, or a TOAST pointer the caller must resolve first. */
export type Decoder = (bytes: Buffer) => string;

/** An out-of-line value: its chunks are in the TOAST table under `valueId`. */
export interface ToastPointer {
  valueId: number;
  toastRelId: number;
  /** Bytes once reassembled (compressed size when compressed). */
  extSize: number;
  rawSize: number;
  /** 0 pglz, 1 lz4, or null when stored uncompressed. */
  method: number | null;
}

/** Thrown for bytes that cannot be decoded (a corrupt page, an unsupported compression). */
export class DecodeError extends Error {}

const VARTAG_ONDISK = 18;

/** The varlena at the start of `b`: its payload, or a TOAST pointer. Inline compressed values are decompressed. */
export function varlena(b: Buffer): Buffer | ToastPointer {
  const b0 = b[0];
  if (b0 === 0x01) {
    const tag = b[1];
    if (tag !== VARTAG_ONDISK) throw new DecodeError(`TOAST pointer of kind ${tag} (only on-disk pointers are stored in tables)`);
    const rawSize = b.readInt32LE(2);
    const extInfo = b.readUInt32LE(6);
    const extSize = extInfo & 0x3fffffff;
    const compressed = extSize < rawSize - 4;
    return { rawSize, extSize, method: compressed ? extInfo >>> 30 : null, valueId: b.readUInt32LE(10), toastRelId: b.readUInt32LE(14) };
  }
  if ((b0 & 0x01) === 1) return b.subarray(1, (b0 >> 1) & 0x7f);
  const size = b.readUInt32LE(0) >>> 2;
  if ((b0 & 0x03) === 0) return b.subarray(4, size);
  // Compressed inline: 4-byte header, then raw size (30 bits) and method (2 bits), then the data.
  const tcinfo = b.readUInt32LE(4);
  return decompress(b.subarray(8, size), tcinfo & 0x3fffffff, tcinfo >>> 30);
}

/** How one attribute is laid out in a tuple: `pg_attribute.attlen` (-1 varlena, -2 C string) and its alignment in bytes. */
export interface AttLayout {
  len: number;
  align: number;
}

/** `pg_attribute.attalign` as bytes. */
export const ALIGN_BYTES: Record<string, number> = { c: 1, s: 2, i: 4, d: 8 };

/**
 * Splits a heap tuple's data (heap_page_items' `t_data`, which starts at `t_hoff`, a multiple of
 * 8, so offsets align as in the page) into its first `natts` attributes, as the server's
 * heap_deform_tuple (and pageinspect's tuple_data_split) walk it: a null bit skips the attribute;
 * a fixed-length one is aligned first; a varlena is aligned only when the byte at the offset is
 * padding (zero: a 1-byte-header varlena is never aligned); its length comes from its header.
 * `bits` is heap_page_items' `t_bits` ('1' = not null), null when the tuple has no null. Fills
 * `at` with each attribute's start and length (start -1: null), so that only the attributes
 * wanted are cut out. Done here rather than by tuple_data_split on the server: that returns a
 * bytea[] per tuple, whose text form costs more to parse than the whole split.
 */
export function splitTuple(data: Buffer, bits: string | null, natts: number, layout: AttLayout[], at: Int32Array): void {
  if (natts > layout.length) throw new DecodeError(`the tuple has ${natts} attributes, the table ${layout.length}`);
  let off = 0;
  for (let i = 0; i < natts; i++) {
    if (bits !== null && bits.charCodeAt(i) !== 49) {
      at[2 * i] = -1;
      continue;
    }
    const a = layout[i];
    if (a.len !== -1 || data[off] === 0) off = Math.ceil(off / a.align) * a.align;
    let len: number;
    if (a.len > 0) len = a.len;
    else if (a.len === -1) len = varsizeAny(data, off);
    else {
      const z = data.indexOf(0, off);
      if (z < 0) throw new DecodeError('a C string runs past the tuple');
      len = z - off + 1;
    }
    if (off + len > data.length || len <= 0) throw new DecodeError('an attribute runs past the tuple (a damaged page?)');
    at[2 * i] = off;
    at[2 * i + 1] = len;
    off += len;
  }
}

/** VARSIZE_ANY: the whole size of the varlena at `off`, header included. */
function varsizeAny(b: Buffer, off: number): number {
  if (off >= b.length) throw new DecodeError('an attribute runs past the tuple (a damaged page?)');
  const b0 = b[off];
  if (b0 === 0x01) {
    // A TOAST pointer: 2 header bytes and the pointer (on disk always an on-disk one, 16 bytes).
    const tag = b[off + 1];
    const size = tag === VARTAG_ONDISK ? 16 : tag === 1 || tag === 2 || tag === 3 ? 8 : -1;
    if (size < 0) throw new DecodeError(`TOAST pointer of unknown kind ${tag}`);
    return 2 + size;
  }
  if ((b0 & 0x01) === 1) return (b0 >> 1) & 0x7f;
  if (off + 4 > b.length) throw new DecodeError('an attribute runs past the tuple (a damaged page?)');
  return (b.readUInt32LE(off) >>> 2) & 0x3fffffff;
}

/** A compressed payload back to its `rawSize` bytes. */
export function decompress(data: Buffer, rawSize: number, method: number): Buffer {
  if (method === 0) return pglzDecompress(data, rawSize);
  throw new DecodeError(method === 1 ? 'lz4-compressed value (only pglz, the default, is decoded)' : `compression method ${method}`);
}

/** PostgreSQL's pglz (src/common/pg_lzcompress.c, pglz_decompress). */
export function pglzDecompress(src: Buffer, rawSize: number): Buffer {
  const out = Buffer.alloc(rawSize);
  let sp = 0;
  let dp = 0;
  while (sp < src.length && dp < rawSize) {
    let ctrl = src[sp++];
    for (let ctrlc = 0; ctrlc < 8 && sp < src.length && dp < rawSize; ctrlc++) {
      if (ctrl & 1) {
        let len = (src[sp] & 0x0f) + 3;
        const off = ((src[sp] & 0xf0) << 4) | src[sp + 1];
        sp += 2;
        if (len === 18) len += src[sp++];
        if (off === 0 || off > dp) throw new DecodeError('corrupt pglz data');
        len = Math.min(len, rawSize - dp);
        // Overlapping copies repeat the pattern: byte by byte.
        for (let i = 0; i < len; i++) out[dp + i] = out[dp - off + i];
        dp += len;
      } else {
        out[dp++] = src[sp++];
      }
      ctrl >>= 1;
    }
  }
  if (dp !== rawSize) throw new DecodeError('corrupt pglz data (wrong length)');
  return out;
}

// --- numeric --------------------------------------------------------------------------------

/** A numeric payload (after the varlena header) as numeric_out spells it. */
export function numericText(p: Buffer): string {
  const h = p.readUInt16LE(0);
  let sign: number;
  let dscale: number;
  let weight: number;
  let start: number;
  if ((h & 0xc000) === 0xc000) {
    if (h === 0xc000) return 'NaN';
    if (h === 0xd000) return 'Infinity';
    if (h === 0xf000) return '-Infinity';
    throw new DecodeError('unknown numeric special value');
  }
  if (h & 0x8000) {
    sign = h & 0x2000 ? 0x4000 : 0;
    dscale = (h & 0x1f80) >> 7;
    weight = h & 0x40 ? (h & 0x3f) | ~0x3f : h & 0x3f;
    start = 2;
  } else {
    sign = h & 0xc000;
    dscale = h & 0x3fff;
    weight = p.readInt16LE(2);
    start = 4;
  }
  const digits: number[] = [];
  for (let i = start; i + 1 < p.length; i += 2) digits.push(p.readInt16LE(i));
  // Integer part: base-10000 digits at weights weight … 0.
  let int = '';
  if (weight < 0) int = '0';
  else
    for (let w = 0; w <= weight; w++) {
      const d = digits[w] ?? 0;
      int += w === 0 ? String(d) : String(d).padStart(4, '0');
    }
  let frac = '';
  for (let w = weight + 1; frac.length < dscale; w++) {
    const d = w >= 0 ? (digits[w] ?? 0) : 0;
    frac += String(d).padStart(4, '0');
  }
  frac = frac.slice(0, dscale);
  const text = dscale > 0 ? `${int}.${frac}` : int;
  return sign === 0x4000 ? `-${text}` : text;
}

// --- dates and times ---------------------------------------------------------------------------

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);
const US_PER_DAY = 86_400_000_000n;

/** `2026-12-06`, `0044-03-15 BC`. */
function ymd(daysSince2000: number): string {
  const d = new Date(EPOCH_2000_MS + daysSince2000 * 86_400_000);
  if (Number.isNaN(d.getTime())) throw new DecodeError('date out of the decodable range');
  const y = d.getUTCFullYear();
  const bc = y <= 0;
  const year = String(bc ? 1 - y : y).padStart(4, '0');
  return `${year}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}${bc ? ' BC' : ''}`;
}

function dateText(b: Buffer): string {
  const v = b.readInt32LE(0);
  if (v === -2147483648) return '-infinity';
  if (v === 2147483647) return 'infinity';
  return ymd(v);
}

/** `HH:MM:SS[.ffffff]` of microseconds within a day. */
function timeOfDay(us: bigint): string {
  const secs = us / 1_000_000n;
  const frac = us % 1_000_000n;
  const hh = String(secs / 3600n).padStart(2, '0');
  const mm = String((secs / 60n) % 60n).padStart(2, '0');
  const ss = String(secs % 60n).padStart(2, '0');
  const f = frac ? `.${String(frac).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${hh}:${mm}:${ss}${f}`;
}

function timestampText(b: Buffer, zone: boolean): string {
  const v = b.readBigInt64LE(0);
  if (v === -9223372036854775808n) return '-infinity';
  if (v === 9223372036854775807n) return 'infinity';
  let days = v / US_PER_DAY;
  let rest = v % US_PER_DAY;
  if (rest < 0n) {
    rest += US_PER_DAY;
    days -= 1n;
  }
  const date = ymd(Number(days));
  const bc = date.endsWith(' BC');
  const base = `${bc ? date.slice(0, -3) : date} ${timeOfDay(rest)}${zone ? '+00' : ''}`;
  return bc ? `${base} BC` : base;
}

// --- jsonb ----------------------------------------------------------------------------------

const JB_CMASK = 0x0fffffff;
const JB_FSCALAR = 0x10000000;
const JB_FOBJECT = 0x20000000;
const JENTRY_OFFLENMASK = 0x0fffffff;
const JENTRY_HAS_OFF = 0x80000000;

function jsonString(s: string): string {
  // escape_json: the server's own escapes; the text is parsed back, so only validity matters.
  return JSON.stringify(s);
}

/** A jsonb container at `p[start…]` as JSON text. */
function jsonbContainer(p: Buffer, start: number): string {
  const header = p.readUInt32LE(start);
  const count = header & JB_CMASK;
  const isObject = (header & JB_FOBJECT) !== 0;
  const n = isObject ? count * 2 : count;
  const entries: number[] = [];
  for (let i = 0; i < n; i++) entries.push(p.readUInt32LE(start + 4 + i * 4));
  const base = start + 4 + n * 4;
  const offsetOf = (i: number) => {
    let off = 0;
    for (let j = i - 1; j >= 0; j--) {
      off += entries[j] & JENTRY_OFFLENMASK;
      if (entries[j] & JENTRY_HAS_OFF) break;
    }
    return off;
  };
  const value = (i: number): string => {
    const e = entries[i];
    const off = offsetOf(i);
    const len = e & JENTRY_HAS_OFF ? (e & JENTRY_OFFLENMASK) - off : e & JENTRY_OFFLENMASK;
    const type = (e >>> 28) & 0x7;
    const aligned = base + ((off + 3) & ~3);
    switch (type) {
      case 0:
        return jsonString(p.toString('utf8', base + off, base + off + len));
      case 1: {
        const v = varlena(p.subarray(aligned));
        if (!Buffer.isBuffer(v)) throw new DecodeError('TOAST pointer inside jsonb');
        return numericText(v);
      }
      case 2:
        return 'false';
      case 3:
        return 'true';
      case 4:
        return 'null';
      case 5:
        return jsonbContainer(p, aligned);
      default:
        throw new DecodeError(`unknown jsonb entry type ${type}`);
    }
  };
  if (header & JB_FSCALAR) return value(0);
  const parts: string[] = [];
  if (isObject) {
    for (let i = 0; i < count; i++) parts.push(`${value(i)}: ${value(i + count)}`);
    return `{${parts.join(', ')}}`;
  }
  for (let i = 0; i < count; i++) parts.push(value(i));
  return `[${parts.join(', ')}]`;
}

// --- floats -----------------------------------------------------------------------------------

function floatText(v: number, single: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  if (!single) return String(v);
  // The shortest text that reads back as the same float4.
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

// --- the decoders ------------------------------------------------------------------------------

function uuidText(b: Buffer): string {
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `M mons D days [-]HH:MM:SS[.ffffff]`: each of the interval's three fields exactly, whatever its sign. */
function intervalText(b: Buffer): string {
  const time = b.readBigInt64LE(0);
  const days = b.readInt32LE(8);
  const months = b.readInt32LE(12);
  const abs = time < 0n ? -time : time;
  return `${months} mons ${days} days ${time < 0n ? '-' : ''}${timeOfDay(abs)}`;
}

/** Decoders of fixed-length types, by base type name: the bytes are exactly the value. */
const FIXED: Record<string, Decoder> = {
  bool: (b) => (b[0] ? 't' : 'f'),
  int2: (b) => String(b.readInt16LE(0)),
  int4: (b) => String(b.readInt32LE(0)),
  int8: (b) => String(b.readBigInt64LE(0)),
  oid: (b) => String(b.readUInt32LE(0)),
  float4: (b) => floatText(b.readFloatLE(0), true),
  float8: (b) => floatText(b.readDoubleLE(0), false),
  date: dateText,
  time: (b) => timeOfDay(b.readBigInt64LE(0)),
  interval: intervalText,
  timestamp: (b) => timestampText(b, false),
  timestamptz: (b) => timestampText(b, true),
  uuid: uuidText,
};

/** Decoders of variable-length types: given the varlena's payload (decompressed, reassembled). */
const VARIABLE: Record<string, (p: Buffer) => string> = {
  text: (p) => p.toString('utf8'),
  varchar: (p) => p.toString('utf8'),
  bpchar: (p) => p.toString('utf8'),
  bytea: (p) => `\\x${p.toString('hex')}`,
  numeric: numericText,
  jsonb: (p) => {
    // Version byte? No: jsonb on disk starts with its root container.
    return jsonbContainer(p, 0);
  },
  json: (p) => p.toString('utf8'),
};

// --- arrays ---------------------------------------------------------------------------------

const ALIGN: Record<string, number> = { c: 1, s: 2, i: 4, d: 8 };

/** An element quoted for array_in: always quoted, so any element text reads back as itself. */
function quoteElement(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * An array's payload (ArrayType without its 4-byte length word) as array_out spells it, with
 * explicit bounds when they do not start at 1. Offsets in the format count from the length word,
 * and elements are aligned relative to it; varlena elements always carry 4-byte headers.
 */
function arrayText(p: Buffer, elem: ColumnDecoder, elemLen: number, elemAlign: string): string {
  const at = (structOffset: number) => structOffset - 4;
  const ndim = p.readInt32LE(at(4));
  if (ndim === 0) return '{}';
  const dataOffset = p.readInt32LE(at(8));
  const dims: number[] = [];
  const lbounds: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(p.readInt32LE(at(16 + 4 * i)));
  for (let i = 0; i < ndim; i++) lbounds.push(p.readInt32LE(at(16 + 4 * ndim + 4 * i)));
  const nitems = dims.reduce((a, b) => a * b, 1);
  const bitmap = dataOffset ? at(16 + 8 * ndim) : -1;
  let off = dataOffset || (16 + 8 * ndim + 7) & ~7;
  const align = ALIGN[elemAlign] ?? 4;
  const items: string[] = [];
  for (let i = 0; i < nitems; i++) {
    if (bitmap >= 0 && !(p[bitmap + (i >> 3)] & (1 << (i & 7)))) {
      items.push('NULL');
      continue;
    }
    off = (off + align - 1) & ~(align - 1);
    if (elemLen > 0) {
      if (elem.kind !== 'fixed') throw new DecodeError('array element of unexpected kind');
      items.push(quoteElement(elem.decode(p.subarray(at(off), at(off) + elemLen))));
      off += elemLen;
    } else {
      const len = p.readUInt32LE(at(off)) >>> 2;
      const v = varlena(p.subarray(at(off), at(off) + len));
      if (!Buffer.isBuffer(v) || elem.kind !== 'varlena') throw new DecodeError('array element of unexpected kind');
      items.push(quoteElement(elem.decode(v)));
      off += len;
    }
  }
  // Nest by dimension, innermost last.
  let level: string[] = items;
  for (let d = ndim - 1; d >= 0; d--) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += dims[d]) next.push(`{${level.slice(i, i + dims[d]).join(',')}}`);
    level = next;
  }
  const bounds = lbounds.some((b) => b !== 1) ? `${lbounds.map((b, i) => `[${b}:${b + dims[i] - 1}]`).join('')}=` : '';
  return bounds + level[0];
}

/** The decoder of an array column whose element type is decoded here, or null. */
export function arrayDecoderFor(elemType: string, elemLen: number, elemAlign: string): ColumnDecoder | null {
  const elem = decoderFor(elemType);
  if (!elem || elemLen === -2) return null;
  return { kind: 'varlena', decode: (p) => arrayText(p, elem, elemLen, elemAlign) };
}

/** How a column is decoded: fixed bytes, or a varlena payload. */
export type ColumnDecoder = { kind: 'fixed'; decode: Decoder } | { kind: 'varlena'; decode: (payload: Buffer) => string };

/** The decoder of a base type (`pg_type.typname`), or null when its bytes are not decoded here. */
export function decoderFor(typname: string): ColumnDecoder | null {
  if (FIXED[typname]) return { kind: 'fixed', decode: FIXED[typname] };
  if (VARIABLE[typname]) return { kind: 'varlena', decode: VARIABLE[typname] };
  return null;
}

/** Whether the root container says scalar/object/array (exported for tests of the decoder). */
export const JSONB_FLAGS = { JB_FSCALAR, JB_FOBJECT };
