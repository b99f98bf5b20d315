/**
 * Table names as users type them. A `--table` value is first taken as it is (`name`, or
 * `schema.name`); failing that, as SQL writes it, the way a DBA copies it from a query or from
 * `pg_dump -t`: each part bare or quoted, PostgreSQL's "…" with "" for a quote inside, MySQL's `…`
 * with `` inside: `"Sales ""EU"""."Contacts ""VIP"""`, `` `crm`.`Contacts ``VIP``` ``. Quoted
 * parts are taken exactly (no case folding), bare ones as typed.
 */

/** A table named by the user: the name, and the schema (MySQL: database) when one was given. */
export interface TableRefParts {
  schema?: string;
  name: string;
}

/**
 * The SQL reading of a name with at least one quoted part: its parts (one or two), or null when
 * the text has no quoted part, is not well formed, or has more than two parts.
 */
export function parseQuotedName(text: string): TableRefParts | null {
  const parts: string[] = [];
  let quoted = false;
  let i = 0;
  const s = text.trim();
  while (i <= s.length) {
    while (s[i] === ' ') i++;
    const q = s[i];
    let part = '';
    if (q === '"' || q === '`') {
      quoted = true;
      i++;
      for (;;) {
        if (i >= s.length) return null; // unterminated
        if (s[i] === q) {
          if (s[i + 1] === q) {
            part += q;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += s[i++];
      }
    } else {
      const start = i;
      while (i < s.length && s[i] !== '.' && s[i] !== '"' && s[i] !== '`') i++;
      part = s.slice(start, i).trim();
    }
    if (!part) return null;
    parts.push(part);
    while (s[i] === ' ') i++;
    if (i >= s.length) break;
    if (s[i] !== '.') return null;
    i++;
  }
  if (!quoted || parts.length > 2) return null;
  return parts.length === 2 ? { schema: parts[0], name: parts[1] } : { name: parts[0] };
}

/** True when a table is the one a quoted reading names. */
export function matchesParts(t: { schema: string; name: string }, ref: TableRefParts): boolean {
  return t.name === ref.name && (ref.schema === undefined || t.schema === ref.schema);
}

/**
 * Tables named by a reference that found nothing as typed: the tables its SQL reading names
 * (none when it has no quoted part).
 */
export function matchQuoted<T extends { schema: string; name: string }>(tables: readonly T[], ref: string): T[] {
  const parts = parseQuotedName(ref);
  return parts ? tables.filter((t) => matchesParts(t, parts)) : [];
}

/** `a,"b,c",d` → `a`, `"b,c"`, `d`: commas inside quoted names do not split. */
export function splitTableList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      // A doubled quote inside closes and reopens: the state comes out right either way.
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === '"' || ch === '`') {
      quote = ch;
      cur += ch;
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter(Boolean);
}
