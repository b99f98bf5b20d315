/** Every screen of the console. */
export type ScreenId = 'home' | 'tables' | 'table' | 'wizard' | 'audit' | 'event' | 'backups' | 'backup' | 'stage' | 'diff' | 'row' | 'merge';

/** All screens, in the order the docs list them. */
export const SCREEN_IDS: readonly ScreenId[] = ['home', 'tables', 'table', 'wizard', 'audit', 'event', 'backups', 'backup', 'stage', 'diff', 'row', 'merge'];

/** Screens with a searchable list (`/`, n/N). */
export const LIST_SCREENS: readonly ScreenId[] = ['tables', 'table', 'audit', 'backups', 'backup', 'stage', 'diff', 'merge'];
