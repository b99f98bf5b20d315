import { Box, Text } from 'ink';
import { formatBytes, formatCount } from '../../../util/format.js';
import { Message } from '../../components/message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import { useNavigation } from '../../navigation.js';
import type { BackupTable, StageServices } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useLayout } from '../../use-layout.js';
import { BACKUP_COLUMNS } from '../backups/backup-columns.js';
import { Unavailable } from '../unavailable.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { stageIntent } from './stage-input.js';
import { useStageState, type StageState } from './use-stage-state.js';

/** Columns of a backup's tables, with whether each is staged. */
export const STAGE_TABLE_COLUMNS: ListColumn<BackupTable & { staged: boolean }>[] = [
  { header: 'TABLE', width: 'flex', render: (t) => t.name },
  { header: 'ROWS', width: 12, align: 'right', render: (t) => (t.rows === null ? '?' : `${t.rowsEstimated ? '~' : ''}${formatCount(t.rows)}`) },
  { header: 'SIZE', width: 8, align: 'right', render: (t) => formatBytes(t.bytes) },
  { header: 'STAGED', width: 6, render: (t) => (t.staged ? 'yes' : '') },
];

/** Lines besides the list: step line, two status lines, hint. */
const CHROME = 4;

/** Stage: pick a backup and tables (related ones suggested), restore them into staging with progress. */
export function StageScreen({ params }: ScreenProps<'stage'>) {
  const services = useServices();
  if (!services.stage) return <Unavailable what="Staging" />;
  return <Stage stage={services.stage} params={params} />;
}

function Stage({ stage, params }: { stage: StageServices; params: ScreenProps<'stage'>['params'] }) {
  const services = useServices();
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const state = useStageState(stage, services.backups, Math.max(1, layout.bodyHeight - CHROME - LIST_CHROME_LINES), params);
  const list = state.step === 'backup' ? state.backupList : state.tableList;
  useScreenInput((command) => {
    if (list.search.editing) return false;
    if (command === 'back' && list.search.applied) return list.handle(command);
    const intent = stageIntent(command, state.step, state.task.state);
    switch (intent.type) {
      case 'chooseBackup':
        state.chooseBackup();
        return true;
      case 'start':
        state.start();
        return true;
      case 'related':
        state.addRelated();
        return true;
      case 'cancel':
        state.task.cancel();
        return true;
      case 'toBackups':
        state.setStep('backup');
        return true;
      case 'toTables':
        state.task.reset();
        state.setStep('tables');
        return true;
      case 'openDiff':
        if (state.backupId && state.task.result)
          nav.push('diff', { backupId: state.backupId, tables: state.task.result.tables.length ? [...state.tableList.selected] : [] });
        return true;
      case 'list':
        return state.step === 'run' ? false : list.handle(command);
    }
  });
  const w = layout.columns;
  return (
    <Box flexDirection="column" width={w}>
      <Text bold wrap="truncate">
        {stepLine(state)}
      </Text>
      <Status state={state} width={w} />
      {state.step === 'backup' ? (
        <WindowedList
          list={state.backupList}
          columns={BACKUP_COLUMNS}
          width={w}
          active={screen.active}
          noun="backups"
          emptyText={state.backups.status === 'loading' ? 'reading the catalog…' : 'no usable backup: take one in Backups first'}
        />
      ) : state.step === 'tables' ? (
        <WindowedList
          list={state.tableList}
          columns={STAGE_TABLE_COLUMNS}
          width={w}
          active={screen.active}
          noun="tables"
          emptyText={state.tables.status === 'loading' ? 'reading the manifest…' : 'no tables'}
        />
      ) : (
        <RunResult state={state} height={layout.bodyHeight - CHROME} width={w} />
      )}
      <Text dimColor wrap="truncate">
        {hint(state)}
      </Text>
    </Box>
  );
}

function stepLine(s: StageState): string {
  if (s.step === 'backup') return 'Stage · 1/3 · the backup to copy tables from';
  if (s.step === 'tables') return `Stage · 2/3 · tables of ${s.backupId}`;
  return `Stage · 3/3 · copying into staging from ${s.backupId}`;
}

function Status({ state, width }: { state: StageState; width: number }) {
  if (state.task.state === 'running')
    return <ProgressBar event={state.task.progress ?? { operation: 'stage', phase: 'prepare', done: 0, total: 0 }} width={width} />;
  const line = state.message ? (
    <Message kind={state.message.kind} text={state.message.text} width={width} />
  ) : state.step === 'tables' && state.related.length ? (
    <Text wrap="truncate">{`Related in this backup: ${state.related.map((r) => r.slice(r.indexOf('.') + 1)).join(', ')} (r selects them)`}</Text>
  ) : (
    <Text dimColor wrap="truncate">
      Staging copies backup tables into a schema of their own; live is never written.
    </Text>
  );
  return (
    <>
      {line}
      <Text> </Text>
    </>
  );
}

function RunResult({ state, height, width }: { state: StageState; height: number; width: number }) {
  const t = state.task;
  const lines: { kind?: 'ok' | 'info' | 'error'; text: string }[] = [];
  if (t.state === 'running') lines.push({ text: 'Copying: each table is built under a temporary name and swapped in at the end.' });
  if (t.state === 'cancelled')
    lines.push({ kind: 'info', text: 'Cancelled. Tables finished before stay staged; live is untouched. Enter resumes, Esc goes back.' });
  if (t.state === 'failed') lines.push({ kind: 'error', text: t.error ?? 'staging failed' }, { text: 'Live is untouched. Enter tries again, Esc goes back.' });
  if (t.state === 'done' && t.result) {
    const r = t.result;
    lines.push({
      kind: 'ok',
      text: r.tables.length ? `Staged ${r.tables.length} table(s) into ${r.namespace}:` : 'Every table was staged already: nothing to copy.',
    });
    for (const x of r.tables) lines.push({ text: `  ${x.table}  ${formatCount(x.rows)} rows  ${x.seconds.toFixed(1)} s${x.related ? '  (related)' : ''}` });
    lines.push({ text: 'Enter: compare them with live (Diff)' });
  }
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(0, height).map((l, i) =>
        l.kind ? (
          <Message key={i} kind={l.kind} text={l.text} width={width} />
        ) : (
          <Text key={i} wrap="truncate">
            {l.text}
          </Text>
        ),
      )}
    </Box>
  );
}

function hint(s: StageState): string {
  if (s.step === 'backup') return 'Enter: choose this backup · Esc: back';
  if (s.step === 'tables') return `space: select · r: related · Enter: stage ${s.tableList.selected.size} table(s) · Esc: other backup`;
  if (s.task.state === 'running') return 'Esc cancels: always safe, live is never written';
  return 'Esc: back to the tables';
}
