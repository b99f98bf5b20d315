/**
 * Reading tables' definitions and keys out of a whole pg_restore script, so that one pg_restore
 * call serves every table of a stage run instead of one call (and one read of the archive's
 * whole TOC) per table.
 */

/** One table's TOC entry of a script (its CREATE TABLE) and the dump's client_encoding. */
export interface TableStatement {
  /** The lines of the table's own TOC entry, from its header to the next entry's. */
  entry: string;
  /** The dump's client_encoding (set once, at the top of the script), or null. */
  encoding: string | null;
}

/** A pg_restore -s script, indexed once for the lookups of many tables. */
export interface IndexedScript {
  readonly text: string;
  /** The TOC entry of table `schema.name`, or null when the script does not name it exactly once. */
  tableEntry(schema: string, name: string): TableStatement | null;
}

/**
 * Indexes a pg_restore -s script by its TOC entry headers (`--` / `-- Name: …; Type: …` / `--`).
 * A lookup needs exactly one TABLE header for the name, the CREATE TABLE right under it, and
 * returns only that entry's lines: a header look-alike inside a function body (a second match)
 * makes the caller fall back to reading that table alone.
 */
export function indexScript(text: string): IndexedScript {
  const lines = text.split('\n');
  const headers: number[] = [];
  for (let i = 1; i + 1 < lines.length; i++) {
    const l = lines[i];
    if ((l.startsWith('-- Name: ') || l.startsWith('-- Data for Name: ')) && lines[i - 1] === '--' && lines[i + 1] === '--') headers.push(i);
  }
  const tableHeaders = headers.filter((h) => lines[h].startsWith('-- Name: ') && lines[h].includes('; Type: TABLE; Schema: '));
  const firstHeader = headers.length ? headers[0] - 1 : lines.length;
  const enc = /^SET client_encoding = '([A-Za-z0-9_-]+)';$/m.exec(lines.slice(0, firstHeader).join('\n'));
  const encoding = enc ? enc[1] : null;
  return {
    text,
    tableEntry(schema, name) {
      // pg_dump writes a name into a comment with its line breaks as spaces, and an empty one as '-'.
      const prefix = `-- Name: ${commentSafe(name)}; Type: TABLE; Schema: ${commentSafe(schema)}; Owner: `;
      const hits = tableHeaders.filter((h) => lines[h].startsWith(prefix));
      if (hits.length !== 1) return null;
      const h = hits[0];
      if (lines[h + 2] !== '' || !/^CREATE (?:UNLOGGED )?TABLE /.test(lines[h + 3] ?? '')) return null;
      const next = headers.find((x) => x > h);
      // The entry ends at the `--` line that opens the next header (or at the script's end).
      const end = next === undefined ? lines.length : next - 1;
      return { entry: lines.slice(h - 1, end).join('\n'), encoding };
    },
  };
}

function commentSafe(s: string): string {
  return s === '' ? '-' : s.replace(/[\r\n]/g, ' ');
}

/** A PRIMARY KEY or UNIQUE constraint of a post-data script. */
export interface ScriptKey {
  kind: 'PRIMARY KEY' | 'UNIQUE';
  columns: string;
}

/**
 * PRIMARY KEY and UNIQUE constraints of every table of a post-data script, by the table's
 * qualified name as the script writes it (`ALTER TABLE ONLY <qualified>` followed by
 * `ADD CONSTRAINT … (PRIMARY KEY|UNIQUE) (cols);`), in script order.
 */
export function keysByTable(script: string): Map<string, ScriptKey[]> {
  const out = new Map<string, ScriptKey[]>();
  const lines = script.split('\n');
  const head = 'ALTER TABLE ONLY ';
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith(head)) continue;
    const m = /^ {4}ADD CONSTRAINT .+ (PRIMARY KEY|UNIQUE) \((.+)\);$/.exec(lines[i + 1]);
    if (!m) continue;
    const qualified = lines[i].slice(head.length);
    const list = out.get(qualified) ?? [];
    list.push({ kind: m[1] as ScriptKey['kind'], columns: m[2] });
    out.set(qualified, list);
  }
  return out;
}
