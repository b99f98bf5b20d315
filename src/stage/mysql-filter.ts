import { Transform, type TransformCallback } from 'node:stream';
import { UserError } from '../errors.js';

/**
 * The only door between a MySQL backup's table file and the server: a streaming rewriter that
 * passes the table's definition (rewritten to the staging name) and its rows (INSERTs of literal
 * values into that name), drops what it knows is no part of a staged table (DROP TABLE, LOCK
 * TABLES, DISABLE KEYS, triggers and other object definitions, foreign keys, system versioning,
 * partitioning) and refuses, in one line, anything it cannot classify. Nothing else of the file
 * reaches the server: a trigger written as `db`.`trg` AFTER DELETE ON `db`.`t` (as crm-rescue's
 * own audit names them) would otherwise be created on the live table.
 *
 * Session settings of the dump pass only when they cannot change how a statement is read
 * (no NO_BACKSLASH_ESCAPES or ANSI_QUOTES, no multi-byte client character set that can hide a
 * quote), so the server reads every string exactly where this filter does. Rows are checked
 * byte by byte as they stream (strings, numbers, hex, NULL, charset introducers; no function
 * call, variable, subquery or comment): a file of any size passes through a few kilobytes of
 * memory, apart from one statement other than an INSERT (a definition), capped at 16 MiB.
 *
 * With `keep` (targeted staging), each row is held until its `)` (so one row's worth of memory,
 * a large blob included) and passes only when its key is wanted; an INSERT's head waits for its
 * first kept row. Every byte sent is checked as above. A row is asked about as soon as its key
 * values are read; the rest of a row not wanted (never sent) is only scanned for where it ends,
 * reading strings and `)` exactly as the check does. Anything else there (a parenthesis, a
 * comment, a name in backquotes, a wrong number of values) has the check read the row again
 * from its `(`, as if it had not been skipped.
 */
export interface MysqlFilterOptions {
  /** The table the file is the dump of, as the backup names it. */
  table: string;
  /** The staged table, quoted and qualified (`` `db`.`t` ``): every statement passed names it. */
  target: string;
  /** Only rows whose key columns' values the matcher accepts pass (targeted staging); an INSERT none of whose rows pass is left out whole. */
  keep?: RowKeep;
}

/**
 * Which rows to stage, by key. The filter errs on the side of passing: a row whose key it cannot
 * read as a literal (an expression, a string in a character set it does not decode) passes
 * without asking, and when it cannot tell where the key is (`keepDisabled`) every row passes.
 */
export interface RowKeep {
  /** Column names, as in the table's CREATE TABLE. */
  columns: string[];
  /**
   * Values of `columns` in that order, decoded to text: a string unescaped (UTF-8), a number as
   * written, hex as `0x` + lower-case digits; null for NULL. Returns true to keep the row.
   */
  match(values: (string | null)[]): boolean;
}

/** What the file held besides the table and its rows (all left out). */
export interface FilterReport {
  dropped: string[];
  /** INSERT statements passed. */
  inserts: number;
}

const MAX_STATEMENT = 16 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
const SQ = 0x27;
const DQ = 0x22;
const BT = 0x60;
const BS = 0x5c;
const NL = 0x0a;
const LINE_COMMENT = 1;
const BLOCK_COMMENT = 2;

const SAFE_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'latin1', 'ascii', 'binary']);
const SAFE_COLLATION = /^(?:(?:utf8mb4|utf8mb3|utf8|latin1|ascii)_[a-z0-9_]+|binary)$/i;
/** SQL modes that do not change how a string or identifier is read nor what value a literal gives. */
const SAFE_MODES = new Set([
  '',
  'ALLOW_INVALID_DATES',
  'ERROR_FOR_DIVISION_BY_ZERO',
  'HIGH_NOT_PRECEDENCE',
  'IGNORE_SPACE',
  'NO_AUTO_CREATE_USER',
  'NO_AUTO_VALUE_ON_ZERO',
  'NO_DIR_IN_CREATE',
  'NO_ENGINE_SUBSTITUTION',
  'NO_FIELD_OPTIONS',
  'NO_KEY_OPTIONS',
  'NO_TABLE_OPTIONS',
  'NO_UNSIGNED_SUBTRACTION',
  'NO_ZERO_DATE',
  'NO_ZERO_IN_DATE',
  'ONLY_FULL_GROUP_BY',
  'PAD_CHAR_TO_FULL_LENGTH',
  'REAL_AS_FLOAT',
  'SIMULTANEOUS_ASSIGNMENT',
  'STRICT_ALL_TABLES',
  'STRICT_TRANS_TABLES',
  'TIME_ROUND_FRACTIONAL',
  'TRADITIONAL',
]);
/** Session variables a dump may set, and what a value must look like. */
const SESSION_VARS: Record<string, (v: Tok) => boolean> = {
  character_set_client: (v) => SAFE_CHARSETS.has(literal(v).toLowerCase()),
  character_set_results: (v) => SAFE_CHARSETS.has(literal(v).toLowerCase()) || v.v === 'NULL',
  character_set_connection: (v) => SAFE_CHARSETS.has(literal(v).toLowerCase()),
  collation_connection: (v) => SAFE_COLLATION.test(literal(v)),
  time_zone: (v) => v.t === 'str' && /^(?:[+-]\d{1,2}:\d{2}|SYSTEM|[A-Za-z][A-Za-z0-9_/+-]*)$/.test(literal(v)),
  sql_mode: (v) =>
    (v.t === 'str' || v.t === 'word') &&
    literal(v)
      .split(',')
      .every((m) => SAFE_MODES.has(m.trim().toUpperCase())),
  unique_checks: (v) => /^(?:0|1|ON|OFF)$/i.test(literal(v)),
  foreign_key_checks: (v) => /^(?:0|1|ON|OFF)$/i.test(literal(v)),
  sql_notes: (v) => /^(?:0|1|ON|OFF)$/i.test(literal(v)),
};
/** Storage engines a staged table may use: rows live in the table itself. */
const ENGINES = new Set(['INNODB', 'MYISAM', 'ARIA', 'MEMORY', 'HEAP']);
/** Table options that say how the table stores its own rows, nothing else. */
const TABLE_OPTIONS = new Set([
  'AUTO_INCREMENT',
  'AVG_ROW_LENGTH',
  'CHARSET',
  'CHECKSUM',
  'COLLATE',
  'COMMENT',
  'COMPRESSION',
  'DELAY_KEY_WRITE',
  'ENCRYPTED',
  'ENCRYPTION_KEY_ID',
  'ENGINE',
  'KEY_BLOCK_SIZE',
  'MAX_ROWS',
  'MIN_ROWS',
  'PACK_KEYS',
  'PAGE_CHECKSUM',
  'PAGE_COMPRESSED',
  'PAGE_COMPRESSION_LEVEL',
  'ROW_FORMAT',
  'STATS_AUTO_RECALC',
  'STATS_PERSISTENT',
  'STATS_SAMPLE_PAGES',
  'TRANSACTIONAL',
]);
/** Definitions of other objects: known, and never part of a staged table. */
const OTHER_OBJECTS = new Set(['TRIGGER', 'VIEW', 'PROCEDURE', 'FUNCTION', 'EVENT', 'SEQUENCE']);
/** The session a staged load starts in, before the dump's own settings: see the class comment. */
const PREAMBLE = "SET NAMES utf8mb4;\nSET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO', SESSION foreign_key_checks = 0, SESSION unique_checks = 0;\n";

/** One token of a statement (latin1 text: one char per byte, so bytes pass unchanged). */
interface Tok {
  t: 'word' | 'ident' | 'str' | 'num' | 'var' | 'sysvar' | 'p';
  /** As written. */
  text: string;
  /** Words upper-cased, identifiers unquoted, variables lower-cased without `@`/`@@session.`. */
  v: string;
  /** Whitespace or a comment before it. */
  sp: boolean;
}

