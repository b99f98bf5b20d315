import type { Readable } from 'node:stream';

/**
 * One streaming pass over a plain SQL dump (pg_dump, pg_dumpall): statements, psql meta lines and
 * COPY blocks, found by a lexer that knows quotes, dollar quotes and comments, so a `;` or a
 * `COPY … FROM stdin;` inside a string never splits anything. Nothing is executed or interpreted
 * here. Text is handled as latin1 strings (one char per byte): byte-exact whatever the dump's
 * encoding, and a COPY block is skipped with indexOf, never line by line.
 */

/** What the pass finds, in file order. */
export type ScanEvent =
  /** A psql meta-command line (`\connect db`, `\restrict KEY`), latin1. */
  | { kind: 'meta'; line: string }
  /** A `--` comment line between statements, latin1. */
  | { kind: 'comment'; line: string }
  /** A statement the caller asked to capture (`want` said 'capture'), latin1, with its `;`. */
  | { kind: 'statement'; text: string; bytes: number }
  /** A statement the caller asked to measure: its head and size. */
  | { kind: 'measured'; head: string; bytes: number }
  /** A `COPY … FROM stdin;` statement, latin1; its data follows (set `emitCopy` before the next event to receive it). */
  | { kind: 'copy'; header: string }
  /** COPY data lines (whole lines), bytes as in the dump. */
  | { kind: 'copy-data'; data: Buffer }
  /** The `\.` line: the block's line count and bytes. */
  | { kind: 'copy-end'; rows: number; bytes: number };

/** What to do with a statement, told from its first chars (up to HEAD chars). */
export type Interest = 'capture' | 'measure' | 'skip';

const HEAD = 600;

/** The dump ended in the middle of something (a truncated file that still decompressed cleanly). */
export class DumpEndedError extends Error {}

export class SqlScanner {
  /** Set on a 'copy' event: whether the block's data is wanted as copy-data events. */
  emitCopy = false;
  /** Count a skipped COPY block's lines (an index pass; an extract pass does not need them). */
  countRows = true;
  /** Backslash escapes in every '…' string (after `SET standard_conforming_strings = off`). */
  private backslashStrings = false;

  constructor(
    private readonly input: Readable,
    private readonly want: (head: string) => Interest,
  ) {}

