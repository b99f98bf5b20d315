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
 */
export interface MysqlFilterOptions {
  /** The table the file is the dump of, as the backup names it. */
  table: string;
  /** The staged table, quoted and qualified (`` `db`.`t` ``): every statement passed names it. */
  target: string;
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

  constructor(private readonly opts: MysqlFilterOptions) {
    super();
    this.tableLatin1 = Buffer.from(opts.table, 'utf8').toString('latin1');
    this.target = Buffer.from(opts.target, 'utf8').toString('latin1');
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
        const end = this.values(data, 0);
        if (end < 0) return;
        data = data.subarray(end);
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
          out.push(`@${target.v} = @@SESSION.${v.v}`);
        } else this.saved.delete(target.v);
        continue;
      }
      const name = target.t === 'sysvar' ? target.v : target.t === 'word' ? target.v.toLowerCase() : '';
      const check = SESSION_VARS[name];
      if (!check) throw refuse(this.opts.table, `its file sets ${target.text}, which staging does not set`);
      if (v.t === 'var') {
        if (this.saved.get(v.v) !== name) throw refuse(this.opts.table, `its file sets ${target.text} from a variable that does not hold its saved value`);
        out.push(`SESSION ${name} = @${v.v}`);
      } else if (check(v)) out.push(`SESSION ${name} = ${v.text}`);
      else throw refuse(this.opts.table, `its file sets ${name} to ${v.text}, which would change how staging reads the file`);
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
    for (const raw of splitTop(toks.slice(n.next + 1, close))) {
      const item = this.tableItem(raw);
      if (item) items.push(join(item));
    }
    if (!items.length) throw refuse(t, 'its CREATE TABLE has no columns');
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
    if (toks[k]?.text === '(') {
      const close = matching(toks, k);
      const list = toks.slice(k + 1, close);
      if (close < 0 || list.some((x, j) => (j % 2 === 0 ? x.t !== 'ident' && x.t !== 'word' : x.text !== ',')))
        throw refuse(t, `its INSERT names columns staging cannot read (${preview(toks)})`);
      cols = ` (${join(list)})`;
      k = close + 1;
    }
    if (k !== toks.length - 1) throw refuse(t, `its file holds an INSERT staging does not run (${preview(toks)})`);
    this.report.inserts++;
    this.out(`${verb} INTO ${this.target}${cols} VALUES `);
  }

  /**
   * Rows of one INSERT, checked as they stream: literals only. Returns the index just after the
   * statement's `;` (statement mode resumes there), or -1 when the chunk ended inside it.
   */
  private values(chunk: Buffer, from: number): number {
    const n = chunk.length;
    const start = from;
    let i = from;
    const bad = (what: string): never => {
      throw refuse(this.opts.table, `a row holds ${what}, which is not a literal value`);
    };
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
      if (c === SQ || c === DQ) this.vq = c;
      else if (c >= 0x30 && c <= 0x39) this.num = c === 0x30 ? NUM_ZERO : NUM_INT;
      else if (c === 0x2e) this.num = NUM_FRAC0;
      else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) this.word = String.fromCharCode(c);
      else if (c === 0x3b) {
        this.push(chunk.subarray(start, i + 1));
        this.push('\n');
        this.mode = 'stmt';
        return i + 1;
      } else if (!(c === 0x28 || c === 0x29 || c === 0x2c || c === 0x2b || dash || c === 0x20 || c === NL || c === 0x0d || c === 0x09)) {
        bad(`"${c < 0x20 || c >= 0x7f ? `\\x${c.toString(16)}` : String.fromCharCode(c)}"`);
      }
      i++;
    }
    if (i > start) this.push(chunk.subarray(start, i));
    return -1;
  }
}

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