/** The dump file streamed in; the statements to run streamed out. Errors are UserErrors. */
export class MysqlTableFilter extends Transform {
  readonly report: FilterReport = { dropped: [], inserts: 0 };
  /** The UserError that stopped the stream, if one did. */
  refusal: UserError | null = null;
  private readonly tableLatin1: string;
  private readonly target: string;
  private buf = Buffer.alloc(1 << 16);
  private len = 0;
  private pos = 0;
  private q = 0;
  private esc = false;
  private vc = false;
  private first: string | null = null;
  private onlySpace = true;
  private delim = Buffer.from(';');
  private mode: 'stmt' | 'values' = 'stmt';
  private created = false;
  /** User variables holding a saved session variable (`SET @saved = @@x`): which one. */
  private readonly saved = new Map<string, string>();
  // Values mode.
  private vq = 0;
  private num = 0;
  private word: string | null = null;
  private prevDash = false;
  /** Rows seen and passed by `keep` (counted only while it applies). */
  readonly rowCounts = { seen: 0, kept: 0 };
  /** Why `keep` no longer applies (every row passes from then on), or null. */
  keepDisabled: string | null = null;
  /** Does the client character set of the dump's strings decode as UTF-8? */
  private clientUtf8 = true;
  /** Whether user variables holding a saved character_set_client hold a UTF-8 one. */
  private readonly savedUtf8 = new Map<string, boolean>();
  // Keep: where the key columns are (for the table's own column order, and the last column list).
  private tableKeys: { pos: Int32Array; fields: number } | null = null;
  private listKeys: { list: string; pos: Int32Array; fields: number } | null = null;
  // Keep, values mode: this INSERT's rows are filtered one by one.
  private filtering = false;
  /** The INSERT's head, sent before its first row kept (never, when none is). */
  private head: Buffer | null = null;
  private keyPos: Int32Array = new Int32Array(0);
  private fields = 0;
  /** Start and end (row offsets) of each value up to the last key one, of the current row. */
  private spans: Int32Array = new Int32Array(0);
  private depth = 0;
  private field = 0;
  private fieldFrom = 0;
  /** Outside rows: 0 before a row (after VALUES or a comma), 1 after one. */
  private between = 0;
  private rowStart = 0;
  /** Row offset = chunk index + rowBase. */
  private rowBase = 0;
  /** The row began in an earlier chunk: its bytes so far are in rowBuf. */
  private spanned = false;
  private rowBuf = Buffer.alloc(0);
  private rowLen = 0;
  /** Kept rows of the chunk not sent yet: [run, runEnd), or run -1. */
  private run = -1;
  private runEnd = 0;
  /** The last of the key values' positions in a row: once it is read, the row is asked about. */
  private lastKey = 0;
  /** The matcher's answer for the current row (1 keep, 0 drop), or -1 before it is asked. */
  private verdict = -1;
  /** The rest of a row the matcher did not want is being skipped (skipRow). */
  private skipping = false;
  /** Skipping: the quote of the string the chunk ended in (0: outside strings). */
  private skipQuote = 0;
  /** Skipping: the chunk ended on a backslash inside that string (the next byte is escaped). */
  private skipEsc = false;
  /** Skipping: the chunk ended on a `-` outside strings. */
  private skipDash = false;

