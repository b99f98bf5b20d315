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
  // Whether a backup taken before the incident exists: the wizard can restore from it.
  { header: 'BACKUP BEFORE', width: 13, render: (i) => (i.backupBefore ? 'yes' : 'no') },
];

/**
 * Columns of the events list. On a wide terminal each takes what its rows need, up to a cap (a
 * key of a few UUIDs, not the whole width), and the source shows when there is room for it.
 */
export const EVENT_COLUMNS: ListColumn<AuditEvent>[] = [
  { header: 'TIME (UTC)', width: 19, render: (e) => e.time.slice(0, 19).replace('T', ' ') },
  { header: 'TABLE', width: 17, max: 40, render: (e) => e.table },
  { header: 'KEY', width: 'flex', max: 60, render: (e) => keyText(e.key) },
  { header: 'ACTOR', width: 12, max: 32, render: (e) => e.actorName ?? e.actor ?? '' },
  { header: 'KIND', width: 4, render: (e) => e.kind },
  { header: 'SOURCE', width: 0, max: 24, render: (e) => e.source },
];
