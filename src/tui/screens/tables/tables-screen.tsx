import { Box, Text } from 'ink';
import { useCallback, useMemo } from 'react';
import { formatBytes, formatCount } from '../../../util/format.js';
import { arraySource } from '../../components/list-source.js';
import { useWindowedList } from '../../components/use-windowed-list.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import { useNavigation } from '../../navigation.js';
import type { TableSummary } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useAsync } from '../../use-async.js';
import { useLayout } from '../../use-layout.js';
import { useTheme } from '../../theme.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';

/** Columns of the tables list. */
export const TABLE_COLUMNS: ListColumn<TableSummary>[] = [
  { header: 'TABLE', width: 'flex', render: (t) => (t.softDelete ? `${t.display} ◦` : t.display) },
  { header: 'KEY', width: 20, render: (t) => t.key ?? '(no key)' },
  { header: 'ROWS~', width: 11, align: 'right', render: (t) => formatCount(t.rowEstimate) },
  { header: 'SIZE', width: 8, align: 'right', render: (t) => formatBytes(t.bytes) },
];

/** Inspect tables: every table with its key, estimated rows and size; `/` searches, Enter opens one. */
export function TablesScreen(_props: ScreenProps<'tables'>) {
  const services = useServices();
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const theme = useTheme();
  const load = useCallback(() => services.listTables(), [services]);
  const tables = useAsync(load);
  const rows = tables.status === 'ready' ? tables.value : undefined;
  const source = useMemo(() => arraySource(rows ?? [], (t) => t.display), [rows]);
  const list = useWindowedList({ source, height: Math.max(1, layout.bodyHeight - LIST_CHROME_LINES - 1), rowKey: (t) => t.id });
  useScreenInput((command) => {
    if (list.handle(command)) return true;
    if (command === 'open' && list.current) {
      nav.push('table', { id: list.current.id, name: list.current.display });
      return true;
    }
    return false;
  });
  return (
    <Box flexDirection="column">
      {tables.status === 'error' ? (
        <Text wrap="truncate" color={theme.fg('error')}>{`${theme.markers.error} could not read the tables: ${tables.error}`}</Text>
      ) : (
        <WindowedList
          list={list}
          columns={TABLE_COLUMNS}
          width={layout.columns}
          active={screen.active}
          noun="tables"
          emptyText={tables.status === 'loading' ? 'reading…' : 'no tables'}
        />
      )}
      <Text dimColor wrap="truncate">
        ◦ soft-delete column · Enter: columns, keys and relations
      </Text>
    </Box>
  );
}