  constructor(private readonly opts: MysqlFilterOptions) {
    super();
    this.tableLatin1 = Buffer.from(opts.table, 'utf8').toString('latin1');
    this.target = Buffer.from(opts.target, 'utf8').toString('latin1');
    if (opts.keep && !opts.keep.columns.length) this.keepDisabled = 'no key columns were given';
    this.push(PREAMBLE);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.feed(chunk, false);
      cb();
    } catch (err) {
      cb(this.fail(err));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.feed(Buffer.alloc(0), true);
      if (this.mode === 'values') throw refuse(this.opts.table, 'its file ends inside an INSERT statement');
      if (!this.created) throw refuse(this.opts.table, 'its file holds no CREATE TABLE for the table');
      cb();
    } catch (err) {
      cb(this.fail(err));
    }
  }

  private fail(err: unknown): Error {
    if (err instanceof UserError) this.refusal = err;
    return err as Error;
  }

  private feed(chunk: Buffer, eof: boolean): void {
    let data = chunk;
    for (;;) {
      if (this.mode === 'values') {
        const rest = this.values(data, 0);
        if (!rest) return;
        data = rest;
        continue;
      }
      this.append(data);
      data = EMPTY;
      const rest = this.statements(eof);
      if (rest) {
        // An INSERT's head is complete: what follows VALUES is rows.
        data = rest;
        continue;
      }
      if (eof && this.len > 0) {
        if (this.q === BLOCK_COMMENT || this.q === SQ || this.q === DQ || this.q === BT)
          throw refuse(this.opts.table, 'its file ends inside a quoted string or comment');
        const tail = this.buf.toString('latin1', 0, this.len);
        this.consume(this.len);
        // The mysql client would run a last statement without a delimiter too.
        this.statement(tail);
      }
      return;
    }
  }

  /** Sends statement text (latin1: one char per byte of the file). */
  private out(text: string): void {
    this.push(Buffer.from(text, 'latin1'));
  }

  private append(data: Buffer): void {
    if (!data.length) return;
    if (this.len + data.length > this.buf.length) {
      if (this.len + data.length > MAX_STATEMENT + 65536)
        throw refuse(this.opts.table, `its file holds a statement over ${MAX_STATEMENT >> 20} MiB that is not an INSERT`);
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + data.length));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    data.copy(this.buf, this.len);
    this.len += data.length;
  }

  /** Drops the first `n` bytes of the statement buffer. */
  private consume(n: number): void {
    this.buf.copy(this.buf, 0, n, this.len);
    this.len -= n;
    this.pos = 0;
    this.q = 0;
    this.esc = false;
    this.vc = false;
    this.first = null;
    this.onlySpace = true;
  }

  /**
   * Splits the buffer into statements at the delimiter (outside strings and comments), handling
   * DELIMITER lines like the mysql client. Returns the bytes after `VALUES` when an INSERT's
   * head is complete (values mode begins), else null when more input is needed.
   */
  private statements(eof: boolean): Buffer | null {
    for (;;) {
      const b = this.buf;
      const len = this.len;
      const i = this.pos;
      if (i >= len) return null;
      const c = b[i];
      if (this.q === SQ || this.q === DQ) {
        if (this.esc) this.esc = false;
        else if (c === BS) this.esc = true;
        else if (c === this.q) this.q = 0;
        this.pos++;
        continue;
      }
      if (this.q === BT) {
        if (c === BT) this.q = 0;
        this.pos++;
        continue;
      }
      if (this.q === LINE_COMMENT) {
        if (c === NL) this.q = 0;
        this.pos++;
        continue;
      }
      if (this.q === BLOCK_COMMENT) {
        if (c === 0x2a) {
          if (i + 1 >= len) {
            if (!eof) return null;
          } else if (b[i + 1] === 0x2f) {
            this.q = 0;
            this.pos += 2;
            continue;
          }
        }
        this.pos++;
        continue;
      }
      if (this.onlySpace && (c === 0x44 || c === 0x64)) {
        // A DELIMITER line (a mysql client command, not SQL).
        const nl = b.indexOf(NL, i);
        if (nl < 0 || nl >= len) {
          if (!eof) return null;
        }
        const lineEnd = nl < 0 || nl >= len ? len : nl;
        const m = /^delimiter[ \t]+(\S+)[ \t\r]*$/i.exec(b.toString('latin1', i, lineEnd));
        if (m) {
          this.delim = Buffer.from(m[1], 'latin1');
          this.consume(Math.min(len, lineEnd + 1));
          continue;
        }
      }
      const d = this.delim;
      if (c === d[0]) {
        if (i + d.length > len) {
          if (!eof) return null;
        } else if (b.compare(d, 0, d.length, i, i + d.length) === 0) {
          this.statement(b.toString('latin1', 0, i));
          this.consume(i + d.length);
          continue;
        }
      }
      if (c === 0x20 || c === 0x09 || c === NL || c === 0x0d) {
        this.pos++;
        continue;
      }
      if (c === 0x23) {
        this.q = LINE_COMMENT;
        this.pos++;
        continue;
      }
      if (c === 0x2d || c === 0x2f || (c === 0x2a && this.vc)) {
        if (i + 3 >= len && !eof) return null;
        if (c === 0x2d && b[i + 1] === 0x2d && (i + 2 >= len || b[i + 2] <= 0x20)) {
          this.q = LINE_COMMENT;
          this.pos += 2;
          continue;
        }
        if (c === 0x2f && b[i + 1] === 0x2a) {
          const bang = b[i + 2] === 0x21 ? 3 : b[i + 2] === 0x4d && b[i + 3] === 0x21 ? 4 : 0;
          if (bang && !this.vc) {
            this.vc = true;
            this.onlySpace = false;
            this.pos += bang;
          } else {
            this.q = BLOCK_COMMENT;
            this.pos += 2;
          }
          continue;
        }
        if (c === 0x2a && b[i + 1] === 0x2f) {
          this.vc = false;
          this.pos += 2;
          continue;
        }
      }
      this.onlySpace = false;
      if (c === SQ || c === DQ || c === BT) {
        this.q = c;
        this.pos++;
        continue;
      }
      if (isWordByte(c)) {
        let j = i;
        while (j < len && isWordByte(b[j])) j++;
        if (j >= len && !eof) return null;
        const word = b.toString('latin1', i, j).toUpperCase();
        this.pos = j;
        if (this.first === null) this.first = word;
        else if ((this.first === 'INSERT' || this.first === 'REPLACE') && (word === 'VALUES' || word === 'VALUE')) {
          this.insertHead(b.toString('latin1', 0, j));
          const rest = Buffer.from(b.subarray(j, len));
          this.len = 0;
          this.consume(0);
          this.mode = 'values';
          this.vq = 0;
          this.num = 0;
          this.word = null;
          this.prevDash = false;
          return rest;
        }
        continue;
      }
      this.pos++;
    }
  }

  /** One complete statement other than an INSERT's rows: passed rewritten, dropped, or refused. */
  private statement(text: string): void {
    const toks = tokenize(text, this.opts.table);
    if (!toks.length) return;
    const head = toks[0].v;
    const kind = toks[0].t === 'word' ? head : '';
    switch (kind) {
      case 'SET':
        this.set(toks);
        return;
      case 'DROP':
        if (toks[1]?.v === 'TABLE' && this.namesTable(toks, toks[2]?.v === 'IF' ? 4 : 2)) return this.leaveOut('DROP TABLE');
        if (toks[1]?.t === 'word' && OTHER_OBJECTS.has(toks[1].v)) return this.leaveOut(`DROP ${toks[1].v}`);
        break;
      case 'DO':
        // A sequence's position (MariaDB dumps sequences as DO SETVAL): never run.
        if (toks[1]?.v === 'SETVAL') return this.leaveOut('DO SETVAL');
        break;
      case 'LOCK':
      case 'UNLOCK':
        // Never run: a LOCK TABLES of a live table would hold the CRM up for the whole load.
        if (toks[1]?.v === 'TABLES' || toks[1]?.v === 'TABLE') return this.leaveOut(`${kind} TABLES`);
        break;
      case 'ALTER':
        if (
          toks[1]?.v === 'TABLE' &&
          this.namesTable(toks, 2, 2) &&
          /^(?:DISABLE|ENABLE) KEYS$/.test(
            toks
              .slice(-2)
              .map((t) => t.v)
              .join(' '),
          )
        )
          return this.leaveOut('ALTER TABLE … KEYS');
        if (toks[1]?.v === 'DATABASE') return this.leaveOut('ALTER DATABASE');
        break;
      case 'USE':
        return this.leaveOut('USE');
      case 'CREATE': {
        const what = toks.find((t, k) => k > 0 && t.t === 'word' && (OTHER_OBJECTS.has(t.v) || t.v === 'TABLE' || t.v === 'DATABASE' || t.v === 'SCHEMA'));
        if (what && OTHER_OBJECTS.has(what.v)) return this.leaveOut(`CREATE ${what.v}`);
        if (toks[1]?.v === 'TABLE') {
          if (this.created) throw refuse(this.opts.table, 'its file holds a second CREATE TABLE');
          this.out(`${this.createTable(toks)};\n`);
          this.created = true;
          return;
        }
        break;
      }
    }
    throw refuse(this.opts.table, `its file holds a statement staging does not run (${preview(toks)})`);
  }

  private leaveOut(what: string): void {
    if (!this.report.dropped.includes(what)) this.report.dropped.push(what);
  }

  /** Does the name at `i` (`t` or `db`.`t`) name this file's table, followed by exactly `after` tokens? */
  private namesTable(toks: Tok[], i: number, after = 0): boolean {
    const n = readName(toks, i);
    return !!n && n.name === this.tableLatin1 && n.next === toks.length - after;
  }

  /** SET: the session settings that cannot change how statements are read; refused otherwise. */
  private set(toks: Tok[]): void {
    if (toks[1]?.v === 'NAMES') {
      const cs = toks[2];
      const collate = toks[3]?.v === 'COLLATE' ? toks[4] : null;
      const ok =
        cs && SAFE_CHARSETS.has(literal(cs).toLowerCase()) && (toks.length === 3 || (collate && toks.length === 5 && SAFE_COLLATION.test(literal(collate))));
      if (!ok) throw refuse(this.opts.table, `its file sets a client character set staging does not read (${preview(toks)})`);
      this.clientUtf8 = isUtf8(literal(cs));
      this.out(`SET NAMES ${join(toks.slice(2))};\n`);
      return;
    }
    const out: string[] = [];
    for (const part of splitTop(toks.slice(1))) {
      let k = 0;
      if (part[k]?.t === 'word' && (part[k].v === 'SESSION' || part[k].v === 'LOCAL')) k++;
      const target = part[k];
      const eq = part[k + 1];
      const value = part.slice(k + 2);
      if (!target || !eq || (eq.text !== '=' && eq.text !== ':=') || value.length !== 1)
        throw refuse(this.opts.table, `its file holds a SET staging does not run (${preview(toks)})`);
      const v = value[0];
      if (target.t === 'var') {
        // A user variable only ever holds a saved session setting, restored later.
        if (v.t === 'sysvar' && v.v in SESSION_VARS) {
          this.saved.set(target.v, v.v);
          if (v.v === 'character_set_client') this.savedUtf8.set(target.v, this.clientUtf8);
          out.push(`@${target.v} = @@SESSION.${v.v}`);
        } else this.saved.delete(target.v);
        continue;
      }
      const name = target.t === 'sysvar' ? target.v : target.t === 'word' ? target.v.toLowerCase() : '';
      const check = SESSION_VARS[name];
      if (!check) throw refuse(this.opts.table, `its file sets ${target.text}, which staging does not set`);
      if (v.t === 'var') {
        if (this.saved.get(v.v) !== name) throw refuse(this.opts.table, `its file sets ${target.text} from a variable that does not hold its saved value`);
        if (name === 'character_set_client') this.clientUtf8 = this.savedUtf8.get(v.v) ?? false;
        out.push(`SESSION ${name} = @${v.v}`);
      } else if (check(v)) {
        if (name === 'character_set_client') this.clientUtf8 = isUtf8(literal(v));
        out.push(`SESSION ${name} = ${v.text}`);
      } else throw refuse(this.opts.table, `its file sets ${name} to ${v.text}, which would change how staging reads the file`);
    }
    if (out.length) this.out(`SET ${out.join(', ')};\n`);
  }

  /** `CREATE TABLE`, rewritten: the staging name, the table's own columns and keys only. */
  private createTable(toks: Tok[]): string {
    const t = this.opts.table;
    let i = 2;
    if (toks[i]?.v === 'IF' && toks[i + 1]?.v === 'NOT' && toks[i + 2]?.v === 'EXISTS') i += 3;
    const n = readName(toks, i);
    if (!n || n.name !== this.tableLatin1) throw refuse(t, `its CREATE TABLE is for another table (${preview(toks)})`);
    if (toks[n.next]?.text !== '(') throw refuse(t, 'its CREATE TABLE does not list columns (LIKE or SELECT)');
    const close = matching(toks, n.next);
    if (close < 0) throw refuse(t, 'its CREATE TABLE is cut short');
    const items: string[] = [];
    const columns: string[] = [];
    for (const raw of splitTop(toks.slice(n.next + 1, close))) {
      const item = this.tableItem(raw);
      if (item) items.push(join(item));
      const name = columnName(raw);
      if (name !== null) columns.push(name);
    }
    if (!items.length) throw refuse(t, 'its CREATE TABLE has no columns');
    if (this.opts.keep && this.keepDisabled === null) this.tableKeys = this.keyPositions(columns, 'CREATE TABLE');
    return `CREATE TABLE ${this.target} (\n  ${items.join(',\n  ')}\n)${this.tableOptions(toks.slice(close + 1))}`;
  }

  /** One column or key of CREATE TABLE; null when staging leaves it out. */
  private tableItem(raw: Tok[]): Tok[] | null {
    const w = (k: number) => (raw[k]?.t === 'word' ? raw[k].v : '');
    // Foreign keys (staging has no parents) and the system-time period (the staged copy is a
    // plain table of the rows the backup holds: their row start/end are values like any other).
    if (w(0) === 'FOREIGN' || (w(0) === 'CONSTRAINT' && (w(1) === 'FOREIGN' || w(2) === 'FOREIGN'))) return null;
    if (w(0) === 'PERIOD' && w(1) === 'FOR' && w(2) === 'SYSTEM_TIME') return null;
    const item: Tok[] = [];
    for (let k = 0; k < raw.length; k++) {
      const seq = (...words: string[]) => words.every((x, j) => raw[k + j]?.t === 'word' && raw[k + j].v === x);
      if (seq('GENERATED', 'ALWAYS', 'AS', 'ROW')) {
        k += 4;
        continue;
      }
      if (seq('AS', 'ROW') && (raw[k + 2]?.v === 'START' || raw[k + 2]?.v === 'END')) {
        k += 2;
        continue;
      }
      if (seq('WITH', 'SYSTEM', 'VERSIONING') || seq('WITHOUT', 'SYSTEM', 'VERSIONING')) {
        k += 2;
        continue;
      }
      if (seq('DEFAULT') && raw[k + 1]?.t === 'word' && /^(?:NEXTVAL|LASTVAL|SETVAL)$/.test(raw[k + 1].v) && raw[k + 2]?.text === '(') {
        // A sequence's next value: the staged rows bring their own, and the sequence is live's.
        const end = matching(raw, k + 2);
        if (end < 0) throw refuse(this.opts.table, 'a column default is cut short');
        k = end;
        continue;
      }
      if (seq('DEFAULT', 'NEXT', 'VALUE', 'FOR') || seq('DEFAULT', 'PREVIOUS', 'VALUE', 'FOR')) {
        const n = readName(raw, k + 4);
        if (!n) throw refuse(this.opts.table, 'a column default names no sequence');
        k = n.next - 1;
        continue;
      }
      item.push(raw[k]);
    }
    for (let k = 0; k < item.length; k++) {
      const tk = item[k];
      if (tk.t === 'var' || tk.t === 'sysvar' || (tk.t === 'word' && (tk.v === 'SELECT' || tk.v === 'REFERENCES'))) {
        throw refuse(this.opts.table, `its CREATE TABLE refers to something outside the table (${preview(item)})`);
      }
      if (tk.text === '.' && (item[k - 1]?.t === 'ident' || item[k - 1]?.t === 'word') && (item[k + 1]?.t === 'ident' || item[k + 1]?.t === 'word')) {
        throw refuse(this.opts.table, `its CREATE TABLE refers to another database's object (${preview(item)})`);
      }
      if (tk.t === 'p' && (tk.text === ';' || tk.text === '\\')) throw refuse(this.opts.table, `its CREATE TABLE holds ${tk.text} outside a string`);
    }
    return item;
  }

  /** Table options: how the table stores its own rows; partitioning and versioning left out. */
  private tableOptions(toks: Tok[]): string {
    const out: Tok[] = [];
    for (let k = 0; k < toks.length;) {
      const tk = toks[k];
      if (tk.text === ',') {
        k++;
        continue;
      }
      // MariaDB writes engine-defined options quoted: `PAGE_COMPRESSED`='1'.
      if (tk.t !== 'word' && !(tk.t === 'ident' && TABLE_OPTIONS.has(tk.v.toUpperCase()))) {
        throw refuse(this.opts.table, `its CREATE TABLE has a table option staging does not know (${preview(toks.slice(k))})`);
      }
      if (tk.v === 'PARTITION') break;
      if (tk.v === 'WITH' && toks[k + 1]?.v === 'SYSTEM' && toks[k + 2]?.v === 'VERSIONING') {
        k += 3;
        continue;
      }
      let nameLen = 1;
      if (tk.v === 'DEFAULT') nameLen++;
      let name = toks[k + nameLen - 1]?.v.toUpperCase();
      if (name === 'CHARACTER' && toks[k + nameLen]?.v === 'SET') {
        nameLen++;
        name = 'CHARSET';
      }
      if (!name || !TABLE_OPTIONS.has(name))
        throw refuse(this.opts.table, `its CREATE TABLE has a table option staging does not use (${preview(toks.slice(k))})`);
      let v = k + nameLen;
      if (toks[v]?.text === '=') v++;
      const value = toks[v];
      if (!value || !['word', 'num', 'str', 'ident'].includes(value.t))
        throw refuse(this.opts.table, `its CREATE TABLE has a table option without a value (${name})`);
      if (name === 'ENGINE' && !ENGINES.has(literal(value).toUpperCase())) {
        throw refuse(
          this.opts.table,
          `it is a table of engine ${literal(value)}, whose rows are not in the table itself; staging loads InnoDB, MyISAM, Aria and MEMORY tables`,
        );
      }
      out.push(...toks.slice(k, v + 1));
      k = v + 1;
    }
    return out.length ? ` ${join(out)}` : '';
  }

  /** `INSERT INTO t [(cols)] VALUES`: passed with the staging name. */
  private insertHead(text: string): void {
    const t = this.opts.table;
    if (!this.created) throw refuse(t, 'its file holds rows before the table definition');
    if (this.delim.toString() !== ';') throw refuse(t, 'its file holds an INSERT under another delimiter');
    if (this.vc) throw refuse(t, 'its file holds an INSERT inside a version comment');
    const toks = tokenize(text, t);
    // mysqldump --insert-ignore / --replace and mydumper -N write `INSERT IGNORE` / `REPLACE`:
    // passed as written (into the staged table, they only say what a duplicate key does).
    const verb = toks[0].v === 'REPLACE' ? 'REPLACE' : toks[1]?.v === 'IGNORE' ? 'INSERT IGNORE' : 'INSERT';
    const into = verb === 'INSERT IGNORE' ? 2 : 1;
    const n = toks[into]?.v === 'INTO' ? readName(toks, into + 1) : null;
    if (!n || n.name !== this.tableLatin1) throw refuse(t, `its file holds an INSERT staging does not run (${preview(toks)})`);
    let k = n.next;
    let cols = '';
    let list: Tok[] | null = null;
    if (toks[k]?.text === '(') {
      const close = matching(toks, k);
      list = toks.slice(k + 1, close);
      if (close < 0 || list.some((x, j) => (j % 2 === 0 ? x.t !== 'ident' && x.t !== 'word' : x.text !== ',')))
        throw refuse(t, `its INSERT names columns staging cannot read (${preview(toks)})`);
      cols = ` (${join(list)})`;
      k = close + 1;
    }
    if (k !== toks.length - 1) throw refuse(t, `its file holds an INSERT staging does not run (${preview(toks)})`);
    const head = `${verb} INTO ${this.target}${cols} VALUES `;
    if (this.opts.keep && this.keepDisabled === null && this.filterRows(list)) {
      // Sent with the first row kept: an INSERT none of whose rows is wanted is left out whole.
      this.head = Buffer.from(head, 'latin1');
      return;
    }
    this.report.inserts++;
    this.out(head);
  }

  /** Where `keep`'s columns are among `columns` (in VALUES order), or null (keepDisabled set). */
  private keyPositions(columns: string[], where: string): { pos: Int32Array; fields: number } | null {
    const lower = columns.map((c) => c.toLowerCase());
    const wanted = this.opts.keep!.columns;
    const pos = new Int32Array(wanted.length);
    for (let k = 0; k < wanted.length; k++) {
      // Column names are case-insensitive in MySQL.
      pos[k] = lower.indexOf(wanted[k].toLowerCase());
      if (pos[k] < 0) {
        this.keepDisabled = `column ${wanted[k]} is not in the ${where}`;
        return null;
      }
    }
    return { pos, fields: columns.length };
  }

  /** Prepares to filter the rows of an INSERT with column list `list` (null: the table's columns); false when `keep` cannot apply. */
  private filterRows(list: Tok[] | null): boolean {
    let keys = this.tableKeys;
    if (list) {
      const names = list.filter((_, j) => j % 2 === 0).map((x) => Buffer.from(x.t === 'ident' ? x.v : x.text, 'latin1').toString('utf8'));
      const key = names.join('\0');
      // mydumper -c writes the same list in every INSERT of a table: worked out once.
      if (this.listKeys?.list !== key) {
        const found = this.keyPositions(names, "INSERT's column list");
        this.listKeys = found && { list: key, ...found };
      }
      keys = this.listKeys;
    }
    if (!keys || this.keepDisabled !== null) return false;
    this.filtering = true;
    this.keyPos = keys.pos;
    this.fields = keys.fields;
    this.lastKey = Math.max(...keys.pos);
    const spans = 2 * (this.lastKey + 1);
    if (this.spans.length !== spans) this.spans = new Int32Array(spans);
    this.verdict = -1;
    this.skipping = false;
    this.depth = 0;
    this.between = 0;
    this.spanned = false;
    this.rowLen = 0;
    this.run = -1;
    return true;
  }

  /**
   * Rows of one INSERT, checked as they stream: literals only. Returns the bytes after the
   * statement's `;` (statement mode resumes there), or null when the chunk ended inside it.
   */
  private values(chunk: Buffer, from: number): Buffer | null {
    const n = chunk.length;
    const start = from;
    const filtering = this.filtering;
    let i = from;
    const bad = (what: string): never => {
      throw refuse(this.opts.table, `a row holds ${what}, which is not a literal value`);
    };
    for (;;) {
      if (this.skipping) {
        const next = this.skipRow(chunk, i);
        if (next === SKIP_MORE) {
          this.endChunk(chunk, n);
          return null;
        }
        if (next === SKIP_REPLAY) {
          // The check reads the whole row again, from its `(`: as if the skip had never begun.
          this.replayRow();
          if (this.spanned) {
            // The row began in an earlier chunk: its bytes so far and the rest of this one are
            // read as one chunk (this happens at most once a chunk: a row read again is not skipped).
            const joined = Buffer.concat([this.rowBuf.subarray(0, this.rowLen), chunk.subarray(from)]);
            this.spanned = false;
            this.freeRow();
            return this.values(joined, 0);
          }
          i = this.rowStart;
        } else i = next;
      }
      while (i < n) {
        const c = chunk[i];
        if (this.vq) {
          if (this.esc) this.esc = false;
          else if (c === BS) this.esc = true;
          else if (c === this.vq) this.vq = 0;
          i++;
          continue;
        }
        if (this.num) {
          const next = numberStep(this.num, c);
          if (next === -1) bad(`a malformed number`);
          if (next > 0) {
            this.num = next;
            i++;
            continue;
          }
          this.num = 0;
        }
        if (this.word !== null) {
          if (isWordByte(c)) {
            if (this.word.length > 16 || c >= 0x80) bad('a name');
            this.word += String.fromCharCode(c);
            i++;
            continue;
          }
          const w = this.word.toUpperCase();
          this.word = null;
          const ok =
            w === 'NULL' ||
            w === 'TRUE' ||
            w === 'FALSE' ||
            /^_(?:BINARY|UTF8MB4|UTF8MB3|UTF8|LATIN1|ASCII)$/.test(w) ||
            ((w === 'X' || w === 'B' || w === 'N') && c === SQ);
          if (!ok) bad(`"${w.slice(0, 20)}"`);
        }
        const dash = c === 0x2d;
        if (dash && this.prevDash) bad('"--"');
        this.prevDash = dash;
        const outside = filtering && this.depth === 0;
        if (c === SQ || c === DQ) this.vq = c;
        else if (c >= 0x30 && c <= 0x39) this.num = c === 0x30 ? NUM_ZERO : NUM_INT;
        else if (c === 0x2e) this.num = NUM_FRAC0;
        else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) this.word = String.fromCharCode(c);
        else if (c === 0x3b) {
          if (filtering) return chunk.subarray(this.endRows(chunk, i));
          this.push(chunk.subarray(start, i + 1));
          this.push('\n');
          this.mode = 'stmt';
          return chunk.subarray(i + 1);
        } else if (c === 0x28 || c === 0x29 || c === 0x2c) {
          if (filtering) {
            this.rowByte(chunk, c, i);
            // The comma after the row's key values, and the matcher did not want the row.
            if (this.skipping) {
              i++;
              break;
            }
          }
        } else if (!(c === 0x2b || dash || c === 0x20 || c === NL || c === 0x0d || c === 0x09)) {
          bad(`"${c < 0x20 || c >= 0x7f ? `\\x${c.toString(16)}` : String.fromCharCode(c)}"`);
        }
        // Between rows only a comma: anything else would be dropped with a row or glued to one.
        if (outside && c > 0x20 && c !== 0x28 && c !== 0x2c) this.notRows();
        i++;
      }
      if (!this.skipping) break;
    }
    if (filtering) this.endChunk(chunk, n);
    else if (n > start) this.push(chunk.subarray(start, n));
    return null;
  }

  /**
   * Skips, from `i`, the rest of a row the matcher did not want, without checking its values: its
   * bytes are never sent. It must find the row's `)` exactly where values() would (and so where
   * the server does), so it reads only what values() reads alike whatever it checks: strings in
   * either quote with backslash escapes (a doubled quote is a string ending and one beginning),
   * commas (the row's number of values), numbers, words and spaces. Anything else (a parenthesis,
   * `--`, `#`, `/`, a backquote, `;`, a byte beyond ASCII) gives SKIP_REPLAY: the check reads the
   * row again. So does a row with the wrong number of values, which passes (endRow).
   * Returns the index after the row's `)`, or SKIP_MORE when the chunk ended inside the row (the
   * state to resume is kept), or SKIP_REPLAY.
   */
  private skipRow(chunk: Buffer, i: number): number {
    const n = chunk.length;
    let q = this.skipQuote;
    let dash = this.skipDash;
    let field = this.field;
    for (;;) {
      if (q !== 0) {
        // Inside a string: find its closing quote, one not escaped by a backslash.
        let j = i;
        if (this.skipEsc) {
          if (j >= n) return SKIP_MORE;
          j++;
          this.skipEsc = false;
        }
        let closed = false;
        // Short strings (most of a row's) byte by byte; a long one by indexOf.
        const near = Math.min(n, j + 64);
        while (j < near) {
          const c = chunk[j++];
          if (c === q) {
            closed = true;
            break;
          }
          if (c === BS) j++;
        }
        if (!closed) {
          if (j > n) {
            // A backslash was the chunk's last byte: the next chunk's first byte is escaped.
            this.skipEsc = true;
            this.skipQuote = q;
            return SKIP_MORE;
          }
          // j is not an escaped byte: a quote at k is escaped when an odd number of backslashes
          // (from j on) stands right before it.
          for (;;) {
            const k = j < n ? chunk.indexOf(q, j) : -1;
            if (k < 0) {
              let b = n;
              while (b > j && chunk[b - 1] === BS) b--;
              this.skipEsc = ((n - b) & 1) === 1;
              this.skipQuote = q;
              return SKIP_MORE;
            }
            let b = k;
            while (b > j && chunk[b - 1] === BS) b--;
            j = k + 1;
            if (((k - b) & 1) === 0) break;
          }
        }
        i = j;
        q = 0;
        dash = false;
      }
      // Outside strings.
      for (;;) {
        if (i >= n) {
          this.skipQuote = 0;
          this.skipDash = dash;
          this.field = field;
          return SKIP_MORE;
        }
        const c = chunk[i++];
        const k = SKIP_CLASS[c];
        if (k === SKIP_PLAIN) {
          dash = false;
          continue;
        }
        if (k === SKIP_QUOTE) {
          q = c;
          break;
        }
        if (k === SKIP_COMMA) {
          field++;
          dash = false;
          continue;
        }
        if (k === SKIP_DASH) {
          // `--` may begin a comment: values() refuses it, the check decides.
          if (dash) return SKIP_REPLAY;
          dash = true;
          continue;
        }
        if (k === SKIP_CLOSE) {
          if (field + 1 !== this.fields) return SKIP_REPLAY;
          this.skipped(chunk);
          return i;
        }
        return SKIP_REPLAY;
      }
    }
  }

  /** A row skipped to its `)`: dropped (as endRow drops one), values mode goes on after it. */
  private skipped(chunk: Buffer): void {
    this.rowCounts.seen++;
    this.skipping = false;
    this.verdict = -1;
    this.depth = 0;
    this.between = 1;
    this.prevDash = false;
    this.spanned = false;
    this.flushRun(chunk);
    this.freeRow();
  }

  /** Back to the state before the row's `(` (its bytes are read again; the matcher's answer stays). */
  private replayRow(): void {
    this.skipping = false;
    this.skipQuote = 0;
    this.skipEsc = false;
    this.skipDash = false;
    this.depth = 0;
    this.between = 0;
    this.vq = 0;
    this.esc = false;
    this.num = 0;
    this.word = null;
    this.prevDash = false;
  }

  private notRows(): never {
    throw refuse(this.opts.table, 'its file holds an INSERT whose values are not a list of rows');
  }

  /** `(`, `)` or `,` outside strings, while filtering rows: rows and their values begin and end. */
  private rowByte(chunk: Buffer, c: number, i: number): void {
    if (c === 0x28) {
      if (this.depth++ > 0) return;
      if (this.between !== 0) this.notRows();
      this.rowStart = i;
      this.rowBase = -i;
      this.field = 0;
      this.fieldFrom = 1;
      return;
    }
    if (this.depth === 0) {
      if (c === 0x29 || this.between !== 1) this.notRows();
      this.between = 0;
      return;
    }
    if (this.depth > 1) {
      if (c === 0x29) this.depth--;
      return;
    }
    const at = i + this.rowBase;
    const f = this.field;
    if (2 * f < this.spans.length) {
      this.spans[2 * f] = this.fieldFrom;
      this.spans[2 * f + 1] = at;
    }
    if (c === 0x2c) {
      this.field = f + 1;
      this.fieldFrom = at + 1;
      // The key values are read: a row not wanted need not be checked further (skipRow). Not for
      // a row begun in an earlier chunk (rare), whose key is read from rowBuf at its end.
      if (f === this.lastKey && this.verdict < 0 && !this.spanned && this.keepDisabled === null) {
        this.verdict = this.wanted(chunk, this.rowStart) ? 1 : 0;
        this.skipping = this.verdict === 0;
        this.skipQuote = 0;
        this.skipEsc = false;
        this.skipDash = false;
      }
      return;
    }
    this.depth = 0;
    this.between = 1;
    this.endRow(chunk, i);
  }

  /** A row's `)` at `i`: the row is kept (sent, or added to the run of kept rows) or dropped. */
  private endRow(chunk: Buffer, i: number): void {
    let src = chunk;
    let off = this.rowStart;
    const spanned = this.spanned;
    if (spanned) {
      this.save(chunk, 0, i + 1);
      src = this.rowBuf;
      off = 0;
    }
    this.rowCounts.seen++;
    const verdict = this.verdict;
    this.verdict = -1;
    let keep = true;
    if (this.keepDisabled === null) {
      if (this.field + 1 !== this.fields) {
        // A dump that leaves some columns out (generated ones, say) without naming the others:
        // the key cannot be found by position. The rows dropped so far had every value.
        this.keepDisabled = `a row has ${this.field + 1} values where the table has ${this.fields} columns`;
      } else keep = verdict < 0 ? this.wanted(src, off) : verdict === 1;
    }
    this.spanned = false;
    if (!keep) {
      this.flushRun(chunk);
      this.freeRow();
      return;
    }
    this.rowCounts.kept++;
    if (spanned || this.run < 0) {
      if (this.head) {
        this.push(this.head);
        this.head = null;
        this.report.inserts++;
      } else this.push(',');
    }
    if (spanned) {
      // A copy: rowBuf is reused for the next row that spans chunks.
      this.push(Buffer.from(this.rowBuf.subarray(0, this.rowLen)));
      this.freeRow();
      this.run = i + 1;
    } else if (this.run < 0) this.run = this.rowStart;
    this.runEnd = i + 1;
  }

  /** The key values of the row at `off` of `src` and the matcher's answer; true when a value cannot be read. */
  private wanted(src: Buffer, off: number): boolean {
    const pos = this.keyPos;
    const values = new Array<string | null>(pos.length);
    for (let k = 0; k < pos.length; k++) {
      const v = keyText(src, off + this.spans[2 * pos[k]], off + this.spans[2 * pos[k] + 1], this.clientUtf8);
      if (v === undefined) return true;
      values[k] = v;
    }
    return this.opts.keep!.match(values);
  }

  /** Sends the run of kept rows of `chunk` not sent yet. */
  private flushRun(chunk: Buffer): void {
    if (this.run >= 0 && this.runEnd > this.run) this.push(chunk.subarray(this.run, this.runEnd));
    this.run = -1;
  }

  /** The chunk ended inside the INSERT: kept rows sent, the bytes of an unfinished row kept. */
  private endChunk(chunk: Buffer, n: number): void {
    this.flushRun(chunk);
    if (this.depth === 0) return;
    this.save(chunk, this.spanned ? 0 : this.rowStart, n);
    this.spanned = true;
    this.rowBase = this.rowLen;
  }

  /** Done with a row that spanned chunks; the memory of a large one (a blob) is given back. */
  private freeRow(): void {
    this.rowLen = 0;
    if (this.rowBuf.length > 1 << 20) this.rowBuf = Buffer.alloc(0);
  }

  private save(chunk: Buffer, from: number, to: number): void {
    const need = this.rowLen + to - from;
    if (need > this.rowBuf.length) {
      const next = Buffer.alloc(Math.max(need, 2 * this.rowBuf.length, 1 << 16));
      this.rowBuf.copy(next, 0, 0, this.rowLen);
      this.rowBuf = next;
    }
    chunk.copy(this.rowBuf, this.rowLen, from, to);
    this.rowLen = need;
  }

  /** The INSERT's `;` at `i`, while filtering: sent when a row of it was. */
  private endRows(chunk: Buffer, i: number): number {
    if (this.depth !== 0 || this.between !== 1) this.notRows();
    this.flushRun(chunk);
    if (!this.head) this.push(';\n');
    this.head = null;
    this.filtering = false;
    this.mode = 'stmt';
    return i + 1;
  }
}

