import { Box, Text } from 'ink';
import { NoAuditSourceError } from '../../../audit/errors.js';
import { engineName } from '../../../dialect/engine-name.js';
import { formatBytes, formatCount, pad, truncate } from '../../../util/format.js';
import { cellWidth } from '../../../util/text-width.js';
import { KeyValue, type KeyValueEntry } from '../../components/key-value.js';
import { useNavigation } from '../../navigation.js';
import type { Overview } from '../../services.js';
import { useTheme } from '../../theme.js';
import { useLayout } from '../../use-layout.js';
import { useScreenInput, type ScreenProps } from '../screen.js';
import { backupLine } from './backup-line.js';
import { deletionLines } from './deletions.js';
import { homeIntent } from './home-input.js';
import { useHomeState, type HomeState } from './use-home-state.js';

/** Home: what the console is connected to, how safe it is (backup age, recent deletions), and where to go. */
export function HomeScreen(_props: ScreenProps<'home'>) {
  const state = useHomeState();
  const nav = useNavigation();
  const layout = useLayout();
  useScreenInput((command) => {
    const intent = homeIntent(command, state.actions, state.cursor);
    if (intent.type === 'move') state.move(intent.move);
    else if (intent.type === 'open') {
      // The Audit opens on the worst recent spike, hour by hour, when there is one.
      if (intent.action.screen === 'audit' && state.spikeDay) nav.push('audit', { day: state.spikeDay });
      else nav.push(intent.action.screen);
    }
    return intent.type !== 'none';
  });
  const wide = layout.breakpoint === 'wide';
  // On a short terminal the blank line before the actions goes first.
  const gap = !wide && layout.bodyHeight >= 16 ? 1 : 0;
  const infoWidth = wide ? Math.floor(layout.columns / 2) - 1 : layout.columns;
  const actionsWidth = wide ? layout.columns - infoWidth - 2 : layout.columns;
  return (
    <Box flexDirection={wide ? 'row' : 'column'} width={layout.columns}>
      <Box flexDirection="column" width={infoWidth} marginRight={wide ? 2 : 0}>
        <KeyValue entries={overviewEntries(state)} width={infoWidth} keyWidth={13} />
      </Box>
      <Box flexDirection="column" width={actionsWidth} marginTop={gap} flexShrink={0}>
        <ActionList state={state} width={actionsWidth} />
      </Box>
    </Box>
  );
}

function ActionList({ state, width }: { state: HomeState; width: number }) {
  const theme = useTheme();
  const labelWidth = Math.max(...state.actions.map((a) => cellWidth(a.label))) + 2;
  return (
    <>
      <Text bold>Actions</Text>
      {state.actions.map((a, i) => {
        const here = i === state.cursor;
        const line = `${here ? theme.markers.cursor : ' '} ${pad(a.label, labelWidth)}${state.notes[a.screen] ?? a.description}`;
        return (
          <Text key={a.screen} inverse={here} color={here ? theme.fg('accent') : undefined} wrap="truncate">
            {pad(truncate(line, width), width)}
          </Text>
        );
      })}
    </>
  );
}

function overviewEntries(state: HomeState): KeyValueEntry[] {
  const o = state.overview;
  if (o.status === 'loading') return [{ key: 'Target', value: 'reading the database…', tone: 'muted' }];
  if (o.status === 'error') return [{ key: 'Target', value: `could not read the database: ${o.error}`, tone: 'error' }];
  const v: Overview = o.value;
  const backup = backupLine(state.backup);
  const entries: KeyValueEntry[] = [
    { key: 'Target', value: v.target },
    { key: 'Server', value: `${engineName(v.engine).family} ${v.serverVersion}` },
    { key: 'CRM', value: crmText(v) },
    { key: 'Size', value: `${formatBytes(v.totals.bytes)} in ${formatCount(v.totals.tables)} tables, ~${formatCount(v.totals.rowEstimate)} rows` },
    { key: 'Last backup', value: backup.text, tone: backup.tone === 'ok' ? undefined : backup.tone },
  ];
  const d = state.deletions;
  if (d === 'absent') entries.push({ key: 'Deletions', value: 'audit not available yet', tone: 'muted' });
  else if (d.status === 'loading') entries.push({ key: 'Deletions', value: 'reading…', tone: 'muted' });
  else if (d.status === 'error' && d.cause instanceof NoAuditSourceError)
    entries.push({ key: 'Deletions', value: 'no audit source here: crm-rescue audit install adds one', tone: 'warn' });
  else if (d.status === 'error') entries.push({ key: 'Deletions', value: `could not read the audit: ${d.error}`, tone: 'error' });
  else {
    const lines = deletionLines(d.value);
    entries.push({ key: 'Deletions', value: lines.summary, tone: lines.spike ? 'warn' : undefined });
    entries.push({ key: '', value: lines.perDay, tone: 'muted' });
  }
  const i = state.incident !== 'absent' && state.incident.status === 'ready' ? state.incident.value : null;
  if (i) {
    const when = `${i.window.start.slice(5, 10)} ${i.window.start.slice(11, 16)}`;
    entries.push({
      key: 'Incident',
      value: `${formatCount(i.rows.total)} rows on ${when}: ${i.recovered ? i.recovered.mark : 'not recovered'}`,
      tone: i.recovered?.extent === 'all' ? undefined : 'warn',
    });
  }
  return entries;
}

function crmText(v: Overview): string {
  if (v.crm.flavour === 'generic') return `no known CRM recognised: generic tables${v.crm.evidence[0] ? ` (${v.crm.evidence[0]})` : ''}`;
  return `${v.crm.name} (confidence ${Math.round(v.crm.confidence * 100)}%)`;
}
