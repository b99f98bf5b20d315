import type { ListSource } from './list-source.js';

/** One search through a list: which rows, what they show, where to start, which way. */
export interface SearchScan<Row> {
  source: ListSource<Row>;
  /** Rows in the list. */
  count: number;
  /** What a row shows on screen, every column (before any cut to the column's width). */
  text: (row: Row) => string;
  query: string;
  /** The first row tested; the search goes on from there and wraps at the end (or the start). */
  from: number;
  direction: 1 | -1;
  /** Rows read at most (a remote source: each block is a query); Infinity reads the whole list. */
  limit: number;
  /** Rows per read. */
  block: number;
}

/** Where a search ended: on a match, or after `scanned` rows without one (`resumeAt`: where `n` goes on, when rows were left unread). */
export type SearchResult = { found: number } | { found: null; scanned: number; resumeAt: number | null };

/** Whether what a row shows contains the query, case-insensitively. */
export function rowMatches(shown: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  return q !== '' && shown.toLowerCase().includes(q);
}

/**
 * Reads the list from `from` in `direction`, a block at a time through the same `page` calls
 * scrolling makes, until a row shows the query or `limit` rows were read.
 */
export async function findMatch<Row>(s: SearchScan<Row>): Promise<SearchResult> {
  if (s.count <= 0 || s.query.trim() === '') return { found: null, scanned: 0, resumeAt: null };
  const total = Math.min(s.count, s.limit);
  const wrap = (i: number) => ((i % s.count) + s.count) % s.count;
  let i = wrap(s.from);
  let scanned = 0;
  while (scanned < total) {
    const want = Math.max(1, Math.min(s.block, total - scanned));
    const len = s.direction === 1 ? Math.min(want, s.count - i) : Math.min(want, i + 1);
    const start = s.direction === 1 ? i : i - len + 1;
    const rows = await s.source.page(start, len, '');
    for (let k = 0; k < len; k++) {
      const index = s.direction === 1 ? start + k : i - k;
      const row = rows[index - start];
      if (row !== undefined && rowMatches(s.text(row), s.query)) return { found: index };
    }
    scanned += len;
    i = wrap(i + s.direction * len);
  }
  return { found: null, scanned, resumeAt: total < s.count ? i : null };
}
