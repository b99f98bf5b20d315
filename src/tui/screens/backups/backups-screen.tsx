import { Box, Text } from 'ink';
import { Message } from '../../components/message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { LIST_CHROME_LINES, WindowedList } from '../../components/windowed-list.js';
import { useNavigation } from '../../navigation.js';
import type { BackupServices } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useLayout } from '../../use-layout.js';
import { Unavailable } from '../unavailable.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { BACKUP_COLUMNS } from './backup-columns.js';
import { backupsIntent } from './backups-input.js';
import { useBackupsState } from './use-backups-state.js';

/** Lines around the list: the status (two lines: progress bar or message) and the hint. */
const HEAD_LINES = 2;
const FOOT_LINES = 1;

/** Backups: the catalog of this target; run a backup with progress (Esc cancels), verify, open a manifest. */
export function BackupsScreen(_props: ScreenProps<'backups'>) {
  const services = useServices();
  if (!services.backups) return <Unavailable what="The backup catalog" />;
  return <Backups service={services.backups} />;
}

function Backups({ service }: { service: BackupServices }) {
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const state = useBackupsState(service, Math.max(1, layout.bodyHeight - HEAD_LINES - FOOT_LINES - LIST_CHROME_LINES));
  const running = state.task.state === 'running';
  useScreenInput((command) => {
    if (state.list.editingFilter) return false;
    const intent = backupsIntent(command, running);
    switch (intent.type) {
      case 'cancel':
        state.task.cancel();
        return true;
      case 'busy':
        state.say('info', 'wait for the running work to end, or Esc to cancel it');
        return true;
      case 'run':
        state.runBackup();
        return true;
      case 'verify':
        state.verifyCurrent();
        return true;
      case 'open':
        if (state.list.current) nav.push('backup', { id: state.list.current.id });
        return Boolean(state.list.current);
      case 'list':
        return state.list.handle(command);
    }
  });
  const w = layout.columns;
  return (
    <Box flexDirection="column" width={w}>
      {running ? (
        <ProgressBar
          event={state.task.progress ?? { operation: 'starting', phase: '', done: 0, total: 0 }}
          width={w}
          noun={state.task.progress?.operation === 'verify' ? 'files' : 'tables'}
        />
      ) : (
        <>
          {state.message ? <Message kind={state.message.kind} text={state.message.text} width={w} /> : <Text dimColor>{summary(state)}</Text>}
          <Text> </Text>
        </>
      )}
      {state.backups.status === 'error' ? (
        <Message kind="error" text={`could not read the catalog: ${state.backups.error}`} width={w} />
      ) : (
        <WindowedList
          list={state.list}
          columns={BACKUP_COLUMNS}
          width={w}
          active={screen.active}
          noun="backups"
          emptyText={state.backups.status === 'loading' ? 'reading…' : 'no backups of this target yet: b takes one'}
        />
      )}
      <Text dimColor wrap="truncate">
        {running ? 'Esc cancels: the partial files are removed, nothing else changes' : 'Enter: manifest · b: back up now · v: verify against the manifest'}
      </Text>
    </Box>
  );
}

function summary(state: ReturnType<typeof useBackupsState>): string {
  if (state.backups.status !== 'ready') return 'reading the catalog…';
  const all = state.backups.value;
  const usable = all.filter((b) => b.usable).length;
  return `${all.length} backup${all.length === 1 ? '' : 's'} of this target, ${usable} usable`;
}
