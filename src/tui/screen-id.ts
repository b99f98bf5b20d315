/** Every screen of the console. Screens that are not built yet open a placeholder. */
export type ScreenId = 'home' | 'tables' | 'table' | 'wizard' | 'audit' | 'backups' | 'stage' | 'diff' | 'merge';

/** All screens, in the order the docs list them. */
export const SCREEN_IDS: readonly ScreenId[] = ['home', 'tables', 'table', 'wizard', 'audit', 'backups', 'stage', 'diff', 'merge'];

/** Screens with a filterable list. */
export const LIST_SCREENS: readonly ScreenId[] = ['tables', 'audit', 'backups', 'stage', 'diff'];
