/**
 * Where a WindowedList gets its rows. The list asks only for the slice it shows, so a source
 * may hold a million rows (or none: a remote source reads them page by page) while the console's
 * memory stays flat. The console's lists ask with the filter '': `/` searches what the rows show
 * (`useListSearch`) instead of filtering them.
 */
export interface ListSource<Row> {
  /** Rows matching `filter` ('' for all). */
  count(filter: string): Promise<number> | number;
  /** Rows `offset` to `offset + limit` of the filtered list. */
  page(offset: number, limit: number, filter: string): Promise<Row[]> | Row[];
  /** True when calls are expensive (a query): the list waits for typing to pause before filtering. */
  remote?: boolean;
}

/** An in-memory source: the filter is a case-insensitive substring match on `text(row)`. */
export function arraySource<Row>(rows: readonly Row[], text: (row: Row) => string): ListSource<Row> {
  let lastFilter = '';
  let filtered: readonly Row[] = rows;
  const view = (filter: string): readonly Row[] => {
    const f = filter.trim().toLowerCase();
    if (f === lastFilter) return filtered;
    lastFilter = f;
    filtered = f ? rows.filter((r) => text(r).toLowerCase().includes(f)) : rows;
    return filtered;
  };
  return {
    count: (filter) => view(filter).length,
    page: (offset, limit, filter) => view(filter).slice(offset, offset + limit),
  };
}

/** How a keyset source reads: the rows after `after` (null: from the start), in key order. */
export interface KeysetReader<Row, K> {
  count(filter: string): Promise<number>;
  /**
   * Up to `limit` rows after `after`. When the reader can skip (`canSkip`), `skip` rows past
   * `after` are left out first: a jump far down the list costs one read instead of one per block.
   */
  after(after: K | null, limit: number, filter: string, skip?: number): Promise<Row[]>;
  keyOf(row: Row): K;
  /** The reader honours `skip` (the server skips the rows, e.g. with OFFSET). */
  canSkip?: boolean;
}

/** Blocks read one after the other before a reader that can skip jumps instead. */
const MAX_WALK = 2;

/**
 * A remote source read by key (`WHERE key > $after ORDER BY key LIMIT n`) instead of OFFSET,
 * which gets slower the deeper it goes. It remembers one key per block of `blockSize` rows, so
 * a jump to row n reads from the nearest remembered block (or, for a reader that can skip, skips
 * there in one read): memory is one key per block visited.
 */
export function keysetSource<Row, K>(reader: KeysetReader<Row, K>, blockSize = 256): ListSource<Row> {
  let boundaries = new Map<number, K | null>([[0, null]]);
  let boundaryFilter = '';
  // The last blocks read: scrolling one row at a time reads nothing new. Two blocks, always.
  let recent: { index: number; rows: Row[] }[] = [];
  const block = async (index: number, filter: string): Promise<Row[]> => {
    if (filter !== boundaryFilter) {
      boundaries = new Map([[0, null]]);
      boundaryFilter = filter;
      recent = [];
    }
    const hit = recent.find((r) => r.index === index);
    if (hit) return hit.rows;
    const rows = await readBlock(index, filter);
    if (filter === boundaryFilter) recent = [{ index, rows }, ...recent.filter((r) => r.index !== index)].slice(0, 2);
    return rows;
  };
  const readBlock = async (index: number, filter: string): Promise<Row[]> => {
    let known = index;
    while (!boundaries.has(known)) known--;
    if (reader.canSkip && index - known > MAX_WALK) {
      const rows = await reader.after(boundaries.get(known) ?? null, blockSize, filter, (index - known) * blockSize);
      if (rows.length) boundaries.set(index + 1, reader.keyOf(rows[rows.length - 1]));
      return rows;
    }
    let rows: Row[] = [];
    for (let b = known; b <= index; b++) {
      rows = await reader.after(boundaries.get(b) ?? null, blockSize, filter);
      if (rows.length === 0) return [];
      boundaries.set(b + 1, reader.keyOf(rows[rows.length - 1]));
    }
    return rows;
  };
  return {
    remote: true,
    count: (filter) => reader.count(filter),
    async page(offset, limit, filter) {
      const out: Row[] = [];
      for (let b = Math.floor(offset / blockSize); out.length < limit; b++) {
        const rows = await block(b, filter);
        if (rows.length === 0) break;
        const start = Math.max(0, offset - b * blockSize);
        out.push(...rows.slice(start, start + (limit - out.length)));
        if (rows.length < blockSize) break;
      }
      return out;
    },
  };
}
