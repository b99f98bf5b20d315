/**
 * One pass over a mysqldump / mariadb-dump file, statement by statement, without tokenising the
 * rows: what indexing a dump and extracting one table of it share. Each statement is classified
 * from its first bytes (its "head"); the handler says whether its bytes pass. An INSERT's rest is
 * skipped (or passed) line by line: mysqldump escapes every newline inside a value, so an INSERT
 * ends at the first line that ends with `;` (extended INSERTs put their tuples on one line, or one
 * per line with MariaDB's --compact); finding it is a memchr per line, not a scan of every byte.
 * Everything else (definitions, triggers under DELIMITER ;;, routines) is read quote-aware to
 * its delimiter, as the mysql client would.
 *
 * This is no security boundary: what it passes goes through MysqlTableFilter, which decides
 * byte by byte what reaches the server. A hand-made file that cuts this pass wrong (a raw `;` and
 * newline inside an INSERT's string) can only give the filter something it refuses.
 */

/** What a statement is, as far as staging one table needs to know. */
export type StatementKind = 'insert' | 'create-table' | 'create-database' | 'use' | 'set' | 'other';

/** A statement's head, classified. Names are latin1 strings (one char per byte of the file). */
export interface StatementHead {
  kind: StatementKind;
  /** The table (insert, create-table) or database (create-database, use) it names; null for others. */
  name: string | null;
  /** The database whose section it is in (a qualified name's, else the last USE, else the header's `Database:`, else ''). */
  database: string;
  /** Offset of its first byte in the decompressed stream. */
  offset: number;
  /** A SET's first bytes (latin1), to tell which settings it makes. */
  text?: string;
}

/** What the scanner tells and asks. */
export interface ScanHandler {
  /** A comment line at a statement's start (its first 512 bytes, latin1, without the newline). */
  comment?(line: string): void;
  /** A statement's head: true to have it passed (without its delimiter, followed by `;\n`). */
  statement(h: StatementHead): boolean;
  /** The statement ended; `end` is the offset after its delimiter, or the end of the file (`complete` false). */
  end?(h: StatementHead, end: number, complete: boolean): void;
  /** Bytes of passed statements. */
  write(chunk: Buffer | string): void;
}

const HEAD_MAX = 2048;
const SQ = 0x27;
const DQ = 0x22;
const BT = 0x60;
const BS = 0x5c;
const NL = 0x0a;
const CR = 0x0d;
const SEMI = 0x3b;
const LINE = 1;
const BLOCK = 2;
const EMPTY = Buffer.alloc(0);

const enum Mode {
  Start,
  Comment,
  SkipLine,
  Head,
  Body,
  Lines,
}

const NAME = '(`(?:[^`]|``)*`|[A-Za-z0-9_$\\x80-\\xff]+)';
const QNAME = `${NAME}(?:\\s*\\.\\s*${NAME})?`;
const INSERT_RE = new RegExp(`^(?:INSERT|REPLACE)\\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\\s+)*INTO\\s+${QNAME}`, 'i');
const CREATE_TABLE_RE = new RegExp(`^CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QNAME}`, 'i');
const CREATE_DB_RE = new RegExp(`^CREATE\\s+(?:DATABASE|SCHEMA)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME}`, 'i');
const USE_RE = new RegExp(`^USE\\s+${NAME}`, 'i');

/** An identifier as written (`` `a``b` `` or a bare word) → its name. */
export function unquoteName(s: string): string {
  return s.startsWith('`') ? s.slice(1, -1).replace(/``/g, '`') : s;
}

