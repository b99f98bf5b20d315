import { keysetSource, type ListSource } from '../../components/list-source.js';
import type { DiffClass, DiffRowView, DiffSet } from '../../services.js';

/** Rows per read: one block of the keyset (the list keeps at most two). */
export const DIFF_BLOCK = 256;

/**
 * The rows of one class of one table as a list source: read by key a block at a time, with the
 * count the diff already has (no count query). Far jumps (End) are one read that the server
 * skips through. Memory: two blocks and one key per block visited, whatever the number of rows.
 *
 * `/` searches through this same source, block by block from the cursor (`useListSearch`), and
 * matches what a row shows on screen: the key and the values as `show` formats them. The diff
 * service is not asked to search: the spool (or the staging query) has no text index, and the
 * shown text is made here, so a service-side match on raw values would disagree with what is
 * on screen (dates, JSON, NULL). A search reads at most `SEARCH_SPAN` rows per key press, so a
 * million-row class never stalls the console; `n` reads on from where it stopped.
 */
export function diffRowSource(set: DiffSet, table: string, cls: DiffClass, count: number): ListSource<DiffRowView> {
  return keysetSource<DiffRowView, unknown[]>(
    {
      count: async () => count,
      after: (after, limit, _filter, skip) => set.rows(table, cls, after, limit, skip),
      keyOf: (row) => row.keyTuple,
      canSkip: true,
    },
    DIFF_BLOCK,
  );
}
