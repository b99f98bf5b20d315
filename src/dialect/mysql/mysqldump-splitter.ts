/**
 * Splits a mysqldump stream into sections on the fly: the header (SET statements before the
 * first table), one section per table (structure, data, triggers), and the rest of the schema
 * (views, routines, events, footer). Works on raw bytes and buffers only lines that may be
 * markers (those starting with `-` or `/`, at most 64 kB), so a table is never held in memory.
 *
 * Markers are mysqldump's comment blocks: `-- Table structure for table \`name\``. The name is
 * quoted with backticks (doubled inside); a newline inside a name is written as newline + `-- `,
 * so such a marker spans lines. Data lines cannot look like markers: mysqldump escapes newlines
 * inside values, so every INSERT line starts with `INSERT` or `(`.
 */

/** One output of the splitter, in stream order. */
export type SplitPiece =
  /** Bytes of the header (before the first section). */
  | { kind: 'header'; data: Buffer }
  /** A table section starts; the bytes that follow belong to it. */
  | { kind: 'table'; name: string }
  /** A non-table section starts (view, routines, events, footer); the bytes that follow belong to the schema. */
  | { kind: 'schema'; what: string }
  /** Bytes of the current section. */
  | { kind: 'data'; data: Buffer };

type Marker = { type: 'table-structure'; name: string } | { type: 'table-data'; name: string } | { type: 'schema'; what: string } | { type: 'completed' };

const TABLE_PREFIXES: [string, 'table-structure' | 'table-data'][] = [
  ['-- Table structure for table ', 'table-structure'],
  ['-- Dumping data for table ', 'table-data'],
];
const SCHEMA_PREFIXES: [string, string][] = [
  ['-- Temporary table structure for view ', 'view'],
  ['-- Temporary view structure for view ', 'view'],
  ['-- Final view structure for view ', 'view'],
  ['-- Dumping routines for database ', 'routines'],
  ['-- Dumping events for database ', 'events'],
];
/** The footer's first statement (with and without --tz-utc): no table section contains it. */
const FOOTER_LINES = ['/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;', '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;'];
const MAX_CANDIDATE = 64 * 1024;
const DASH = 0x2d;
const SLASH = 0x2f;
const NL = 0x0a;

/** The splitter's state machine; feed chunks with `push`, then call `end`. */
export class MysqldumpSplitter {
  /** The section bytes currently go to. */
  section: 'header' | 'table' | 'schema' = 'header';
  /** The table whose section is open. */
  currentTable: string | null = null;
  /** True once the `-- Dump completed` line went by: the dump was not cut short. */
  completed = false;
  private lineStart = true;
  private candidate: Buffer[] | null = null;
  private candidateLen = 0;
  private pendingDash: Buffer | null = null;