/** skipRow: the chunk ended inside the row; the check must read the row again. */
const SKIP_MORE = -1;
const SKIP_REPLAY = -2;
/** skipRow's classes of bytes outside strings; any other byte is 0 (the row is read again). */
const SKIP_PLAIN = 1;
const SKIP_QUOTE = 2;
const SKIP_COMMA = 3;
const SKIP_DASH = 4;
const SKIP_CLOSE = 5;
const SKIP_CLASS = (() => {
  const m = new Uint8Array(256);
  const set = (chars: string, k: number) => {
    for (const ch of chars) m[ch.charCodeAt(0)] = k;
  };
  // Number and word bytes, `+` and spaces: they end no string, row or statement and begin no comment.
  set('0123456789.+_ \t\r\n', SKIP_PLAIN);
  for (let c = 0x41; c <= 0x5a; c++) m[c] = m[c + 0x20] = SKIP_PLAIN;
  set(`'"`, SKIP_QUOTE);
  set(',', SKIP_COMMA);
  set('-', SKIP_DASH);
  set(')', SKIP_CLOSE);
  return m;
})();

const NUM_ZERO = 1;
const NUM_INT = 2;
const NUM_FRAC0 = 3;
const NUM_FRAC = 4;
const NUM_EXP0 = 5;
const NUM_EXPS = 6;
const NUM_EXPD = 7;
const NUM_HEX0 = 8;
const NUM_HEX = 9;
const NUM_BIN0 = 10;
const NUM_BIN = 11;

