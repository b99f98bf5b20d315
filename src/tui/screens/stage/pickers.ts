import { useCallback, useMemo } from 'react';
import { arraySource } from '../../components/list-source.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type { BackupItem, BackupServices, BackupTable, StageServices } from '../../services.js';
import { useAsync, type AsyncState } from '../../use-async.js';

/** The usable backups of the target, newest first, in a windowed list. */
export function useBackupPicker(
  backups: BackupServices | undefined,
  height: number,
): { backups: AsyncState<BackupItem[]>; list: WindowedListState<BackupItem> } {
  const load = useCallback(async () => (backups ? (await backups.list()).filter((b) => b.usable) : []), [backups]);
  const state = useAsync(load);
  const items = state.status === 'ready' ? state.value : undefined;
  const source = useMemo(() => arraySource(items ?? [], (b) => b.id), [items]);
  const list = useWindowedList({ source, height, rowKey: (b) => b.id });
  return { backups: state, list };
}

/** A backup's tables, selectable, with whether each is staged. */
export function useTablePicker(
  stage: StageServices | undefined,
  backupId: string | null,
  height: number,
): { tables: AsyncState<(BackupTable & { staged: boolean })[]>; list: WindowedListState<BackupTable & { staged: boolean }> } {
  const load = useCallback(async () => (stage && backupId ? stage.backupTables(backupId) : []), [stage, backupId]);
  const state = useAsync(load);
  const items = state.status === 'ready' ? state.value : undefined;
  const source = useMemo(() => arraySource(items ?? [], (t) => t.name), [items]);
  const list = useWindowedList({ source, height, rowKey: (t) => t.id, selectable: true });
  return { tables: state, list };
}
