import { Box, Text } from 'ink';
import { formatCount, pad } from '../../../util/format.js';
import { Message } from '../../components/message.js';
import { Tabs } from '../../components/tabs.js';
import { LIST_CHROME_LINES, WindowedList } from '../../components/windowed-list.js';
import { useIdleKeys } from '../../footer-hints.js';
import { useNavigation } from '../../navigation.js';
import type { AuditServices } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useTheme } from '../../theme.js';
import { useLayout } from '../../use-layout.js';
import { Unavailable } from '../unavailable.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { EVENT_COLUMNS, INCIDENT_COLUMNS } from './audit-columns.js';
import { auditIdleKeys, auditIntent } from './audit-input.js';
import { axisRow, chartRows, markerRow } from './timeline-chart.js';
import { BUCKET_MS, bucketLabel, bucketStart, rangeLabel, windowRange } from './timeline-range.js';
import { useAuditState, type AuditState } from './use-audit-state.js';

/** Lines above the lower pane: title, chart (2–3), markers, time axis, cursor line, tabs; and the hint below. */
const chartHeight = (bodyHeight: number) => (bodyHeight >= 18 ? 3 : 2);
const headLines = (bodyHeight: number) => chartHeight(bodyHeight) + 5;

/** Audit: the deletion timeline (bars per bucket) over the incidents and the events of the chosen range. */
export function AuditScreen({ params }: ScreenProps<'audit'>) {
  const services = useServices();
  if (!services.audit) return <Unavailable what="The audit" />;
  return <Audit audit={services.audit} day={params.day} />;
}

function Audit({ audit, day }: { audit: AuditServices; day?: string }) {
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const rows = Math.max(1, layout.bodyHeight - headLines(layout.bodyHeight) - 1 - LIST_CHROME_LINES);
  const state = useAuditState(audit, { width: layout.columns, incidentRows: rows, eventRows: rows, day });
  const list = state.pane === 'incidents' ? state.incidentList : state.events;
  useIdleKeys(auditIdleKeys(state.pane));
  useScreenInput((command) => {
    if (list.search.editing) return false;
    const intent = auditIntent(command, state.pane, { narrowed: state.narrowed, anchored: state.anchor !== null });
    switch (intent.type) {
      case 'bucket':
        state.moveBucket(intent.delta);
        return true;
      case 'anchor':
        state.toggleAnchor();
        return true;
      case 'zoom':
        state.zoom();
        return true;
      case 'pane':
        state.nextPane();
        return true;
      case 'selectRange':
        state.selectRange(selectionLabel(state));
        return true;
      case 'clearRange':
        state.clearRange();
        return true;
      case 'focusIncident':
        if (state.incidentList.current) state.focusIncident(state.incidentList.current);
        return true;
      case 'recover':
        if (state.incidentList.current) nav.push('wizard', { incident: state.incidentList.current });
        return true;
      case 'openEvent':
        if (state.events.current) nav.push('event', { event: state.events.current });
        return true;
      case 'list':
        return list.handle(command);
    }
  });
  const w = layout.columns;
  return (
    <Box flexDirection="column" width={w}>
      <Chart state={state} width={w} height={chartHeight(layout.bodyHeight)} />
      <Tabs
        items={[
          { id: 'incidents', label: `Incidents${state.incidents.status === 'ready' ? ` (${state.incidents.value.length})` : ''}` },
          { id: 'events', label: 'Events' },
        ]}
        current={state.pane}
        active={screen.active}
        hint={
          state.narrowedTo
            ? `${state.narrowedTo} (Esc: the whole chart)`
            : `of ${state.eventsRange ? rangeLabel(state.eventsRange, state.window?.bucket ?? 'hour') : '…'}`
        }
      />
      {state.pane === 'incidents' ? (
        state.incidents.status === 'error' ? (
          <Message kind="error" text={state.incidents.error} width={w} />
        ) : (
          <WindowedList
            list={state.incidentList}
            columns={INCIDENT_COLUMNS}
            width={w}
            active={screen.active}
            noun="incidents"
            emptyText={state.incidents.status === 'loading' ? 'grouping deletions into incidents…' : 'no incidents: no burst of deletions by one actor'}
          />
        )
      ) : (
        <WindowedList list={state.events} columns={EVENT_COLUMNS} width={w} active={screen.active} noun="events" emptyText="no deletions in this range" />
      )}
      <Text dimColor wrap="truncate">
        {state.pane === 'incidents'
          ? state.incidentList.current?.recovered
            ? `${state.incidentList.current.recovered.mark} · Enter: events · Tab: events`
            : 'Enter: events of the incident · r: recover it with the wizard · Tab: events'
          : 'Enter: the row as it was · /: search · space then Enter: a range'}
      </Text>
    </Box>
  );
}