/** The next state of a number literal on byte `c`: a state (> 0), 0 (the number ended before `c`) or -1 (malformed). */
function numberStep(state: number, c: number): number {
  const digit = c >= 0x30 && c <= 0x39;
  const hex = digit || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  const e = c === 0x45 || c === 0x65;
  switch (state) {
    case NUM_ZERO:
    case NUM_INT:
      if (state === NUM_ZERO && (c === 0x78 || c === 0x58)) return NUM_HEX0;
      if (state === NUM_ZERO && (c === 0x62 || c === 0x42)) return NUM_BIN0;
      if (digit) return NUM_INT;
      if (c === 0x2e) return NUM_FRAC;
      if (e) return NUM_EXP0;
      break;
    case NUM_FRAC0:
      return digit ? NUM_FRAC : -1;
    case NUM_FRAC:
      if (digit) return NUM_FRAC;
      if (e) return NUM_EXP0;
      break;
    case NUM_EXP0:
      if (c === 0x2b || c === 0x2d) return NUM_EXPS;
      return digit ? NUM_EXPD : -1;
    case NUM_EXPS:
      return digit ? NUM_EXPD : -1;
    case NUM_EXPD:
      if (digit) return NUM_EXPD;
      break;
    case NUM_HEX0:
      return hex ? NUM_HEX : -1;
    case NUM_HEX:
      if (hex) return NUM_HEX;
      break;
    case NUM_BIN0:
      return c === 0x30 || c === 0x31 ? NUM_BIN : -1;
    case NUM_BIN:
      if (c === 0x30 || c === 0x31) return NUM_BIN;
      break;
  }
  // A letter, digit or dot right after a number makes a name (or nonsense), never a literal.
  return isWordByte(c) || c === 0x2e ? -1 : 0;
}

