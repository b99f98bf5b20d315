import { show } from '../../../diff/format.js';
import type { ListColumn } from '../../components/windowed-list.js';
import type { DiffRowView } from '../../services.js';

/** What differs in a row, on one line: changed columns as `col: before → after`, else the first values. */
export function rowDetail(r: DiffRowView): string {
  if (r.class === 'changed' || r.class === 'soft-deleted')
    return (r.changedColumns ?? []).map((c) => `${c}: ${show(r.before?.[c])} → ${show(r.after?.[c])}`).join('; ');
  return Object.entries(r.before ?? r.after ?? {})
    .filter(([, v]) => v !== null && v !== '')
    .slice(0, 6)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
}

/** Columns of the rows list. */
export const DIFF_COLUMNS: ListColumn<DiffRowView>[] = [
  { header: 'KEY', width: 24, render: (r) => Object.values(r.key).map(show).join(',') },
  { header: 'WHAT DIFFERS (backup → live)', width: 'flex', render: rowDetail },
];
