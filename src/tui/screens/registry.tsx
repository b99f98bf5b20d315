import type { ScreenId } from '../screen-id.js';
import { HomeScreen } from './home/home-screen.js';
import { placeholderScreen } from './placeholder-screen.js';
import type { ScreenDefinition } from './screen.js';
import { TableScreen } from './tables/table-screen.js';
import { TablesScreen } from './tables/tables-screen.js';

/**
 * Every screen of the console. To add one: give it an id in `screen-id.ts` (and its parameters
 * in `navigation.ts`), write its view + state hook + input hook under `screens/`, put it here,
 * and list its keys' screens in `keymap.ts`.
 */
export const SCREENS: { [I in ScreenId]: ScreenDefinition<I> } = {
  home: { title: () => 'Home', component: HomeScreen },
  tables: { title: () => 'Inspect tables', component: TablesScreen },
  table: { title: (p) => p.name, component: TableScreen },
  wizard: {
    title: () => 'Recovery wizard',
    keyContext: 'placeholder',
    component: placeholderScreen({
      title: 'The recovery wizard',
      plans: ['pick an incident (who deleted what, when)', 'pick a backup older than the incident', 'stage the tables, diff them with live', 'preview and apply the merge, then verify'],
    }),
  },
  audit: {
    title: () => 'Audit',
    keyContext: 'placeholder',
    component: placeholderScreen({ title: 'Audit', plans: ['show the deletion timeline of the CRM', 'list deletion events and group them into incidents'] }),
  },
  backups: {
    title: () => 'Backups',
    keyContext: 'placeholder',
    component: placeholderScreen({ title: 'Backups', plans: ['list the backups of this target', 'run a backup with progress', 'verify a backup against its manifest'] }),
  },
  stage: {
    title: () => 'Stage',
    keyContext: 'placeholder',
    component: placeholderScreen({ title: 'Stage', plans: ['restore chosen tables of a backup into staging', 'list and drop staging namespaces'] }),
  },
  diff: {
    title: () => 'Diff',
    keyContext: 'placeholder',
    component: placeholderScreen({ title: 'Diff', plans: ['count deleted, changed and added rows', 'show rows and changed columns', 'select rows to merge (space, a)'] }),
  },
  merge: {
    title: () => 'Merge',
    keyContext: 'placeholder',
    component: placeholderScreen({ title: 'Merge', plans: ['preview the plan and its SQL', 'apply after typing the database name', 'undo from the journal'] }),
  },
};

/** The definition of a screen. */
export function screenOf<I extends ScreenId>(id: I): ScreenDefinition<I> {
  return SCREENS[id];
}