/** Words that begin a CREATE TABLE item other than a column. */
const NOT_COLUMNS = new Set(['PRIMARY', 'KEY', 'INDEX', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'CONSTRAINT', 'FOREIGN', 'CHECK', 'PERIOD']);

/** The column a CREATE TABLE item defines (its UTF-8 name), or null for a key, constraint or period. */
function columnName(raw: Tok[]): string | null {
  const t = raw[0];
  if (!t) return null;
  if (t.t === 'word' && (NOT_COLUMNS.has(t.v) || (t.v === 'VECTOR' && (raw[1]?.v === 'INDEX' || raw[1]?.v === 'KEY')))) return null;
  if (t.t !== 'ident' && t.t !== 'word') return null;
  return Buffer.from(t.t === 'ident' ? t.v : t.text, 'latin1').toString('utf8');
}

function isUtf8(charset: string): boolean {
  return /^utf8(?:mb[34])?$/i.test(charset);
}

function isSpaceByte(c: number): boolean {
  return c === 0x20 || c === NL || c === 0x0d || c === 0x09;
}

/** Unescaped bytes of a key string: reused, a key is small. */
let keyBytes: Buffer = Buffer.alloc(256);

/**
 * A key value as written in a row (bytes [s, e) of `b`) as RowKeep.match takes it, or undefined
 * when it is not a literal this reads (an expression, a string in a character set other than
 * UTF-8 with bytes beyond ASCII): the row is then kept, as a wanted row must never be dropped.
 */
