import type { PlainScreenId } from '../../navigation.js';

/** One entry of Home's action list. */
export interface HomeAction {
  screen: PlainScreenId;
  label: string;
  description: string;
}

/** Home's actions, in the order of the recovery flow; the wizard first. */
export const HOME_ACTIONS: readonly HomeAction[] = [
  { screen: 'wizard', label: 'Recovery wizard', description: 'incident → backup → stage → diff → merge → verify' },
  { screen: 'audit', label: 'Audit', description: 'who deleted what, when: timeline and events' },
  { screen: 'backups', label: 'Backups', description: 'list, run and verify backups' },
  { screen: 'stage', label: 'Stage', description: 'restore tables from a backup into staging' },
  { screen: 'diff', label: 'Diff', description: 'compare staging with live, row by row' },
  { screen: 'merge', label: 'Merge', description: 'plan, preview and apply; undo' },
  { screen: 'tables', label: 'Inspect tables', description: 'tables, keys, sizes and relations' },
];
