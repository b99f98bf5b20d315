import { useCallback, useEffect, useRef, useState } from 'react';
import { useScreen } from '../screen.js';
import type { Overview, BackupSummary, DeletionDay, IncidentSummary } from '../../services.js';
import { useOverview, useServices } from '../../services-context.js';
import { useAsync, type AsyncState } from '../../use-async.js';
import { moveCursor, type ListMove } from '../../components/list-state.js';
import { HOME_ACTIONS, type HomeAction } from './actions.js';
import { findSpikes, shortDate } from './deletions.js';
import { resumeText } from '../wizard/wizard-store.js';

/** Days of deletions Home shows. */
export const DELETION_DAYS = 7;

/** Everything Home shows, and its cursor. */
export interface HomeState {
  overview: AsyncState<Overview>;
  /** `absent` until the backup module provides `lastBackup`. */
  backup: 'absent' | AsyncState<BackupSummary | null>;
  /** `absent` until the audit module provides `deletionSpikes`. */
  deletions: 'absent' | AsyncState<DeletionDay[]>;
  /** The newest incident (null: none), with its recovered mark; `absent` without the audit. */
  incident: 'absent' | AsyncState<IncidentSummary | null>;
  actions: readonly HomeAction[];
  /** Descriptions that say more than the default: a wizard to resume, a spike to look at. */
  notes: Partial<Record<HomeAction['screen'], string>>;
  /** The day of the worst recent deletion spike (`YYYY-MM-DD`): the Audit opens on it. */
  spikeDay: string | null;
  cursor: number;
  move(move: ListMove): void;
}

/** Home's data (from the services) and its action cursor. */
export function useHomeState(): HomeState {
  const services = useServices();
  const overview = useOverview();
  const lastBackup = useCallback(() => services.lastBackup!(), [services]);
  const spikes = useCallback(() => services.deletionSpikes!(DELETION_DAYS), [services]);
  // Read again each time Home is come back to: a backup, a merge or an undo elsewhere changes
  // what it shows (an incident a merge brought back is marked with it).
  const visits = useReturns();
  const backup = useAsync(services.lastBackup ? lastBackup : undefined, [services, visits]);
  const deletions = useAsync(services.deletionSpikes ? spikes : undefined, [services, visits]);
  const newestIncident = useCallback(async () => (await services.audit!.incidents())[0] ?? null, [services]);
  const incident = useAsync(services.audit ? newestIncident : undefined, [services, visits]);
  const [cursor, setCursor] = useState(0);
  const move = useCallback(
    (m: ListMove) => setCursor((c) => moveCursor({ count: HOME_ACTIONS.length, cursor: c, offset: 0, height: HOME_ACTIONS.length }, m).cursor),
    [],
  );
  const spike = deletions.status === 'ready' ? worstSpike(deletions.value) : null;
  const resume = resumeText(services);
  const notes: HomeState['notes'] = {
    ...(resume ? { wizard: resume } : {}),
    ...(spike ? { audit: `spike ${shortDate(spike.day)}: ${spike.deletions} rows → its timeline` } : {}),
  };
  return {
    notes,
    spikeDay: services.deletionSpikes && spike ? spike.day : null,
    overview,
    backup: services.lastBackup ? backup : 'absent',
    deletions: services.deletionSpikes ? deletions : 'absent',
    incident: services.audit ? incident : 'absent',
    actions: HOME_ACTIONS,
    cursor,
    move,
  };
}

/** The busiest spike day, or null when no day is a spike. */
function worstSpike(days: readonly DeletionDay[]): DeletionDay | null {
  const spikes = findSpikes(days);
  return days.filter((d) => spikes.has(d.day)).sort((a, b) => b.deletions - a.deletions)[0] ?? null;
}

/** How many times this screen became active again after another was shown (0 at first). */
function useReturns(): number {
  const { active } = useScreen();
  const [returns, setReturns] = useState(0);
  const wasActive = useRef(active);
  useEffect(() => {
    if (active && !wasActive.current) setReturns((n) => n + 1);
    wasActive.current = active;
  }, [active]);
  return returns;
}
