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
import { externalLines } from './external-labels.js';
import { FoundList, ImportLines } from './import-view.js';
import { useBackupsState } from './use-backups-state.js';
import { useImport } from './use-import.js';

/**
 * Lines around the list: the status (two lines: progress bar or message); below, the row under
 * the cursor (or the import's path field) and the hint (or the field's choices).
 */
const HEAD_LINES = 2;
const FOOT_LINES = 2;

/**
 * Backups: the catalog of this target, crm-rescue's own and the dumps other tools made (marked
 * ⇲); run a backup with progress (Esc cancels), verify, open a manifest, import a dump (i).
 */
export function BackupsScreen(_props: ScreenProps<'backups'>) {
  const services = useServices();
  if (!services.backups) return <Unavailable what="The backup catalog" />;
  return <Backups service={services.backups} />;
}

function Backups({ service }: { service: BackupServices }) {
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const height = Math.max(1, layout.bodyHeight - HEAD_LINES - FOOT_LINES - LIST_CHROME_LINES);
  const state = useBackupsState(service, height);
  const imp = useImport(service, height, {
    imported: (imported) => {
      if (imported.length) state.reloadAt(imported[0].item.id);
    },
    report: (m) => (m ? state.say(m.kind, m.text) : state.hush()),
  });
  const running = state.task.state === 'running';
  useScreenInput((command) => {
    if (state.list.search.editing) return false;
    if (imp.handle(command)) return true;
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
      case 'import':
        imp.open();
        return true;
      case 'open':
        if (state.list.current) nav.push('backup', { id: state.list.current.id });
        return Boolean(state.list.current);
      case 'list':
        return state.list.handle(command);
    }
  });
  const w = layout.columns;
  const importing = imp.task.state === 'running';
  const current = state.list.current;
  return (
    <Box flexDirection="column" width={w}>
      {importing ? (
        <ProgressBar event={imp.task.progress ?? { operation: 'import', phase: 'reading', done: 0, total: 0 }} width={w} noun="files" />
      ) : running ? (
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
      {imp.mode === 'found' ? (
        <FoundList imp={imp} width={w} active={screen.active} />
      ) : state.backups.status === 'error' ? (
        <Message kind="error" text={`could not read the catalog: ${state.backups.error}`} width={w} />
      ) : (
        <WindowedList
          list={state.list}
          columns={BACKUP_COLUMNS}
          width={w}
          active={screen.active}
          noun="backups"
          emptyText={state.backups.status === 'loading' ? 'reading…' : 'no backups of this target yet: b takes one, i imports a dump'}
        />
      )}
      {imp.mode !== 'closed' ? (
        <ImportLines imp={imp} width={w} active={screen.active} />
      ) : (
        <>
          <Text wrap="truncate">{current?.external ? externalLines(current.external)[0] : current ? `crm-rescue backup ${current.id}` : ' '}</Text>
          <Text dimColor wrap="truncate">
            {running
              ? 'Esc cancels: the partial files are removed, nothing else changes'
              : current?.external
                ? externalLines(current.external)[1]
                : 'Enter: manifest · b: back up now · v: verify · i: import a dump (a file, or a folder to search)'}
          </Text>
        </>
      )}
    </Box>
  );
}

function summary(state: ReturnType<typeof useBackupsState>): string {
  if (state.backups.status !== 'ready') return 'reading the catalog…';
  const all = state.backups.value;
  const usable = all.filter((b) => b.usable).length;
  return `${all.length} backup${all.length === 1 ? '' : 's'} of this target, ${usable} usable`;
}