  async *events(): AsyncGenerator<ScanEvent> {
    let buf = '';
    let pos = 0;
    let ended = false;
    const it = this.input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    // Statement state.
    type Mode = 'between' | 'meta' | 'comment' | 'stmt' | 'copy';
    let mode: Mode = 'between';
    let stmtStart = 0;
    let interest: Interest | null = null;
    let stmtBytes = 0;
    let head = '';
    type Sub = { t: 'normal' } | { t: 'squote'; esc: boolean } | { t: 'dquote' } | { t: 'dollar'; tag: string } | { t: 'line' } | { t: 'block'; depth: number };
    let sub: Sub = { t: 'normal' };
    let isCopy = false;
    let forced = false;
    // COPY state.
    let copyRows = 0;
    let copyBytes = 0;
    let copyLineStart = true;
    // A line being collected (meta, comment), capped: such lines are short.
    let line = '';
    let skipToLineEnd = false;
    const countRows = () => this.countRows;
    const emitCopy = () => this.emitCopy;
    const backslashStrings = () => this.backslashStrings;

    const more = async (): Promise<boolean> => {
      if (ended) return false;
      const r = await it.next();
      if (r.done) {
        ended = true;
        return false;
      }
      // Keep only what is still needed: a captured or unclassified statement from its start.
      if (mode === 'stmt' && interest !== null && interest !== 'capture' && !isCopy) {
        stmtBytes += pos - stmtStart;
        stmtStart = pos;
      }
      // Two chars more: the lexer looks back at them (E'…', a `$` inside an identifier).
      const keepFrom = Math.max(0, (mode === 'stmt' ? stmtStart : pos) - 2);
      buf = buf.slice(keepFrom) + r.value.toString('latin1');
      pos -= keepFrom;
      stmtStart -= keepFrom;
      return true;
    };

    const classify = () => {
      // The statement's first chars only (up to where the lexer is): the same whatever the chunks.
      const h = buf.slice(stmtStart, Math.min(pos, stmtStart + HEAD));
      isCopy = /^COPY\s/i.test(h);
      head = h;
      interest = isCopy ? 'capture' : this.want(h);
      // The lexer itself needs these (how strings escape), whatever the caller wants.
      forced = interest !== 'capture' && /^SET\s+standard_conforming_strings\b/i.test(h);
      if (forced) interest = 'capture';
    };

    try {
      for (;;) {
        if (pos >= buf.length && !(await more())) break;
        if (mode === 'between') {
          const c = buf[pos];
          if (c === '\n') pos++;
          else if (c === ' ' || c === '\t' || c === '\r') pos++;
          else if (c === '\\') {
            mode = 'meta';
            line = '';
          } else if (c === '-') {
            if (pos + 1 >= buf.length && (await more())) continue;
            if (buf[pos + 1] === '-') {
              mode = 'comment';
              line = '';
            } else startStmt();
          } else startStmt();
          continue;
        }
        if (mode === 'meta' || mode === 'comment') {
          const nl = buf.indexOf('\n', pos);
          const end = nl < 0 ? buf.length : nl;
          if (line.length < 65536) line += buf.slice(pos, Math.min(end, pos + 65536 - line.length));
          pos = end;
          if (nl < 0) continue;
          pos++;
          yield mode === 'meta' ? { kind: 'meta', line: line.replace(/\r$/, '') } : { kind: 'comment', line: line.replace(/\r$/, '') };
          mode = 'between';
          continue;
        }
        if (mode === 'copy') {
          const r = copyStep();
          if (r === 'wait') {
            if (!(await more())) throw new DumpEndedError('the dump ends inside a COPY block (no \\. line)');
            continue;
          }
          if (r.data) yield { kind: 'copy-data', data: r.data };
          if (r.done) {
            yield { kind: 'copy-end', rows: copyRows, bytes: copyBytes };
            mode = 'between';
          }
          continue;
        }
        // mode === 'stmt'
        const r = stmtStep();
        if (r === 'wait') {
          if (interest === null && pos - stmtStart >= HEAD) classify();
          if (!(await more())) {
            if (buf.slice(stmtStart).trim() === '') break;
            throw new DumpEndedError('the dump ends inside a statement');
          }
          continue;
        }
        // The statement ended at pos (after its ';').
        if (interest === null) classify();
        const text = buf.slice(stmtStart, pos);
        const bytes = stmtBytes + (pos - stmtStart);
        mode = 'between';
        if (isCopy && /\sFROM\s+stdin\s*;$/i.test(text)) {
          this.emitCopy = false;
          yield { kind: 'copy', header: text };
          // The data starts on the next line.
          mode = 'copy';
          copyRows = 0;
          copyBytes = 0;
          copyLineStart = false;
          skipToLineEnd = true;
          continue;
        }
        if (/^SET\s+standard_conforming_strings\s*=\s*'?(off|false)'?\s*;$/i.test(text)) this.backslashStrings = true;
        if (/^SET\s+standard_conforming_strings\s*=\s*'?(on|true)'?\s*;$/i.test(text)) this.backslashStrings = false;
        if (interest === 'capture' && !forced) yield { kind: 'statement', text, bytes };
        else if (interest === 'measure') yield { kind: 'measured', head, bytes };
      }
      if (mode === 'copy') throw new DumpEndedError('the dump ends inside a COPY block (no \\. line)');
    } finally {
      await it.return?.();
    }

    function startStmt() {
      mode = 'stmt';
      stmtStart = pos;
      stmtBytes = 0;
      interest = null;
      isCopy = false;
      forced = false;
      sub = { t: 'normal' };
    }

    /** Advances through COPY data: 'wait' for more input, or what was passed and whether the block ended. */
    function copyStep(): 'wait' | { data: Buffer | null; done: boolean } {
      if (skipToLineEnd) {
        const nl = buf.indexOf('\n', pos);
        if (nl < 0) {
          pos = buf.length;
          return 'wait';
        }
        pos = nl + 1;
        skipToLineEnd = false;
        copyLineStart = true;
      }
      const start = pos;
      let end = -1;
      let after = -1;
      if (copyLineStart && buf.startsWith('\\.', pos)) {
        if (buf.length - pos < 3 || (buf[pos + 2] === '\r' && buf.length - pos < 4)) return ended ? { data: null, done: true } : 'wait';
        if (buf[pos + 2] === '\n' || (buf[pos + 2] === '\r' && buf[pos + 3] === '\n')) {
          end = pos;
          after = pos + (buf[pos + 2] === '\n' ? 3 : 4);
        }
      }
      if (end < 0) {
        let from = pos;
        for (;;) {
          const i = buf.indexOf('\n\\.', from);
          if (i < 0 || i + 3 >= buf.length) break;
          const c = buf[i + 3];
          if (c === '\n') {
            end = i + 1;
            after = i + 4;
            break;
          }
          if (c === '\r') {
            if (i + 4 >= buf.length) break;
            if (buf[i + 4] === '\n') {
              end = i + 1;
              after = i + 5;
              break;
            }
          }
          from = i + 1;
        }
      }
      if (end < 0) {
        // Pass everything but a tail that may start the end line.
        const upto = Math.max(pos, buf.length - 4);
        if (upto === pos) return 'wait';
        const cut = buf.lastIndexOf('\n', upto - 1);
        if (cut < pos) {
          // A long line: pass what there is, it is not an end line.
          pos = upto;
          copyLineStart = false;
        } else {
          pos = cut + 1;
          copyLineStart = true;
        }
        return { data: pass(start, pos), done: false };
      }
      const data = end > start ? pass(start, end) : null;
      pos = after;
      return { data, done: true };
    }

    function pass(from: number, to: number): Buffer | null {
      const s = buf.slice(from, to);
      copyBytes += s.length;
      if (countRows()) {
        for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) copyRows++;
      }
      return emitCopy() ? Buffer.from(s, 'latin1') : null;
    }

