import type { Relation } from '../crm/relations.js';
import type { RowSource, SourceTable } from './row-source.js';

/**
 * The source's tables related to `wanted` (parents and children, by the live database's declared
 * and CRM-implied relations), each once, in the order the relations give them, without those in
 * `wanted`. Found through the source's `forLive`, so a related table the source does not hold is
 * left out, whatever the source is.
 */
export async function relatedSourceTables(source: RowSource, wanted: SourceTable[], relations: Relation[]): Promise<SourceTable[]> {
  // Loaded only here: the relation walk is not needed to stage the tables asked for.
  const { relatedTables } = await import('../crm/relations.js');
  const related = new Set<SourceTable>();
  for (const t of wanted) {
    for (const r of relatedTables(relations, t.live)) {
      const m = source.forLive(r);
      if (m && !wanted.includes(m)) related.add(m);
    }
  }
  return [...related];
}
