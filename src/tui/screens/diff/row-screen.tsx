import { Box, Text } from 'ink';
import { useCallback, useMemo } from 'react';
import { show } from '../../../diff/format.js';
import { Message } from '../../components/message.js';
import { ScrolledLines, useScroll, type ScrolledLine } from '../../components/scrolled-lines.js';
import { wrapRow } from '../../components/wrapped-rows.js';
import type { DiffRowDetail } from '../../services.js';
import { useAsync } from '../../use-async.js';
import { useLayout } from '../../use-layout.js';
import { useScreenInput, type ScreenProps } from '../screen.js';

type Column = DiffRowDetail['columns'][number];

const value = (v: unknown) => (v === undefined ? '—' : show(v));

/**
 * The row view's lines at `width` cells: a header, then per column its name, a mark when it
 * differs, the backup's value and live's. Values wrap (an email, a description is read to its
 * end), so a column may take several lines.
 */
export function rowLines(columns: readonly Column[], width: number): ScrolledLine[] {
  const name = 20;
  const side = Math.max(10, Math.floor((width - 2 - name - 1 - 3) / 2));
  const live = Math.max(10, width - 2 - name - 1 - side - 3);
  const widths = [name, 1, side, live];
  const line = (cells: string[]) => wrapRow(cells, widths).map((l) => `  ${l}`);
  return [
    ...line(['COLUMN', '', 'BACKUP', 'LIVE']).map((text) => ({ text, bold: true })),
    ...columns.flatMap((c) => line([c.name, c.changed ? '≠' : ' ', value(c.before), value(c.after)]).map((text) => ({ text }))),
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

/** One row, column by column: the backup's value next to live's, the differing ones marked ≠; long values wrap, the view scrolls. */
export function RowScreen({ params }: ScreenProps<'row'>) {
  const layout = useLayout();
  const load = useCallback(() => params.set.row(params.table, params.row.keyTuple), [params.set, params.table, params.row.keyTuple]);
  const detail = useAsync(load);
  const d = detail.status === 'ready' ? detail.value : undefined;
  const w = layout.columns;
  const lines = useMemo(() => rowLines(d?.columns ?? [], w), [d, w]);
  // The title, the state line, and the position line below the values.
  const room = Math.max(1, layout.bodyHeight - 3);
  const scroll = useScroll(room, lines.length);
  useScreenInput((command) => scroll.handle(command));
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
      <ScrolledLines lines={lines} top={scroll.top} room={room} width={w} />
    </Box>
  );
}
