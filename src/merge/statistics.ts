import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';

/**
 * Refreshes the planner's statistics of the live tables a merge or an undo wrote, after its
 * COMMIT and outside any transaction: a burst of inserted or deleted rows otherwise leaves the
 * planner with the counts of before (PostgreSQL `reltuples`, InnoDB's estimate) until autovacuum
 * or InnoDB's own sampling catches up. Each table once, in the order given. A failure is not
 * fatal (the rows are written and committed): it becomes a note, returned.
 */
export async function refreshStatistics(conn: Queryable, d: Dialect, tables: { schema: string; name: string }[]): Promise<string[]> {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const t of tables) {
    const label = `${t.schema}.${t.name}`;
    if (seen.has(label)) continue;
    seen.add(label);
    try {
      await d.analyzeTable(conn, t);
    } catch (err) {
      notes.push(`statistics of ${label} not refreshed: ${((err as Error).message ?? String(err)).split('\n')[0]}`);
    }
  }
  return notes;
}
