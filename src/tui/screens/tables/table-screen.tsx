import { Box, Text } from 'ink';
import { useCallback, useMemo, useState } from 'react';
import { formatBytes, formatCount } from '../../../util/format.js';
import { KeyValue } from '../../components/key-value.js';
import { arraySource } from '../../components/list-source.js';
import { useWindowedList } from '../../components/use-windowed-list.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import type { ColumnSummary, RelationSummary, TableDetail } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useTheme } from '../../theme.js';
import { useAsync } from '../../use-async.js';
import { useLayout } from '../../use-layout.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';

const COLUMN_COLUMNS: ListColumn<ColumnSummary>[] = [
  { header: 'COLUMN', width: 'flex', render: (c) => c.name },
  { header: 'TYPE', width: 24, render: (c) => c.dataType },
  { header: 'NULL', width: 4, render: (c) => (c.nullable ? 'yes' : 'no') },
  { header: 'KEY', width: 3, render: (c) => c.keyRole },
  { header: 'DEFAULT', width: 16, render: (c) => c.default ?? '' },
];

const RELATION_COLUMNS: ListColumn<RelationSummary>[] = [
  { header: 'DIR', width: 8, render: (r) => (r.direction === 'parent' ? '→ parent' : '← child') },
  { header: 'TABLE', width: 'flex', render: (r) => r.table },
  { header: 'VIA', width: 22, render: (r) => `${r.columns.join(',')} = ${r.otherColumns.join(',')}` },
  { header: 'KIND', width: 7, render: (r) => (r.source === 'declared' ? 'FK' : 'implied') },
  { header: 'NOTE', width: 19, render: (r) => r.note },
];

type Pane = 'columns' | 'relations';

/** Lines above the panes: five facts, a blank line, the pane tabs. */
const HEAD_LINES = 7;

/** One table: its key, size and soft-delete mark, then its columns and relations (Tab switches). */
export function TableScreen({ params }: ScreenProps<'table'>) {
  const services = useServices();
  const layout = useLayout();
  const screen = useScreen();
  const theme = useTheme();
  const load = useCallback(() => services.tableDetail(params.id), [services, params.id]);
  const detail = useAsync(load);
  const [pane, setPane] = useState<Pane>('columns');
  const d: TableDetail | undefined = detail.status === 'ready' ? detail.value : undefined;
  const columnSource = useMemo(() => arraySource(d?.columns ?? [], (c) => c.name), [d]);
  const relationSource = useMemo(() => arraySource(d?.relations ?? [], (r) => r.table), [d]);
  const height = Math.max(1, layout.bodyHeight - HEAD_LINES - LIST_CHROME_LINES);
  const columns = useWindowedList({ source: columnSource, height, rowKey: (c) => c.name });
  const relations = useWindowedList({ source: relationSource, height, rowKey: (r) => `${r.direction}:${r.table}:${r.columns.join(',')}` });
  useScreenInput((command) => {
    if (command === 'nextPane') {
      setPane((p) => (p === 'columns' ? 'relations' : 'columns'));
      return true;
    }
    return (pane === 'columns' ? columns : relations).handle(command);
  });
  if (detail.status === 'loading') return <Text dimColor>reading {params.name}…</Text>;
  if (detail.status === 'error') return <Text color={theme.fg('error')}>{`${theme.markers.error} could not read ${params.name}: ${detail.error}`}</Text>;
  const t = d!.table;
  return (
    <Box flexDirection="column">
      <KeyValue
        width={layout.columns}
        keyWidth={13}
        entries={[
          { key: 'Table', value: `${t.display}${t.entity ? ' (CRM entity)' : ''}` },
          t.key ? { key: 'Key', value: t.key } : { key: 'Key', value: 'none: diff and merge need a primary or NOT NULL unique key', tone: 'warn' },
          { key: 'Rows', value: `~${formatCount(t.rowEstimate)} (estimate)` },
          { key: 'Size', value: formatBytes(t.bytes) },
          { key: 'Soft delete', value: t.softDelete ? `column ${t.softDelete}: deleted rows stay in the table` : 'none: deleted rows are gone' },
        ]}
      />
      <Text> </Text>
      <PaneTabs pane={pane} counts={{ columns: d!.columns.length, relations: d!.relations.length }} />
      {pane === 'columns' ? (
        <WindowedList list={columns} columns={COLUMN_COLUMNS} width={layout.columns} active={screen.active} noun="columns" />
      ) : (
        <WindowedList
          list={relations}
          columns={RELATION_COLUMNS}
          width={layout.columns}
          active={screen.active}
          noun="relations"
          emptyText="no relations: no foreign keys, none implied by the CRM"
        />
      )}
    </Box>
  );
}

function PaneTabs({ pane, counts }: { pane: Pane; counts: Record<Pane, number> }) {
  const theme = useTheme();
  const tab = (p: Pane, label: string) => (
    <Text bold={pane === p} inverse={pane === p} color={pane === p ? theme.fg('accent') : undefined}>
      {pane === p ? `${theme.markers.cursor} ${label} (${counts[p]}) ` : `  ${label} (${counts[p]}) `}
    </Text>
  );
  return (
    <Text wrap="truncate">
      {tab('columns', 'Columns')} {tab('relations', 'Relations')}
      <Text dimColor> Tab switches</Text>
    </Text>
  );
}
