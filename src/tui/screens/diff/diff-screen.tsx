import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { formatCount } from '../../../util/format.js';
import { Message } from '../../components/message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { Tabs } from '../../components/tabs.js';
import { LIST_CHROME_LINES, WindowedList } from '../../components/windowed-list.js';
import { useNavigation } from '../../navigation.js';
import type { DiffServices, DiffSet } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useLayout } from '../../use-layout.js';
import { useTask } from '../../use-task.js';
import { BACKUP_COLUMNS } from '../backups/backup-columns.js';
import { useBackupPicker, useTablePicker } from '../stage/pickers.js';
import { STAGE_TABLE_COLUMNS } from '../stage/stage-screen.js';
import { Unavailable } from '../unavailable.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { DIFF_COLUMNS } from './diff-columns.js';
import { diffIntent } from './diff-input.js';
import { classCount, describeSelection, toSelections, type DiffSelection } from './diff-selection.js';
import { CLASSES, useDiffView, type DiffView } from './use-diff-view.js';

/** Lines of the view besides the list: tables, classes, selection, hint. */
const VIEW_CHROME = 4;

/**
 * Diff: counts per class, the differing rows of one class of one table (windowed, read by key:
 * smooth and flat in memory for a million rows), the row view, and choosing rows to merge.
 */
export function DiffScreen({ params }: ScreenProps<'diff'>) {
  const services = useServices();
  if (!services.diff) return <Unavailable what="Diff" />;
  if (params.set) return <DiffViewScreen set={params.set} />;
  return <DiffOpen diff={services.diff} backupId={params.backupId} tables={params.tables} />;
}

