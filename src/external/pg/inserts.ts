import { UserError } from '../../errors.js';
import { identListAt, qualifiedAt } from './sql-scan.js';

/**
 * pg_dump's `--inserts` / `--column-inserts` statements turned into COPY text rows, never run:
 * (a DEFAULT, which pg_dump writes for a generated column, is left out as staging leaves the column out)
 * `INSERT INTO schema.name [(cols)] [OVERRIDING SYSTEM VALUE] VALUES (…)[, (…)…];` whose values
 * are only what pg_dump writes (numbers, NULL, true/false, '…' strings, E'…', B'…' bit strings).
 * Anything else is refused. Strings are latin1 (bytes), so the rows keep the dump's encoding.
 */

/** One INSERT statement's columns (null when it names none) and its rows as COPY text (latin1). */
export interface InsertRows {
  columns: string[] | null;
  copyText: string;
  rows: number;
}

export function insertToCopy(stmt: string, display: string, backslashStrings = false): InsertRows {
  const fail = (what: string): never => {
    throw new UserError(
      `the dump's INSERT into ${display} holds ${what}: staging reads only the INSERTs pg_dump --inserts writes, and runs none`,
      'Stage from a dump in COPY format (pg_dump without --inserts), or restore it by hand into a scratch database',
    );
  };
  let i = 0;
  const ws = () => {
    while (i < stmt.length && (stmt[i] === ' ' || stmt[i] === '\n' || stmt[i] === '\t' || stmt[i] === '\r')) i++;
  };
  const word = (w: string) => {
    ws();
    if (stmt.slice(i, i + w.length).toUpperCase() !== w) return false;
    const n = stmt[i + w.length];
    if (n !== undefined && /[A-Za-z0-9_]/.test(n)) return false;
    i += w.length;
    return true;
  };
  if (!word('INSERT') || !word('INTO')) fail('no INSERT INTO');
  ws();
  const q = qualifiedAt(stmt, i);
  if (!q) return fail('a table name it cannot read');
  i = q.end;
  ws();
  let columns: string[] | null = null;
  if (stmt[i] === '(') {
    const l = identListAt(stmt, i);
    if (!l) return fail('a column list it cannot read');
    columns = l.names;
    i = l.end;
  }
  if (word('OVERRIDING')) {
    if (!word('SYSTEM') && !word('USER')) fail('an OVERRIDING clause');
    if (!word('VALUE')) fail('an OVERRIDING clause');
  }
  if (!word('VALUES')) fail('something other than VALUES');
  const out: string[] = [];
  let rows = 0;
  let generated = false;
  for (;;) {
    ws();
    if (stmt[i] !== '(') fail('a row that does not start with "("');
    i++;
    const fields: string[] = [];
    for (;;) {
      ws();
      // pg_dump --inserts writes DEFAULT for a generated column, which staging leaves out too.
      if ((stmt[i] === 'D' || stmt[i] === 'd') && word('DEFAULT')) generated = true;
      else fields.push(value());
      ws();
      if (stmt[i] === ',') {
        i++;
        continue;
      }
      if (stmt[i] === ')') {
        i++;
        break;
      }
      fail('a value it cannot read');
    }
    out.push(fields.join('\t'), '\n');
    rows++;
    ws();
    if (stmt[i] === ',') {
      i++;
      continue;
    }
    if (stmt[i] === ';') {
      i++;
      ws();
      if (i !== stmt.length) fail('more after its rows');
      break;
    }
    fail('something after a row');
  }
  if (columns && rows && out[0].split('\t').length !== columns.length) fail('rows whose length differs from its column list');
  if (generated && columns) fail('DEFAULT in a column list');
  return { columns, copyText: out.join(''), rows };

  /** One value at i, as a COPY text field. */
  function value(): string {
    const c = stmt[i];
    if (c === "'") return copyEscape(quoted(backslashStrings));
    if ((c === 'E' || c === 'e') && stmt[i + 1] === "'") {
      i++;
      return copyEscape(quoted(true));
    }
    if ((c === 'B' || c === 'b' || c === 'X' || c === 'x') && stmt[i + 1] === "'") {
      const hex = c === 'X' || c === 'x';
      i++;
      const bits = quoted(false);
      if (!(hex ? /^[0-9A-Fa-f]*$/ : /^[01]*$/).test(bits)) fail('a bit string it cannot read');
      // A hex bit string is written as bits: COPY's text form of bit varying is binary digits.
      return hex ? [...bits].map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('') : bits;
    }
    const m = /(?:NULL|true|false|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?=[\s,)])/iy;
    m.lastIndex = i;
    const r = m.exec(stmt);
    if (!r) return fail(`a value it cannot read ("${stmt.slice(i, i + 20).replace(/\s+/g, ' ')}")`);
    i += r[0].length;
    const v = r[0];
    if (/^NULL$/i.test(v)) return '\\N';
    return v.toLowerCase() === 'true' || v.toLowerCase() === 'false' ? v.toLowerCase() : v;
  }

  /** A '…' literal's content at i (at the opening quote), with '' undoubled and, in escape mode, backslashes resolved. */
  function quoted(esc: boolean): string {
    i++;
    let out = '';
    for (;;) {
      if (!esc) {
        const j = stmt.indexOf("'", i);
        if (j < 0) fail('an unterminated string');
        out += stmt.slice(i, j);
        if (stmt[j + 1] === "'") {
          out += "'";
          i = j + 2;
          continue;
        }
        i = j + 1;
        return out;
      }
      const m = /['\\]/g;
      m.lastIndex = i;
      const r = m.exec(stmt);
      if (!r) return fail('an unterminated string');
      out += stmt.slice(i, r.index);
      i = r.index;
      if (stmt[i] === "'") {
        if (stmt[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        i++;
        return out;
      }
      out += backslashEscape();
    }
  }

  /** A backslash escape at i (PostgreSQL's E'' rules), as latin1 bytes. */
  function backslashEscape(): string {
    const n = stmt[i + 1];
    if (n === undefined) fail('an unterminated string');
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (simple[n] !== undefined) {
      i += 2;
      return simple[n];
    }
    let m = /^[0-7]{1,3}/.exec(stmt.slice(i + 1, i + 4));
    if (m) {
      i += 1 + m[0].length;
      return String.fromCharCode(parseInt(m[0], 8) & 0xff);
    }
    if (n === 'x' && (m = /^[0-9A-Fa-f]{1,2}/.exec(stmt.slice(i + 2, i + 4)))) {
      i += 2 + m[0].length;
      return String.fromCharCode(parseInt(m[0], 16));
    }
    if ((n === 'u' && (m = /^[0-9A-Fa-f]{4}/.exec(stmt.slice(i + 2, i + 6)))) || (n === 'U' && (m = /^[0-9A-Fa-f]{8}/.exec(stmt.slice(i + 2, i + 10))))) {
      i += 2 + m[0].length;
      return Buffer.from(String.fromCodePoint(parseInt(m[0], 16)), 'utf8').toString('latin1');
    }
    i += 2;
    return n;
  }
}

/** What a COPY text field escapes. */
const SPECIAL = /[\\\t\n\r]/;

/** A value as a COPY text field: backslash, tab, newline and carriage return escaped. */
export function copyEscape(v: string): string {
  if (!SPECIAL.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
