/** One line of a ~/.pgpass file: `hostname:port:database:username:password`, `*` matches any. */
export interface PgpassEntry {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

/** Parses ~/.pgpass text, honouring `\:` and `\\` escapes and skipping comments. */
export function parsePgpass(text: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const fields: string[] = [];
    let cur = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '\\' && i + 1 < line.length) {
        cur += line[++i];
      } else if (c === ':' && fields.length < 4) {
        fields.push(cur);
        cur = '';
      } else {
        cur += c;
      }
    }
    fields.push(cur);
    if (fields.length !== 5) continue;
    const [host, port, database, user, password] = fields;
    entries.push({ host, port, database, user, password });
  }
  return entries;
}

/**
 * Finds the password for a connection, as libpq does: the first matching line wins.
 * A socket connection matches host `localhost`.
 */
export function lookupPgpass(entries: PgpassEntry[], want: { host?: string; port: number; database: string; user: string }): string | undefined {
  const host = want.host && !want.host.startsWith('/') ? want.host : 'localhost';
  const match = (pattern: string, value: string) => pattern === '*' || pattern === value;
  return entries.find((e) => match(e.host, host) && match(e.port, String(want.port)) && match(e.database, want.database) && match(e.user, want.user))?.password;
}
