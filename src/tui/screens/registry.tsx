import type { ScreenId } from '../screen-id.js';
import { AuditScreen } from './audit/audit-screen.js';
import { EventScreen } from './audit/event-screen.js';
import { BackupScreen } from './backups/backup-screen.js';
import { BackupsScreen } from './backups/backups-screen.js';
import { DiffScreen } from './diff/diff-screen.js';
import { RowScreen } from './diff/row-screen.js';
import { HomeScreen } from './home/home-screen.js';
import { MergeScreen } from './merge/merge-screen.js';
import type { ScreenDefinition } from './screen.js';
import { StageScreen } from './stage/stage-screen.js';
import { TableScreen } from './tables/table-screen.js';
import { TablesScreen } from './tables/tables-screen.js';
import { WizardScreen } from './wizard/wizard-screen.js';

/**
 * Every screen of the console. To add one: give it an id in `screen-id.ts` (and its parameters
 * in `navigation.ts`), write its view + state hook + input hook under `screens/`, put it here,
 * and list its keys' screens in `keymap.ts`.
 */
export const SCREENS: { [I in ScreenId]: ScreenDefinition<I> } = {
  home: { title: () => 'Home', component: HomeScreen },
  tables: { title: () => 'Inspect tables', component: TablesScreen },
  table: { title: (p) => p.name, component: TableScreen },
  wizard: { title: () => 'Recovery wizard', component: WizardScreen },
  audit: { title: () => 'Audit', component: AuditScreen },
  event: { title: (p) => `${p.event.table} ${Object.values(p.event.key).join(',')}`, component: EventScreen },
  backups: { title: () => 'Backups', component: BackupsScreen },
  backup: { title: (p) => p.id, component: BackupScreen },
  stage: { title: () => 'Stage', component: StageScreen },
  diff: { title: () => 'Diff', component: DiffScreen },
  row: { title: (p) => `${p.table.slice(p.table.indexOf('.') + 1)} ${Object.values(p.row.key).join(',')}`, component: RowScreen },
  merge: { title: () => 'Merge', component: MergeScreen },
};
