import { formatCount } from '../../../util/format.js';
import type { ListColumn } from '../../components/windowed-list.js';
import type { AuditEvent, IncidentSummary } from '../../services.js';
import { bucketLabel } from './timeline-range.js';

/** A key as one short token: `12` or `a,b`. */
export function keyText(key: Record<string, unknown>): string {
  return Object.values(key)
    .map((v) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v)))
    .join(',');
}

/** `recovered · ` / `partly recovered · ` before an incident's tables; the merge ids are on the hint line. */
export function recoveredTag(i: IncidentSummary): string {
  return i.recovered ? `${i.recovered.extent === 'all' ? 'recovered' : 'partly recovered'} · ` : '';
}

/** Columns of the incidents list. */
export const INCIDENT_COLUMNS: ListColumn<IncidentSummary>[] = [
  { header: 'START', width: 12, render: (i) => bucketLabel(Date.parse(i.window.start), 'minute') },
  { header: 'ACTOR', width: 12, render: (i) => i.actor ?? '(unknown)' },
  { header: 'ROWS', width: 7, align: 'right', render: (i) => formatCount(i.rows.total) },
  {
    header: 'TABLES',
    width: 'flex',
    render: (i) => `${recoveredTag(i)}${i.tables.map((t) => `${t.table} ${formatCount(t.hard + t.soft)}${t.soft && !t.hard ? ' soft' : ''}`).join(', ')}`,
  },
  { header: 'BACKUP', width: 8, render: (i) => (i.backupBefore ? '✓ before' : 'none') },
];

/** Columns of the events list. */
export const EVENT_COLUMNS: ListColumn<AuditEvent>[] = [
  { header: 'TIME (UTC)', width: 19, render: (e) => e.time.slice(0, 19).replace('T', ' ') },
  { header: 'TABLE', width: 17, render: (e) => e.table },
  { header: 'KEY', width: 'flex', render: (e) => keyText(e.key) },
  { header: 'ACTOR', width: 12, render: (e) => e.actorName ?? e.actor ?? '' },
  { header: 'KIND', width: 4, render: (e) => e.kind },
];
