import { formatAge } from '../../../util/format.js';
import type { Tone } from '../../theme.js';
import type { AsyncState } from '../../use-async.js';
import type { BackupSummary } from '../../services.js';
import { nowMs } from '../../../util/clock.js';

/** A backup older than this is stale: Home warns. */
export const STALE_BACKUP_MS = 24 * 3600 * 1000;

/** Home's "Last backup" value: `absent` when no backup module is plugged in. */
export function backupLine(state: 'absent' | AsyncState<BackupSummary | null>, now = nowMs()): { text: string; tone: Tone } {
  if (state === 'absent') return { text: 'no backups yet', tone: 'muted' };
  if (state.status === 'loading') return { text: 'reading…', tone: 'muted' };
  if (state.status === 'error') return { text: `could not read the catalog: ${state.error}`, tone: 'error' };
  const b = state.value;
  if (!b) return { text: 'no backups yet: take one before changing anything', tone: 'warn' };
  const age = formatAge(b.finishedAt, now);
  if (now - Date.parse(b.finishedAt) > STALE_BACKUP_MS) return { text: `${age} ago (${b.id}): older than 24 h`, tone: 'warn' };
  return { text: `${age} ago (${b.id})`, tone: 'ok' };
}