/** Picks a backup and tables when not given, then opens the diff (staging what is missing; Esc cancels). */
function DiffOpen({ diff, backupId: givenBackup, tables: givenTables }: { diff: DiffServices; backupId?: string; tables?: string[] }) {
  const services = useServices();
  const layout = useLayout();
  const screen = useScreen();
  const height = Math.max(1, layout.bodyHeight - 4 - LIST_CHROME_LINES);
  const [backupId, setBackupId] = useState<string | null>(givenBackup ?? null);
  const [message, setMessage] = useState<string | null>(null);
  const bp = useBackupPicker(services.backups, height);
  const tp = useTablePicker(services.stage, backupId, height);
  const task = useTask<DiffSet>('diff');
  const open = (id: string, tables: string[]) => task.start((o) => diff.open({ backupId: id, tables }, o));
  useEffect(() => {
    if (givenBackup && givenTables?.length) open(givenBackup, givenTables);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const step = task.state !== 'idle' ? 'open' : backupId ? 'tables' : 'backup';
  const list = step === 'backup' ? bp.list : tp.list;
  useScreenInput((command) => {
    if (step === 'open') {
      if (command === 'back' && task.state === 'running') return task.cancel();
      if (command === 'back' && task.state !== 'done') {
        task.reset();
        return Boolean(backupId) && !givenTables;
      }
      return false;
    }
    if (list.search.editing) return false;
    if (command === 'open' && step === 'backup' && bp.list.current) {
      setBackupId(bp.list.current.id);
      return true;
    }
    if (command === 'open' && step === 'tables') {
      if (tp.list.selected.size === 0) setMessage('no table selected: space selects the table under the cursor');
      else open(backupId!, [...tp.list.selected]);
      return true;
    }
    if (command === 'back' && step === 'tables' && !list.search.applied) {
      setBackupId(null);
      return true;
    }
    if (command === 'toggle') setMessage(null);
    return list.handle(command);
  });
  if (task.state === 'done' && task.result) return <DiffViewScreen set={task.result} />;
  const w = layout.columns;
  return (
    <Box flexDirection="column" width={w}>
      <Text bold wrap="truncate">
        {step === 'backup' ? 'Diff · the backup to compare live with' : `Diff · ${backupId}`}
      </Text>
      {task.state === 'running' ? (
        <ProgressBar event={task.progress ?? { operation: 'diff', phase: 'prepare', done: 0, total: 0 }} width={w} />
      ) : (
        <>
          {task.state === 'failed' ? (
            <Message kind="error" text={task.error ?? 'failed'} width={w} />
          ) : message ? (
            <Message kind="warn" text={message} width={w} />
          ) : task.state === 'cancelled' ? (
            <Message kind="info" text="cancelled: live is untouched; tables staged so far stay staged" width={w} />
          ) : (
            <Text dimColor>Tables missing from staging are staged first (live is never written).</Text>
          )}
          <Text> </Text>
        </>
      )}
      {step === 'backup' ? (
        <WindowedList
          list={bp.list}
          columns={BACKUP_COLUMNS}
          width={w}
          active={screen.active}
          noun="backups"
          emptyText={bp.backups.status === 'loading' ? 'reading the catalog…' : 'no usable backup: take one in Backups first'}
        />
      ) : step === 'tables' ? (
        <WindowedList
          list={tp.list}
          columns={STAGE_TABLE_COLUMNS}
          width={w}
          active={screen.active}
          noun="tables"
          emptyText={tp.tables.status === 'loading' ? 'reading the manifest…' : 'no tables'}
        />
      ) : (
        <Box height={height + LIST_CHROME_LINES} />
      )}
      <Text dimColor wrap="truncate">
        {task.state === 'running' ? 'Esc cancels: always safe' : step === 'tables' ? 'space: select · Enter: compare with live' : 'Enter: choose'}
      </Text>
    </Box>
  );
}

function DiffViewScreen({ set, initial }: { set: DiffSet; initial?: DiffSelection }) {
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const view = useDiffView(set, Math.max(1, layout.bodyHeight - VIEW_CHROME - LIST_CHROME_LINES), initial);
  const [message, setMessage] = useState<string | null>(null);
  useScreenInput((command) => {
    const intent = diffIntent(command);
    setMessage(null);
    switch (intent.type) {
      case 'table':
        view.moveTable(intent.delta);
        return true;
      case 'nextClass':
        view.nextClass();
        return true;
      case 'toggleRow':
        view.toggleRow();
        return true;
      case 'toggleClass':
        view.toggleClass();
        return true;
      case 'openRow':
        if (view.list.current) nav.push('row', { set, table: view.table.id, row: view.list.current });
        return true;
      case 'merge': {
        const selections = toSelections(view.selection);
        if (!selections.length) setMessage('nothing chosen yet: space chooses a row, a a whole class');
        else nav.push('merge', { backupId: set.backupId, selections });
        return true;
      }
      case 'list':
        return view.list.handle(command);
    }
  });
  const w = layout.columns;
  return (
    <Box flexDirection="column" width={w}>
      <Tabs items={view.tables.map((t) => ({ id: t.id, label: t.display }))} current={view.table.id} active={false} hint={`←→ · backup ${set.backupId}`} />
      <ClassTabs view={view} active={screen.active} />
      {message ? (
        <Message kind="warn" text={message} width={w} />
      ) : view.message ? (
        <Message kind={view.message.kind} text={view.message.text} width={w} />
      ) : (
        <Text wrap="truncate">{describeSelection(view.selection, view.tables)}</Text>
      )}
      <WindowedList
        list={view.list}
        columns={DIFF_COLUMNS}
        width={w}
        active={screen.active}
        noun={`${view.cls} rows`}
        emptyText={`no ${view.cls} rows in ${view.table.display}`}
      />
      <Text dimColor wrap="truncate">
        Enter: the row · space: choose · a: the whole class · m: merge · Tab: class
      </Text>
    </Box>
  );
}

function ClassTabs({ view, active }: { view: DiffView; active: boolean }) {
  const t = view.table;
  return (
    <Tabs
      items={CLASSES.map((c) => ({ id: c, label: `${c} ${formatCount(classCount(t.counts, c))}` }))}
      current={view.cls}
      active={active}
      hint={`· unchanged ${formatCount(t.counts.unchanged)}`}
    />
  );
}