function keyText(b: Buffer, s: number, e: number, utf8: boolean): string | null | undefined {
  while (s < e && isSpaceByte(b[s])) s++;
  while (e > s && isSpaceByte(b[e - 1])) e--;
  if (s >= e) return undefined;
  const c = b[s];
  if (c >= 0x30 && c <= 0x39) {
    // Most keys: an integer.
    let j = s + 1;
    while (j < e && b[j] >= 0x30 && b[j] <= 0x39) j++;
    if (j === e) return b.toString('latin1', s, e);
  }
  if (c === SQ || c === DQ) return quoted(b, s, e, utf8);
  if (c === 0x5f) {
    // A character set introducer: _utf8mb4'…', _binary 0x….
    let j = s + 1;
    while (j < e && isWordByte(b[j])) j++;
    const charset = b.toString('latin1', s + 1, j);
    while (j < e && isSpaceByte(b[j])) j++;
    if (b[j] === SQ || b[j] === DQ) return quoted(b, j, e, isUtf8(charset) || charset.toLowerCase() === 'binary');
    return j < e ? hex(b, j, e) : undefined;
  }
  if ((c === 0x4e || c === 0x6e) && b[s + 1] === SQ) return quoted(b, s + 1, e, true);
  const h = hex(b, s, e);
  if (h !== undefined) return h;
  const text = b.toString('latin1', s, e);
  if (/^null$/i.test(text)) return null;
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(text) || /^(?:true|false|b'[01]*'|0b[01]+)$/i.test(text)) return text;
  return undefined;
}

/** X'…' or 0x… as `0x` and lower-case digits; undefined for anything else. */
function hex(b: Buffer, s: number, e: number): string | undefined {
  let from: number;
  let to = e;
  if ((b[s] === 0x58 || b[s] === 0x78) && b[s + 1] === SQ && e - s >= 3 && b[e - 1] === SQ) {
    from = s + 2;
    to = e - 1;
  } else if (b[s] === 0x30 && (b[s + 1] === 0x78 || b[s + 1] === 0x58) && e - s >= 3) from = s + 2;
  else return undefined;
  const digits = b.toString('latin1', from, to);
  return /^[0-9a-f]*$/i.test(digits) ? `0x${digits.toLowerCase()}` : undefined;
}