function Chart({ state, width, height }: { state: AuditState; width: number; height: number }) {
  const theme = useTheme();
  const w = state.window;
  if (state.buckets.status === 'error') {
    return (
      <Box flexDirection="column" height={height + 4}>
        <Message kind="error" text={`could not read the audit: ${state.buckets.error}`} width={width} />
      </Box>
    );
  }
  if (!w || state.buckets.status !== 'ready') {
    return (
      <Box flexDirection="column" height={height + 4}>
        <Text dimColor>reading the deletion timeline…</Text>
      </Box>
    );
  }
  const buckets = state.buckets.value;
  const counts = Array.from({ length: w.count }, (_, i) => {
    const b = buckets.find((x) => Date.parse(x.start) === bucketStart(w, i));
    return b ? b.hard + b.soft : 0;
  });
  const total = buckets.reduce((n, b) => n + b.hard + b.soft, 0);
  const range = windowRange(w);
  const here = buckets.find((x) => Date.parse(x.start) === bucketStart(w, state.cursor));
  const sel = state.anchor !== null ? { from: Math.min(state.anchor, state.cursor), to: Math.max(state.anchor, state.cursor) } : null;
  const cursorText = `${bucketLabel(bucketStart(w, state.cursor), w.bucket)}: ${formatCount(here ? here.hard : 0)} hard, ${formatCount(here ? here.soft : 0)} soft`;
  const selText = sel ? ` · range from ${bucketLabel(bucketStart(w, state.anchor!), w.bucket)} (Enter: its events)` : ' · space: start a range · z: zoom';
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {pad(`Deletions by ${w.bucket} · ${rangeLabel(range, w.bucket)} UTC · ${formatCount(total)} rows`, width)}
      </Text>
      {chartRows(counts, height).map((line, i) => (
        <Text key={i} color={theme.fg('warn')}>
          {line}
        </Text>
      ))}
      <Text dimColor>{markerRow(w.count, state.cursor, sel)}</Text>
      <Text dimColor wrap="truncate">
        {axisRow(w.count, {
          start: bucketLabel(bucketStart(w, 0), w.bucket),
          middle: bucketLabel(bucketStart(w, Math.floor(w.count / 2)), w.bucket),
          middleAt: Math.floor(w.count / 2),
          end: bucketLabel(w.end, w.bucket),
          note: `1 bar = 1 ${w.bucket}`,
        })}
      </Text>
      <Text wrap="truncate">{`▲ ${cursorText}${selText}`}</Text>
    </Box>
  );
}

function selectionLabel(state: AuditState): string {
  const w = state.window!;
  const a = Math.min(state.anchor ?? state.cursor, state.cursor);
  const b = Math.max(state.anchor ?? state.cursor, state.cursor);
  const range = { since: new Date(bucketStart(w, a)).toISOString(), until: new Date(bucketStart(w, b) + BUCKET_MS[w.bucket]).toISOString() };
  return `range ${rangeLabel(range, w.bucket)}`;
}