/** Classifies a statement from its first bytes (latin1). */
export function classify(head: string, database: string, offset: number): StatementHead {
  // A view's stand-in table (`/*!50001 CREATE TABLE v …*/`) is no table: real tables are never
  // written inside a version comment.
  const inVersionComment = /^\/\*M?!\d*\s*CREATE\b/i.test(head);
  // Version-comment openers and closers are code; plain comments are not.
  const text = head
    .replace(/\/\*(?!M?!)[\s\S]*?\*\//g, ' ')
    .replace(/\/\*M?!\d*/g, ' ')
    .replace(/\*\//g, ' ')
    .trimStart();
  const two = (m: RegExpExecArray): { name: string; database: string } =>
    m[2] === undefined ? { name: unquoteName(m[1]), database } : { name: unquoteName(m[2]), database: unquoteName(m[1]) };
  let m = INSERT_RE.exec(text);
  if (m) return { kind: 'insert', ...two(m), offset };
  m = CREATE_TABLE_RE.exec(text);
  if (m && !inVersionComment) return { kind: 'create-table', ...two(m), offset };
  m = CREATE_DB_RE.exec(text);
  if (m) return { kind: 'create-database', name: unquoteName(m[1]), database, offset };
  m = USE_RE.exec(text);
  if (m) return { kind: 'use', name: unquoteName(m[1]), database, offset };
  if (/^SET\b/i.test(text)) return { kind: 'set', name: null, database, offset, text };
  return { kind: 'other', name: null, database, offset };
}

/**
 * The scanner: feed it the decompressed dump chunk by chunk. It follows `USE` (and the header's
 * `Database:` line) to know each statement's database. Set `stopped` (from a handler) to end early.
 */
export class DumpScanner {
  /** The database the next statement is in. */
  database = '';
  /** Offset of the next byte fed. */
  offset = 0;
  /** The statement being read, if any. */
  current: StatementHead | null = null;
  /** A handler asked to stop: feed nothing more. */
  stopped = false;
  private mode = Mode.Start;
  private carry: Buffer = EMPTY;
  private q = 0;
  private esc = false;
  private delim = Buffer.from(';');
  private head: Buffer[] = [];
  private headLen = 0;
  private emit = false;
  private seenStatement = false;
  private comment: Buffer[] = [];
  private commentLen = 0;
  /** In Lines mode: the last byte of the line so far other than CR was `;`. */
  private lastSemi = false;

  constructor(private readonly h: ScanHandler) {}

  feed(chunk: Buffer): void {
    this.run(this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk, false);
  }

  finish(): void {
    this.run(this.carry, true);
    if (this.stopped) return;
    if (this.mode === Mode.Comment) this.endComment();
    // A last statement without a delimiter (the mysql client runs it too): passed as it is.
    if (this.mode === Mode.Head) this.decide(-1, true);
    if (this.current) this.endStatement(this.offset, false);
  }

  private run(data: Buffer, eof: boolean): void {
    this.carry = EMPTY;
    const n = data.length;
    const base = this.offset;
    let i = 0;
    const keep = (from: number) => {
      this.carry = Buffer.from(data.subarray(from));
      this.offset = base + from;
    };
    while (i < n && !this.stopped) {
      switch (this.mode) {
        case Mode.Start: {
          const c = data[i];
          if (c === 0x20 || c === 0x09 || c === NL || c === CR) {
            i++;
            continue;
          }
          // Lookahead for `--`, `/*M!…\`, DELIMITER: a few bytes, or the line.
          if (!eof && n - i < 16) return keep(i);
          // A mysql client command (`\! cmd`, `\. file`): a line of its own, never SQL. The loading
          // client runs in --binary-mode and would not read it either.
          if (c === BS) {
            this.mode = Mode.SkipLine;
            continue;
          }
          if (c === 0x23 || (c === 0x2d && data[i + 1] === 0x2d && (i + 2 >= n || data[i + 2] <= 0x20))) {
            this.mode = Mode.Comment;
            this.comment = [];
            this.commentLen = 0;
            continue;
          }
          if (c === 0x2f && data[i + 1] === 0x2a) {
            const s = data.toString('latin1', i, Math.min(n, i + 16));
            // MariaDB's `/*M!999999\- enable the sandbox mode */`: a client command in a version
            // comment, no statement. The whole line goes.
            if (/^\/\*M?!\d*\\/.test(s)) {
              this.mode = Mode.SkipLine;
              continue;
            }
            if (!/^\/\*M?!/.test(s)) {
              // A plain comment at a statement's start.
              const end = data.indexOf('*/', i + 2, 'latin1');
              if (end < 0) {
                if (!eof) return keep(i);
                i = n;
                continue;
              }
              i = end + 2;
              continue;
            }
          }
          if (data.toString('latin1', i, i + 9).toLowerCase() === 'delimiter') {
            const nl = data.indexOf(NL, i);
            if (nl < 0 && !eof) return keep(i);
            const lineEnd = nl < 0 ? n : nl;
            const m = /^delimiter[ \t]+(\S+)[ \t\r]*$/i.exec(data.toString('latin1', i, lineEnd));
            if (m) {
              this.delim = Buffer.from(m[1], 'latin1');
              i = Math.min(n, lineEnd + 1);
              continue;
            }
          }
          this.mode = Mode.Head;
          this.head = [];
          this.headLen = 0;
          this.q = 0;
          this.esc = false;
          this.current = { kind: 'other', name: null, database: this.database, offset: base + i };
          continue;
        }
        case Mode.Comment: {
          const nl = data.indexOf(NL, i);
          const end = nl < 0 ? n : nl;
          if (this.commentLen < 512) {
            const piece = data.subarray(i, Math.min(end, i + 512 - this.commentLen));
            this.comment.push(Buffer.from(piece));
            this.commentLen += piece.length;
          }
          if (nl < 0) {
            i = n;
            continue;
          }
          i = nl + 1;
          this.endComment();
          continue;
        }
        case Mode.SkipLine: {
          const nl = data.indexOf(NL, i);
          if (nl < 0) {
            i = n;
            continue;
          }
          i = nl + 1;
          this.mode = Mode.Start;
          continue;
        }
        case Mode.Head: {
          const limit = Math.min(n, i + (HEAD_MAX - this.headLen));
          const r = this.scan(data, i, limit, eof);
          this.head.push(data.subarray(i, r.at));
          this.headLen += r.at - i;
          if (r.end >= 0) {
            this.decide(base + r.end);
            this.passStatement(data, r.at, r.end);
            this.endStatement(base + r.end);
            i = r.end;
            continue;
          }
          if (r.needMore) return keep(r.at);
          i = r.at;
          if (this.headLen >= HEAD_MAX) this.decide(-1);
          continue;
        }
        case Mode.Body: {
          const r = this.scan(data, i, n, eof);
          if (r.end >= 0) {
            this.passStatement(data, i, r.end);
            this.endStatement(base + r.end);
            i = r.end;
            continue;
          }
          if (this.emit && r.at > i) this.h.write(data.subarray(i, r.at));
          if (r.needMore) return keep(r.at);
          i = r.at;
          continue;
        }
        case Mode.Lines: {
          // The rest of an INSERT: up to the end of the first line that ends with `;`.
          let at = i;
          let done = -1;
          while (at < n) {
            const nl = data.indexOf(NL, at);
            if (nl < 0) {
              for (let k = n - 1; k >= at; k--) {
                if (data[k] === CR) continue;
                this.lastSemi = data[k] === SEMI;
                break;
              }
              at = n;
              break;
            }
            let k = nl - 1;
            while (k >= at && data[k] === CR) k--;
            const semi = k >= at ? data[k] === SEMI : this.lastSemi;
            if (semi) {
              done = k >= at ? k : -2;
              at = nl + 1;
              break;
            }
            this.lastSemi = false;
            at = nl + 1;
          }
          if (done === -1) {
            if (this.emit) this.h.write(data.subarray(i, at));
            i = at;
            continue;
          }
          // The `;` ends the statement (when it was the previous chunk's last byte, it was passed).
          if (this.emit) {
            if (done >= 0) this.h.write(data.subarray(i, done + 1));
            this.h.write('\n');
          }
          this.endStatement(base + at);
          i = at;
          continue;
        }
      }
    }
    this.offset = base + n;
  }

  private endComment(): void {
    this.mode = Mode.Start;
    const line = Buffer.concat(this.comment).toString('latin1').replace(/\r$/, '');
    // The header's `-- Host: h    Database: d`: the default database of a one-database dump.
    if (!this.seenStatement) {
      const m = /^-- Host: .*\bDatabase: (.+?)\s*$/.exec(line);
      if (m) this.database = m[1];
    }
    this.h.comment?.(line);
  }

  /** The head is complete (or the statement ended at `end`): classify it and ask the handler. */
  private decide(end: number, eof = false): void {
    const head = Buffer.concat(this.head, this.headLen);
    const h = classify(head.toString('latin1'), this.database, this.current!.offset);
    this.current = h;
    this.seenStatement = true;
    this.emit = this.h.statement(h);
    if (this.stopped) return;
    const whole = end >= 0;
    if (this.emit) {
      // Without its delimiter when it ended inside the head: passStatement adds `;\n`.
      this.h.write(whole ? head.subarray(0, Math.max(0, head.length - this.delim.length)) : head);
      if (whole) this.h.write(';\n');
    }
    if (!whole && !eof) {
      this.mode = h.kind === 'insert' && this.delim.length === 1 && this.delim[0] === SEMI ? Mode.Lines : Mode.Body;
      this.lastSemi = head[head.length - 1] === SEMI;
      // Lines mode starts inside the line that held the head: a quote open there is its business.
      if (this.mode === Mode.Lines) this.q = 0;
    }
  }

  /** Passes the rest of a statement that ended at `end` (its delimiter left out), when passed. */
  private passStatement(data: Buffer, from: number, end: number): void {
    if (this.mode !== Mode.Body || !this.emit) return;
    const stop = end - this.delim.length;
    if (stop > from) this.h.write(data.subarray(from, stop));
    this.h.write(';\n');
  }

  private endStatement(end: number, complete = true): void {
    const h = this.current!;
    this.current = null;
    this.mode = Mode.Start;
    this.emit = false;
    if (h.kind === 'use' && h.name !== null) this.database = h.name;
    this.h.end?.(h, end, complete);
  }

  /**
   * Quote- and comment-aware scan from `i` to `limit`: `end` is the index after the delimiter
   * when the statement ended, else -1; `at` is where it stopped; `needMore` when a delimiter or
   * comment opener straddles the chunk's end.
   */
  private scan(b: Buffer, i: number, limit: number, eof: boolean): { end: number; at: number; needMore: boolean } {
    const d = this.delim;
    const n = b.length;
    while (i < limit) {
      const c = b[i];
      if (this.q === SQ || this.q === DQ) {
        if (this.esc) this.esc = false;
        else if (c === BS) this.esc = true;
        else if (c === this.q) this.q = 0;
        i++;
        continue;
      }
      if (this.q === BT) {
        if (c === BT) this.q = 0;
        i++;
        continue;
      }
      if (this.q === LINE) {
        if (c === NL) this.q = 0;
        i++;
        continue;
      }
      if (this.q === BLOCK) {
        if (c === 0x2a) {
          if (i + 1 >= n) {
            if (!eof) return { end: -1, at: i, needMore: true };
          } else if (b[i + 1] === 0x2f) {
            this.q = 0;
            i += 2;
            continue;
          }
        }
        i++;
        continue;
      }
      if (c === d[0]) {
        if (i + d.length > n) {
          if (!eof) return { end: -1, at: i, needMore: true };
        } else if (b.compare(d, 0, d.length, i, i + d.length) === 0) {
          return { end: i + d.length, at: i + d.length, needMore: false };
        }
      }
      if (c === SQ || c === DQ || c === BT) {
        this.q = c;
        i++;
        continue;
      }
      if (c === 0x23) {
        this.q = LINE;
        i++;
        continue;
      }
      if (c === 0x2d || c === 0x2f) {
        if (i + 2 >= n && !eof) return { end: -1, at: i, needMore: true };
        if (c === 0x2d && b[i + 1] === 0x2d && (i + 2 >= n || b[i + 2] <= 0x20)) {
          this.q = LINE;
          i += 2;
          continue;
        }
        // Version comments (`/*!40101 … */`) are code: only plain ones are comments.
        if (c === 0x2f && b[i + 1] === 0x2a && b[i + 2] !== 0x21 && !(b[i + 2] === 0x4d && b[i + 3] === 0x21)) {
          this.q = BLOCK;
          i += 2;
          continue;
        }
      }
      i++;
    }
    return { end: -1, at: i, needMore: false };
  }
}
