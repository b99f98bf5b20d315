import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { crc32 } from 'node:zlib';
import { UserError } from '../../errors.js';

/**
 * Reading the events of a MySQL/MariaDB binary log file (format v4), streamed: one event in
 * memory at a time. Each event's CRC32 is checked when the log has checksums, so a corrupted
 * file is refused at the first damaged event instead of decoded into wrong values; an event that
 * runs past the end of the file is a truncated file.
 */

/** Event types we read (MySQL's and MariaDB's numbering; both share 0–35). */
export const EventType = {
  QUERY: 2,
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  PARTIAL_UPDATE_ROWS: 39,
  /** MariaDB: the statement that made the next rows events (binlog_annotate_row_events). */
  ANNOTATE_ROWS: 160,
  GTID: 162,
  GTID_LIST: 163,
  QUERY_COMPRESSED: 165,
  /** MariaDB's compressed rows events (log_bin_compress=ON): 166–171. */
  FIRST_COMPRESSED_ROWS: 166,
  LAST_COMPRESSED_ROWS: 171,
} as const;

const MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
const HEADER = 19;
/** Bytes read from the file at once. */
const CHUNK = 1 << 20;

/** One event: its header fields and its body (without the header and the checksum). */
export interface BinlogEvent {
  /** The file it is in (base name) and where it starts: a position as `mysqlbinlog --start-position` takes it. */
  file: string;
  pos: number;
  /** Seconds since the epoch (UTC) when the statement began. */
  timestamp: number;
  type: number;
  serverId: number;
  body: Buffer;
}

/** What the file's FORMAT_DESCRIPTION event says. */
export interface FormatDescription {
  serverVersion: string;
  /** Whether events end with a CRC32. */
  checksums: boolean;
}

/** A binlog file is damaged or not a binlog: refuse it, naming where. */
export function corrupt(path: string, pos: number, what: string): UserError {
  return new UserError(
    `Binary log file ${basename(path)} is damaged at position ${pos}: ${what}`,
    'nothing was staged; copy the file again from the server (crm-rescue protect) or leave it out with a window that ends before it',
  );
}

/**
 * The events of one binlog file, in order. The FORMAT_DESCRIPTION event comes first and sets
 * whether events carry a checksum.
 */
