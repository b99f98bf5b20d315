import { formatAge, formatBytes, formatCount } from '../../../util/format.js';
import type { ListColumn } from '../../components/windowed-list.js';
import type { BackupItem, BackupTable } from '../../services.js';
import { backupName } from './external-labels.js';

/** Columns of the catalog list. */
export const BACKUP_COLUMNS: ListColumn<BackupItem>[] = [
  // A dump another tool made shows as its marked file name; Enter (or the line below) tells the rest.
  { header: 'BACKUP', width: 'flex', render: backupName },
  { header: 'STATUS', width: 10, render: (b) => (b.usable ? 'ok' : `✗ ${b.status}`) },
  { header: 'AGE', width: 6, align: 'right', render: (b) => formatAge(b.startedAt) },
  { header: 'TABLES', width: 6, align: 'right', render: (b) => (b.tables === null ? '' : String(b.tables)) },
  { header: 'SIZE', width: 8, align: 'right', render: (b) => (b.bytes === null ? '' : formatBytes(b.bytes)) },
];

/** Columns of a backup's tables. */
export const BACKUP_TABLE_COLUMNS: ListColumn<BackupTable>[] = [
  { header: 'TABLE', width: 'flex', render: (t) => t.id },
  { header: 'ROWS', width: 12, align: 'right', render: (t) => (t.rows === null ? '?' : `${t.rowsEstimated ? '~' : ''}${formatCount(t.rows)}`) },
  // Neither rows nor size known: an imported dump whose format does not tell (a custom archive's data).
  { header: 'SIZE', width: 8, align: 'right', render: (t) => (t.bytes === 0 && t.rows === null ? '?' : formatBytes(t.bytes)) },
  { header: 'FILE', width: 26, render: (t) => t.file },
];
