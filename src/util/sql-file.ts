import { readFileSync } from 'node:fs';
import { sqlPath } from './package-root.js';

const cache = new Map<string, string>();

/** Loads `sql/<name>.sql` once; long SQL is data kept in files, not in template strings. */
export function loadSql(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(sqlPath(`${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text;
}