export async function* readEvents(
  path: string,
  onFormat?: (f: FormatDescription) => void,
  opts: {
    /** Check each event's CRC32 (default). A second pass over bytes a first pass checked may skip it. */
    verify?: boolean;
    /** Stop at this position (where a first pass ended), events appended since left out. */
    end?: number;
    /** Called at the end of the file (or `end`) with the position reached. */
    onEnd?: (pos: number) => void;
  } = {},
): AsyncGenerator<BinlogEvent> {
  const verify = opts.verify ?? true;
  const file = basename(path);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new UserError(`Cannot read binary log file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    let buf = Buffer.alloc(0);
    let fileOffset = 0; // of buf[0]
    let eof = false;
    const fill = async (need: number) => {
      while (buf.length < need && !eof) {
        // A new buffer each time (bodies handed out stay valid), starting with the unread rest
        // of the last one (less than one event), then filled from the file.
        const chunk = Buffer.allocUnsafe(Math.max(CHUNK, need));
        const kept = buf.copy(chunk, 0);
        const { bytesRead } = await fh.read(chunk, kept, chunk.length - kept, fileOffset + kept);
        if (bytesRead === 0) eof = true;
        buf = chunk.subarray(0, kept + bytesRead);
      }
      return buf.length >= need;
    };
    const consume = (n: number) => {
      buf = buf.subarray(n);
      fileOffset += n;
    };
    if (!(await fill(4)) || !buf.subarray(0, 4).equals(MAGIC)) throw corrupt(path, 0, 'it does not start like a binary log file');
    consume(4);
    let checksums: boolean | null = null;
    for (;;) {
      if ((opts.end !== undefined && fileOffset >= opts.end) || !(await fill(1))) {
        opts.onEnd?.(fileOffset);
        return;
      }
      const pos = fileOffset;
      if (!(await fill(HEADER))) throw corrupt(path, pos, 'the file is truncated inside an event header');
      const size = buf.readUInt32LE(9);
      if (size < HEADER) throw corrupt(path, pos, `an event claims ${size} bytes`);
      if (!(await fill(size))) throw corrupt(path, pos, `the file is truncated: the event needs ${size} bytes, ${buf.length} remain`);
      const raw = buf.subarray(0, size);
      const type = raw[4];
      if (checksums === null) {
        if (type !== EventType.FORMAT_DESCRIPTION) throw corrupt(path, pos, 'the first event is no format description');
        const f = formatDescription(raw);
        checksums = f.checksums;
        onFormat?.(f);
      }
      let end = size;
      if (checksums) {
        end = size - 4;
        if (end < HEADER) throw corrupt(path, pos, 'an event is too short for its checksum');
        if (verify && crc32(checksummed(raw.subarray(0, end))) !== raw.readUInt32LE(end)) throw corrupt(path, pos, 'checksum mismatch');
      }
      const nextPos = raw.readUInt32LE(13);
      // log_pos is the next event's position in real files (0 only in relay-style artificial events).
      if (nextPos !== 0 && nextPos !== pos + size) throw corrupt(path, pos, `the event says the next one is at ${nextPos}, not ${pos + size}`);
      // A view, not a copy: the bytes read are never overwritten (each read fills a new buffer),
      // so a caller may keep the body, or views into it, after the next event.
      yield {
        file,
        pos,
        timestamp: raw.readUInt32LE(0),
        type,
        serverId: raw.readUInt32LE(5),
        body: raw.subarray(HEADER, end),
      };
      consume(size);
    }
  } finally {
    await fh.close();
  }
}

/** The FORMAT_DESCRIPTION event (whole, header included): server version and checksum algorithm. */
function formatDescription(raw: Buffer): FormatDescription {
  const body = raw.subarray(HEADER);
  const serverVersion = body.subarray(2, 52).toString('latin1').replace(/\0.*$/s, '');
  // Servers since MySQL 5.6.1 / MariaDB 5.3 end the event with the checksum algorithm (1 byte)
  // and its own CRC32 (4 bytes, always present then); algorithm 1 = CRC32, 0 = none.
  const alg = raw.length >= 5 ? raw[raw.length - 5] : 0;
  const checksums = alg === 1 && crc32(checksummed(raw.subarray(0, raw.length - 4))) === raw.readUInt32LE(raw.length - 4);
  return { serverVersion, checksums };
}

/** LOG_EVENT_BINLOG_IN_USE_F: set in the open file's format description, left out of its checksum. */
const IN_USE = 0x1;

/** The bytes a checksum covers: the format description's in-use flag counts as clear. */
function checksummed(raw: Buffer): Buffer {
  if (raw[4] !== EventType.FORMAT_DESCRIPTION || !(raw.readUInt16LE(17) & IN_USE)) return raw;
  const copy = Buffer.from(raw);
  copy.writeUInt16LE(copy.readUInt16LE(17) & ~IN_USE, 17);
  return copy;
}

/** A MySQL length-encoded integer at `off`: [value, bytes used]. */
export function packedInt(b: Buffer, off: number): [number, number] {
  const first = b[off];
  if (first < 0xfb) return [first, 1];
  if (first === 0xfc) return [b.readUInt16LE(off + 1), 3];
  if (first === 0xfd) return [b.readUIntLE(off + 1, 3), 4];
  if (first === 0xfe) return [Number(b.readBigUInt64LE(off + 1)), 9];
  throw new Error('internal: a NULL where a length was expected');
}

/** The 6-byte table id every TABLE_MAP and rows event starts with. */
export function tableId(body: Buffer): number {
  return body.readUIntLE(0, 6);
}

/** MariaDB GTID_LIST: how many GTIDs were logged before this file (0: the server's first file). */
export function gtidListCount(body: Buffer): number {
  return body.length >= 4 ? body.readUInt32LE(0) & 0x0fffffff : 0;
}

/** A QUERY event's default database and statement text. */
export function queryEvent(body: Buffer): { database: string; sql: string } {
  // thread_id 4, exec_time 4, db_len 1, error_code 2, status_vars_len 2, status vars, db, NUL, sql.
  const dbLen = body[8];
  const statusLen = body.readUInt16LE(11);
  const dbStart = 13 + statusLen;
  return {
    database: body.subarray(dbStart, dbStart + dbLen).toString('utf8'),
    sql: body.subarray(dbStart + dbLen + 1).toString('utf8'),
  };
}

/** A QUERY event's thread id (the connection that ran it). */
export function queryThreadId(body: Buffer): number {
  return body.readUInt32LE(0);
}