/**
 * Quoted strings from `s` to `e` (adjacent ones are one string, as MySQL reads them), unescaped
 * as MySQL does: `\%` and `\_` keep their backslash, a doubled quote is one. Undefined when
 * something else follows, or when `utf8` is false and a byte is beyond ASCII.
 */
function quoted(b: Buffer, s: number, e: number, utf8: boolean): string | undefined {
  let n = 0;
  let i = s;
  while (i < e) {
    const q = b[i];
    if (q !== SQ && q !== DQ) return undefined;
    i++;
    for (;;) {
      if (i >= e) return undefined;
      let c = b[i++];
      if (c === q) {
        if (i >= e || b[i] !== q) break;
        i++;
      } else if (c === BS) {
        if (i >= e) return undefined;
        c = b[i++];
        const u = UNESCAPE[c];
        if (u < 0) {
          if (n + 2 > keyBytes.length) keyBytes = grow(keyBytes, n + 2);
          keyBytes[n++] = BS;
        } else c = u;
      }
      if (c >= 0x80 && !utf8) return undefined;
      if (n >= keyBytes.length) keyBytes = grow(keyBytes, n + 1);
      keyBytes[n++] = c;
    }
    while (i < e && isSpaceByte(b[i])) i++;
  }
  return keyBytes.toString('utf8', 0, n);
}

function grow(buf: Buffer, need: number): Buffer {
  const next = Buffer.alloc(Math.max(need, 2 * buf.length));
  buf.copy(next);
  return next;
}

/** What a backslash and byte mean in a MySQL string: the byte, or -1 for "both kept" (`\%`, `\_`). */
const UNESCAPE = (() => {
  const m = new Int16Array(256);
  for (let c = 0; c < 256; c++) m[c] = c;
  const set = (ch: string, v: number) => (m[ch.charCodeAt(0)] = v);
  set('0', 0);
  set('b', 0x08);
  set('n', NL);
  set('r', 0x0d);
  set('t', 0x09);
  set('Z', 0x1a);
  set('%', -1);
  set('_', -1);
  return m;
})();

function isWordByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c >= 0x80;
}

function refuse(table: string, why: string): UserError {
  return new UserError(
    `refusing to stage ${table} from this backup: ${why}; nothing was staged`,
    'Staging runs only the table definition and its rows; check where the backup came from',
  );
}

/** Tokens of one statement; comments dropped, MySQL's `/*!…` version comments read as code. */
function tokenize(s: string, table: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let sp = false;
  let vc = false;
  const n = s.length;
  const isWord = (ch: string | undefined) => ch !== undefined && isWordByte(ch.charCodeAt(0));
  while (i < n) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      sp = true;
      continue;
    }
    if (c === '#' || (c === '-' && s[i + 1] === '-' && (i + 2 >= n || s.charCodeAt(i + 2) <= 0x20))) {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      sp = true;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const m = /^\/\*M?!\d*/.exec(s.slice(i, i + 12));
      if (m && !vc && !s.startsWith('\\-', i + m[0].length)) {
        vc = true;
        i += m[0].length;
        sp = true;
        continue;
      }
      // A plain comment, or MariaDB's `/*M!999999\- enable the sandbox mode */` (a client
      // directive; the loading client runs in --binary-mode, which reads no client commands).
      const end = s.indexOf('*/', i + 2);
      if (end < 0) throw refuse(table, 'its file has an unterminated comment');
      i = end + 2;
      sp = true;
      continue;
    }
    if (c === '*' && s[i + 1] === '/' && vc) {
      vc = false;
      i += 2;
      sp = true;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      i++;
      while (i < n && s[i] !== c) i += s[i] === '\\' ? 2 : 1;
      if (i >= n) throw refuse(table, 'its file has an unterminated string');
      i++;
      out.push({ t: 'str', text: s.slice(start, i), v: '', sp });
    } else if (c === '`') {
      let name = '';
      i++;
      for (;;) {
        if (i >= n) throw refuse(table, 'its file has an unterminated quoted name');
        if (s[i] === '`') {
          if (s[i + 1] !== '`') break;
          name += '`';
          i += 2;
          continue;
        }
        name += s[i++];
      }
      i++;
      out.push({ t: 'ident', text: s.slice(start, i), v: name, sp });
    } else if (c === '@' && /[A-Za-z0-9_$@]/.test(s[i + 1] ?? '')) {
      const sys = s[i + 1] === '@';
      i += sys ? 2 : 1;
      const m = /^[A-Za-z0-9_$.]+/.exec(s.slice(i, i + 256));
      if (!m) throw refuse(table, `its file uses a variable staging cannot read (${s.slice(start, start + 20)})`);
      i += m[0].length;
      let v = m[0].toLowerCase();
      if (sys) {
        if (v.startsWith('global.')) throw refuse(table, `its file sets a global server variable (${m[0]})`);
        v = v.replace(/^(?:session|local)\./, '');
      }
      out.push({ t: sys ? 'sysvar' : 'var', text: s.slice(start, i), v, sp });
    } else if (/[0-9]/.test(c) && /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![A-Za-z0-9_$\x80-\xff])/.test(s.slice(i, i + 400))) {
      const m = /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(i, i + 400))!;
      i += m[0].length;
      out.push({ t: 'num', text: m[0], v: m[0], sp });
    } else if (isWord(c)) {
      while (i < n && isWord(s[i])) i++;
      const text = s.slice(start, i);
      out.push({ t: 'word', text, v: text.toUpperCase(), sp });
    } else {
      i += c === ':' && s[i + 1] === '=' ? 2 : 1;
      out.push({ t: 'p', text: s.slice(start, i), v: s.slice(start, i), sp });
    }
    sp = false;
  }
  if (vc) throw refuse(table, 'its file has an unterminated version comment');
  return out;
}

/** Tokens as text again: one space where the statement had whitespace or a comment. */
function join(toks: Tok[]): string {
  return toks.map((t, k) => (k > 0 && t.sp ? ` ${t.text}` : t.text)).join('');
}

/** The start of a statement for a message: printable ASCII, at most 60 characters. */
function preview(toks: Tok[]): string {
  const text = join(toks).replace(/\s+/g, ' ');
  const clean = Buffer.from(text, 'latin1')
    .toString('utf8')
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}

/** The value of a literal token: a string's content (simple escapes), else the text. */
function literal(t: Tok): string {
  if (t.t !== 'str') return t.t === 'ident' ? t.v : t.text;
  const q = t.text[0];
  return t.text
    .slice(1, -1)
    .replace(q === "'" ? /''/g : /""/g, q)
    .replace(/\\(.)/g, '$1');
}

/** `name` or `db.name` at `i`: the last part and the index after it. */
function readName(toks: Tok[], i: number): { name: string; next: number } | null {
  const part = (t: Tok | undefined) => (t?.t === 'ident' ? t.v : t?.t === 'word' ? t.text : null);
  const a = part(toks[i]);
  if (a === null) return null;
  if (toks[i + 1]?.text === '.') {
    const b = part(toks[i + 2]);
    return b === null ? null : { name: b, next: i + 3 };
  }
  return { name: a, next: i + 1 };
}

/** The index of the `)` closing the `(` at `open`, or -1. */
function matching(toks: Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    if (toks[k].text === '(') depth++;
    else if (toks[k].text === ')' && --depth === 0) return k;
  }
  return -1;
}

/** Splits at commas outside parentheses. */
function splitTop(toks: Tok[]): Tok[][] {
  const out: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    if (t.text === ',' && depth === 0) out.push([]);
    else out[out.length - 1].push(t);
  }
  return out.filter((p) => p.length);
}
