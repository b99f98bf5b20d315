/**
 * Counts the rows of mysqldump INSERT statements in a table section, streaming: a row is a `(`
 * at depth 0 inside `VALUES`, outside string literals (mysqldump escapes quotes as \' and writes
 * binary as 0x… with --hex-blob). Works for one-line extended inserts (MySQL) and for MariaDB's
 * one-row-per-line layout alike, and across any chunk boundary.
 *
 * MariaDB's layout (`VALUES` then one row per line, rows ending in `,` and the last in `;`) takes
 * a fast path: values never contain a raw newline (mysqldump writes `\n`), so rows are lines,
 * found with a native newline search instead of a look at every byte.
 */
const enum S {
  LineStart,
  SkipLine,
  Head,
  HeadIdent,
  HeadIdentQuote,
  Values,
  Str,
  StrEscape,
  DStr,
  DStrEscape,
  AfterValues,
  LineRowStart,
  LineRowRest,
}

const STARTS = ['INSERT INTO ', 'INSERT IGNORE INTO ', 'REPLACE INTO '];
const VALUES = 'VALUES';

/** Feed it a table section's bytes; read `rows` at the end. */
export class InsertRowCounter {
  rows = 0;
  private st: S = S.LineStart;
  private prefix = '';
  private kw = 0;
  private depth = 0;
  private last = 0;

  feed(buf: Buffer): void {
    let st = this.st;
    let depth = this.depth;
    let rows = this.rows;
    const n = buf.length;
    let i = 0;
    while (i < n) {
      switch (st) {
        case S.LineStart: {
          const c = buf[i];
          if (c === 0x0a) {
            this.prefix = '';
            i++;
            break;
          }
          this.prefix += String.fromCharCode(c);
          i++;
          const p = this.prefix;
          if (STARTS.includes(p)) {
            st = S.Head;
            this.kw = 0;
            this.prefix = '';
          } else if (!STARTS.some((s) => s.startsWith(p))) {
            st = S.SkipLine;
            this.prefix = '';
          }
          break;
        }
        case S.SkipLine: {
          const nl = buf.indexOf(0x0a, i);
          if (nl < 0) i = n;
          else {
            i = nl + 1;
            st = S.LineStart;
          }
          break;
        }
        case S.Head: {
          const c = buf[i++];
          if (c === 0x60) st = S.HeadIdent;
          else if (c === VALUES.charCodeAt(this.kw)) {
            if (++this.kw === VALUES.length) {
              st = S.AfterValues;
              depth = 0;
            }
          } else this.kw = c === 0x56 ? 1 : 0;
          break;
        }
        case S.HeadIdent: {
          const q = buf.indexOf(0x60, i);
          if (q < 0) i = n;
          else {
            i = q + 1;
            st = S.HeadIdentQuote;
          }
          break;
        }
        case S.HeadIdentQuote: {
          // A doubled backtick continues the identifier; anything else closes it.
          if (buf[i] === 0x60) {
            i++;
            st = S.HeadIdent;
          } else {
            st = S.Head;
            this.kw = 0;
          }
          break;
        }
        case S.AfterValues:
          if (buf[i] === 0x0a) {
            i++;
            st = S.LineRowStart;
          } else st = S.Values;
          break;
        case S.LineRowStart:
          if (buf[i] === 0x28) {
            rows++;
            this.last = 0x28;
            i++;
            st = S.LineRowRest;
          } else st = S.Values; // not the one-row-per-line layout after all: read byte by byte
          break;
        case S.LineRowRest: {
          const nl = buf.indexOf(0x0a, i);
          if (nl < 0) {
            this.last = buf[n - 1];
            i = n;
          } else {
            const prev = nl > i ? buf[nl - 1] : this.last;
            i = nl + 1;
            st = prev === 0x3b ? S.LineStart : S.LineRowStart;
          }
          break;
        }
        case S.Values: {
          for (; i < n; i++) {
            const c = buf[i];
            if (c === 0x27) {
              st = S.Str;
              i++;
              break;
            } else if (c === 0x28) {
              if (depth === 0) rows++;
              depth++;
            } else if (c === 0x29) {
              depth--;
            } else if (c === 0x3b && depth === 0) {
              st = S.SkipLine;
              i++;
              break;
            } else if (c === 0x22) {
              st = S.DStr;
              i++;
              break;
            }
          }
          break;
        }
        case S.Str: {
          for (; i < n; i++) {
            const c = buf[i];
            if (c === 0x5c) {
              st = S.StrEscape;
              i++;
              break;
            }
            if (c === 0x27) {
              st = S.Values;
              i++;
              break;
            }
          }
          break;
        }
        case S.StrEscape:
          i++;
          st = S.Str;
          break;
        case S.DStr: {
          for (; i < n; i++) {
            const c = buf[i];
            if (c === 0x5c) {
              st = S.DStrEscape;
              i++;
              break;
            }
            if (c === 0x22) {
              st = S.Values;
              i++;
              break;
            }
          }
          break;
        }
        case S.DStrEscape:
          i++;
          st = S.DStr;
          break;
      }
    }
    this.st = st;
    this.depth = depth;
    this.rows = rows;
  }
}
