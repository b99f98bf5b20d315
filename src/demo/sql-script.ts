import type { Queryable } from '../dialect/index.js';

/**
 * Splits a demo SQL file into statements: `--` comment lines dropped, statements end with `;` at
 * the end of a line. Enough for the files under sql/demo/ (no semicolons inside literals).
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*--/.test(line) || (!line.trim() && current.length === 0)) continue;
    current.push(line);
    if (/;\s*$/.test(line)) {
      out.push(current.join('\n').replace(/;\s*$/, '').trim());
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) out.push(rest);
  return out;
}

/** Runs every statement of a demo SQL file, one at a time (MySQL sessions refuse multi-statements). */
export async function runScript(q: Queryable, text: string): Promise<void> {
  for (const statement of splitStatements(text)) await q.query(statement);
}