    /** Lexes the statement from pos: 'wait' for more input, or 'end' with pos after its `;`. */
    function stmtStep(): 'wait' | 'end' {
      for (;;) {
        if (interest === null && pos - stmtStart >= HEAD) classify();
        // An uncaptured statement does not keep its text: count it and move its start along.
        if (interest !== null && interest !== 'capture' && !isCopy && pos > stmtStart) {
          stmtBytes += pos - stmtStart;
          stmtStart = pos;
        }
        if (pos >= buf.length) return 'wait';
        switch (sub.t) {
          case 'normal': {
            NORMAL.lastIndex = pos;
            const m = NORMAL.exec(buf);
            if (!m) {
              pos = buf.length;
              return 'wait';
            }
            const i = m.index;
            const c = buf[i];
            if (c === ';') {
              pos = i + 1;
              return 'end';
            }
            if (c === "'") {
              const p = i > 0 ? buf[i - 1] : ' ';
              const pp = i > 1 ? buf[i - 2] : ' ';
              const e = (p === 'E' || p === 'e') && !IDENT.test(pp);
              sub = { t: 'squote', esc: e || backslashStrings() };
              pos = i + 1;
            } else if (c === '"') {
              sub = { t: 'dquote' };
              pos = i + 1;
            } else if (c === '$') {
              if (i > 0 && IDENT.test(buf[i - 1])) {
                pos = i + 1;
                break;
              }
              DOLLAR.lastIndex = i;
              const d = DOLLAR.exec(buf);
              if (d) {
                sub = { t: 'dollar', tag: d[0] };
                pos = i + d[0].length;
              } else if (/^\$(?:[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?$/.test(buf.slice(i)) && !ended) {
                pos = i;
                return 'wait';
              } else pos = i + 1;
            } else if (c === '-' || c === '/') {
              if (i + 1 >= buf.length && !ended) {
                pos = i;
                return 'wait';
              }
              const n = buf[i + 1];
              if (c === '-' && n === '-') sub = { t: 'line' };
              else if (c === '/' && n === '*') sub = { t: 'block', depth: 1 };
              pos = i + (sub.t === 'normal' ? 1 : 2);
            }
            break;
          }
          case 'squote': {
            const re = sub.esc ? SQ_ESC : SQ;
            re.lastIndex = pos;
            const m = re.exec(buf);
            if (!m) {
              pos = buf.length;
              return 'wait';
            }
            const i = m.index;
            if (i + 1 >= buf.length && !ended) {
              pos = i;
              return 'wait';
            }
            if (buf[i] === '\\') pos = i + 2;
            else if (buf[i + 1] === "'") pos = i + 2;
            else {
              sub = { t: 'normal' };
              pos = i + 1;
            }
            break;
          }
          case 'dquote': {
            const i = buf.indexOf('"', pos);
            if (i < 0 || (i + 1 >= buf.length && !ended)) {
              pos = i < 0 ? buf.length : i;
              return 'wait';
            }
            if (buf[i + 1] === '"') pos = i + 2;
            else {
              sub = { t: 'normal' };
              pos = i + 1;
            }
            break;
          }
          case 'dollar': {
            const i = buf.indexOf(sub.tag, pos);
            if (i < 0) {
              // Keep a tail that may be the start of the closing tag.
              pos = Math.max(pos, buf.length - sub.tag.length + 1);
              return 'wait';
            }
            pos = i + sub.tag.length;
            sub = { t: 'normal' };
            break;
          }
          case 'line': {
            const i = buf.indexOf('\n', pos);
            if (i < 0) {
              pos = buf.length;
              return 'wait';
            }
            pos = i + 1;
            sub = { t: 'normal' };
            break;
          }
          case 'block': {
            BLOCK.lastIndex = pos;
            const m = BLOCK.exec(buf);
            if (!m) {
              pos = Math.max(pos, buf.length - 1);
              return 'wait';
            }
            sub = m[0] === '*/' ? (sub.depth === 1 ? { t: 'normal' } : { t: 'block', depth: sub.depth - 1 }) : { t: 'block', depth: sub.depth + 1 };
            pos = m.index + 2;
            break;
          }
        }
      }
    }
  }
}

const NORMAL = /[;'"$\-/]/g;
const SQ = /'/g;
const SQ_ESC = /['\\]/g;
const DOLLAR = /\$(?:[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)?\$/y;
const BLOCK = /\*\/|\/\*/g;
const IDENT = /[A-Za-z0-9_\x80-\xff$]/;

/** A latin1 string (bytes) as UTF-8 text. */
export function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/** An identifier at `pos` of `s` (quoted, or bare and folded to lower case): its name and where it ends, or null. */
export function identAt(s: string, pos: number): { name: string; end: number } | null {
  if (s[pos] === '"') {
    let i = pos + 1;
    let out = '';
    for (;;) {
      const j = s.indexOf('"', i);
      if (j < 0) return null;
      out += s.slice(i, j);
      if (s[j + 1] === '"') {
        out += '"';
        i = j + 2;
      } else return { name: utf8(out), end: j + 1 };
    }
  }
  const m = /[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*/y;
  m.lastIndex = pos;
  const r = m.exec(s);
  if (!r) return null;
  return { name: utf8(r[0]).replace(/[A-Z]+/g, (x) => x.toLowerCase()), end: pos + r[0].length };
}

/** `schema.name` (or a bare `name`, then schema null) at `pos`. */
export function qualifiedAt(s: string, pos: number): { schema: string | null; name: string; end: number } | null {
  const a = identAt(s, pos);
  if (!a) return null;
  if (s[a.end] !== '.') return { schema: null, name: a.name, end: a.end };
  const b = identAt(s, a.end + 1);
  if (!b) return null;
  return { schema: a.name, name: b.name, end: b.end };
}

/** A parenthesised list of identifiers at `pos` (`(a, "B c")`), or null when it is anything else. */
export function identListAt(s: string, pos: number): { names: string[]; end: number } | null {
  if (s[pos] !== '(') return null;
  const names: string[] = [];
  let i = pos + 1;
  for (;;) {
    while (s[i] === ' ' || s[i] === '\n' || s[i] === '\t') i++;
    const id = identAt(s, i);
    if (!id) return null;
    names.push(id.name);
    i = id.end;
    while (s[i] === ' ' || s[i] === '\n' || s[i] === '\t') i++;
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === ')') return { names, end: i + 1 };
    return null;
  }
}

/**
 * The parenthesised body starting at `pos` (`(` … matching `)`), lexed like SQL; null when it
 * does not close or holds a `;` outside quotes (a body that could end the probe's statement).
 */
export function parenBodyAt(s: string, pos: number): { body: string; end: number } | null {
  if (s[pos] !== '(') return null;
  let depth = 0;
  for (let i = pos; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return { body: s.slice(pos, i + 1), end: i + 1 };
    } else if (c === ';') return null;
    else if (c === "'" || c === '"') {
      const e = c === "'" && (s[i - 1] === 'E' || s[i - 1] === 'e') && !IDENT.test(s[i - 2] ?? ' ');
      for (i++; i < s.length; i++) {
        if (e && s[i] === '\\') i++;
        else if (s[i] === c) {
          if (s[i + 1] === c) i++;
          else break;
        }
      }
    } else if (c === '-' && s[i + 1] === '-') {
      const nl = s.indexOf('\n', i);
      if (nl < 0) return null;
      i = nl;
    } else if (c === '/' && s[i + 1] === '*') {
      const e = s.indexOf('*/', i + 2);
      if (e < 0) return null;
      i = e + 1;
    } else if (c === '$') {
      // Dollar quotes have no place in a column list; refuse rather than lex them.
      if (!IDENT.test(s[i - 1] ?? ' ')) return null;
    }
  }
  return null;
}