  /** Splits one chunk. The returned data pieces may share memory with `chunk`. */
  push(chunk: Buffer): SplitPiece[] {
    const out: SplitPiece[] = [];
    let pos = 0;
    let runStart = 0;
    const flushRun = (end: number) => {
      if (end > runStart) out.push(this.piece(chunk.subarray(runStart, end)));
      runStart = end;
    };
    while (pos < chunk.length) {
      if (this.candidate) {
        const nl = chunk.indexOf(NL, pos);
        const end = nl < 0 ? chunk.length : nl + 1;
        this.candidate.push(chunk.subarray(pos, end));
        this.candidateLen += end - pos;
        pos = runStart = end;
        if (nl < 0) {
          if (this.candidateLen > MAX_CANDIDATE) {
            this.flushCandidateAsData(out);
            this.lineStart = false;
          }
          continue;
        }
        this.lineStart = true;
        this.classifyCandidate(out);
        continue;
      }
      if (this.lineStart) {
        const b = chunk[pos];
        if (b === DASH || b === SLASH) {
          flushRun(pos);
          this.candidate = [];
          this.candidateLen = 0;
          continue;
        }
        if (this.pendingDash) {
          flushRun(pos);
          out.push(this.piece(this.pendingDash));
          this.pendingDash = null;
        }
        this.lineStart = false;
      }
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) {
        pos = chunk.length;
        break;
      }
      pos = nl + 1;
      this.lineStart = true;
    }
    flushRun(pos);
    return out;
  }

  /** Flushes whatever is held back at the end of the stream. */
  end(): SplitPiece[] {
    const out: SplitPiece[] = [];
    if (this.candidate) this.flushCandidateAsData(out);
    if (this.pendingDash) {
      out.push(this.piece(this.pendingDash));
      this.pendingDash = null;
    }
    return out;
  }

  private piece(data: Buffer): SplitPiece {
    return this.section === 'header' ? { kind: 'header', data } : { kind: 'data', data };
  }

  private flushCandidateAsData(out: SplitPiece[]): void {
    if (this.pendingDash) {
      out.push(this.piece(this.pendingDash));
      this.pendingDash = null;
    }
    if (this.candidate && this.candidateLen > 0) out.push(this.piece(Buffer.concat(this.candidate, this.candidateLen)));
    this.candidate = null;
    this.candidateLen = 0;
  }

  private classifyCandidate(out: SplitPiece[]): void {
    const buf = Buffer.concat(this.candidate!, this.candidateLen);
    const text = buf.toString('utf8');
    if (text === '--\n' || text === '--\r\n') {
      if (this.pendingDash) out.push(this.piece(this.pendingDash));
      this.pendingDash = buf;
      this.candidate = null;
      this.candidateLen = 0;
      return;
    }
    const marker = parseMarker(text);
    if (marker === 'incomplete' && this.candidateLen <= MAX_CANDIDATE) return; // a name with a newline: read on
    this.candidate = null;
    this.candidateLen = 0;
    if (marker && marker !== 'incomplete') {
      if (marker.type === 'table-structure' || (marker.type === 'table-data' && !(this.section === 'table' && this.currentTable === marker.name))) {
        this.section = 'table';
        this.currentTable = marker.name;
        out.push({ kind: 'table', name: marker.name });
      } else if (marker.type === 'schema') {
        this.section = 'schema';
        this.currentTable = null;
        out.push({ kind: 'schema', what: marker.what });
      } else if (marker.type === 'completed') {
        this.completed = true;
      }
    } else if (this.section === 'table' && FOOTER_LINES.some((l) => text.startsWith(l))) {
      this.section = 'schema';
      this.currentTable = null;
      out.push({ kind: 'schema', what: 'footer' });
    }
    if (this.pendingDash) {
      out.push(this.piece(this.pendingDash));
      this.pendingDash = null;
    }
    out.push(this.piece(buf));
  }
}

/**
 * Reads a marker from a (possibly multi-line) comment: null when it is not one, `incomplete`
 * when a quoted name continues on the next line that has not arrived yet.
 */
export function parseMarker(text: string): Marker | 'incomplete' | null {
  if (text.startsWith('-- Dump completed')) return { type: 'completed' };
  for (const [prefix, type] of TABLE_PREFIXES) {
    if (!text.startsWith(prefix)) continue;
    const name = parseCommentIdent(text, prefix.length);
    if (name === INCOMPLETE) return 'incomplete';
    if (name === null) return null;
    return { type, name };
  }
  for (const [prefix, what] of SCHEMA_PREFIXES) {
    if (text.startsWith(prefix)) return { type: 'schema', what };
  }
  return null;
}

/** parseCommentIdent's answer when the name goes on past the text read so far (a table may be named `incomplete`). */
export const INCOMPLETE: unique symbol = Symbol('incomplete');

/**
 * A backtick-quoted identifier as mysqldump writes it in a comment: doubled backticks inside,
 * and a newline inside the name continued as newline + `-- `.
 */
export function parseCommentIdent(text: string, start: number): string | typeof INCOMPLETE | null {
  if (text[start] !== '`') return null;
  let name = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) return INCOMPLETE;
    const c = text[i];
    if (c === '`') {
      if (text[i + 1] === '`') {
        name += '`';
        i += 2;
        continue;
      }
      const rest = text.slice(i + 1);
      return rest === '' || rest === '\n' || rest === '\r\n' ? name : null;
    }
    if (c === '\n') {
      if (i + 1 >= text.length) return INCOMPLETE;
      if (!text.startsWith('-- ', i + 1)) return null;
      name += '\n';
      i += 4;
      continue;
    }
    name += c;
    i++;
  }
}
