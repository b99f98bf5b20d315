import { Box, Text } from 'ink';
import { useCallback, useMemo } from 'react';
import { show } from '../../../diff/format.js';
import { arraySource } from '../../components/list-source.js';
import { Message } from '../../components/message.js';
import { useWindowedList } from '../../components/use-windowed-list.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import type { DiffRowDetail } from '../../services.js';
import { useAsync } from '../../use-async.js';
import { useLayout } from '../../use-layout.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';

type Column = DiffRowDetail['columns'][number];

const value = (v: unknown) => (v === undefined ? '—' : show(v));

/** Columns of the row view: the column, a mark when it differs, the backup's value, live's. */
function rowColumns(width: number): ListColumn<Column>[] {
  const side = Math.max(10, Math.floor((width - 6 - 20 - 4) / 2));
  return [
    { header: 'COLUMN', width: 20, render: (c) => c.name },
    { header: '', width: 1, render: (c) => (c.changed ? '≠' : ' ') },
    { header: 'BACKUP', width: side, render: (c) => value(c.before) },
    { header: 'LIVE', width: 'flex', render: (c) => value(c.after) },
  ];
}

/** What the row is, in words. */
export function rowStateText(d: Pick<DiffRowDetail, 'inBackup' | 'inLive' | 'columns'>): string {
  if (d.inBackup && !d.inLive) return 'in the backup, gone from live: a merge inserts it back';
  if (!d.inBackup && d.inLive) return 'only in live (added since the backup): a merge never deletes it';
  if (!d.inBackup) return 'in neither: it changed since the diff was read';
  const n = d.columns.filter((c) => c.changed).length;
  return n ? `${n} column(s) differ (≠): a merge of this row puts the backup's values back` : 'no compared column differs';
}

/** One row, column by column: the backup's value next to live's, the differing ones marked ≠. */
export function RowScreen({ params }: ScreenProps<'row'>) {
  const layout = useLayout();
  const screen = useScreen();
  const load = useCallback(() => params.set.row(params.table, params.row.keyTuple), [params.set, params.table, params.row.keyTuple]);
  const detail = useAsync(load);
  const d = detail.status === 'ready' ? detail.value : undefined;
  const source = useMemo(() => arraySource(d?.columns ?? [], (c) => c.name), [d]);
  const list = useWindowedList({ source, height: Math.max(1, layout.bodyHeight - 2 - LIST_CHROME_LINES), rowKey: (c) => c.name });
  useScreenInput((command) => list.handle(command));
  const columns = useMemo(() => rowColumns(layout.columns), [layout.columns]);
  const w = layout.columns;
  const key = Object.entries(params.row.key)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
  return (
    <Box flexDirection="column" width={w}>
      <Text bold wrap="truncate">{`${params.table} · ${key} · ${params.row.class}`}</Text>
      {detail.status === 'error' ? (
        <Message kind="error" text={detail.error} width={w} />
      ) : (
        <Text wrap="truncate">{d ? rowStateText(d) : 'reading the row on both sides…'}</Text>
      )}
      <WindowedList list={list} columns={columns} width={w} active={screen.active} noun="columns" />
    </Box>
  );
}
