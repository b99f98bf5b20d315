import { useCallback, useState } from 'react';
import type { Overview, BackupSummary, DeletionDay } from '../../services.js';
import { useOverview, useServices } from '../../services-context.js';
import { useAsync, type AsyncState } from '../../use-async.js';
import { moveCursor, type ListMove } from '../../components/list-state.js';
import { HOME_ACTIONS, type HomeAction } from './actions.js';

/** Days of deletions Home shows. */
export const DELETION_DAYS = 7;

/** Everything Home shows, and its cursor. */
export interface HomeState {
  overview: AsyncState<Overview>;
  /** `absent` until the backup module provides `lastBackup`. */
  backup: 'absent' | AsyncState<BackupSummary | null>;
  /** `absent` until the audit module provides `deletionSpikes`. */
  deletions: 'absent' | AsyncState<DeletionDay[]>;
  actions: readonly HomeAction[];
  cursor: number;
  move(move: ListMove): void;
}

/** Home's data (from the services) and its action cursor. */
export function useHomeState(): HomeState {
  const services = useServices();
  const overview = useOverview();
  const lastBackup = useCallback(() => services.lastBackup!(), [services]);
  const spikes = useCallback(() => services.deletionSpikes!(DELETION_DAYS), [services]);
  const backup = useAsync(services.lastBackup ? lastBackup : undefined, [services]);
  const deletions = useAsync(services.deletionSpikes ? spikes : undefined, [services]);
  const [cursor, setCursor] = useState(0);
  const move = useCallback(
    (m: ListMove) => setCursor((c) => moveCursor({ count: HOME_ACTIONS.length, cursor: c, offset: 0, height: HOME_ACTIONS.length }, m).cursor),
    [],
  );
  return {
    overview,
    backup: services.lastBackup ? backup : 'absent',
    deletions: services.deletionSpikes ? deletions : 'absent',
    actions: HOME_ACTIONS,
    cursor,
    move,
  };
}
