import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { truncate } from '../../../util/format.js';
import { KeyValue } from '../../components/key-value.js';
import { arraySource } from '../../components/list-source.js';
import { useWindowedList } from '../../components/use-windowed-list.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import { useLayout } from '../../use-layout.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { keyText } from './audit-columns.js';

/** One column of a row image. */
interface ImageValue {
  column: string;
  value: string;
}

const IMAGE_COLUMNS: ListColumn<ImageValue>[] = [
  { header: 'COLUMN', width: 24, render: (v) => v.column },
  { header: 'VALUE (as it was)', width: 'flex', render: (v) => v.value },
];

/** Facts above the row image, and the heading line. */
const HEAD_LINES = 8;

/** One deletion event: when, what, who, how; then the deleted row as it was, when the source kept it. */
export function EventScreen({ params }: ScreenProps<'event'>) {
  const layout = useLayout();
  const screen = useScreen();
  const e = params.event;
  const values = useMemo(() => Object.entries(e.image ?? {}).map(([column, v]) => ({ column, value: show(v) })), [e]);
  const source = useMemo(() => arraySource(values, (v) => v.column), [values]);
  const list = useWindowedList({ source, height: Math.max(1, layout.bodyHeight - HEAD_LINES - LIST_CHROME_LINES), rowKey: (v) => v.column });
  useScreenInput((command) => list.handle(command));
  const w = layout.columns;
  return (
    <Box flexDirection="column" width={w}>
      <KeyValue
        width={w}
        keyWidth={9}
        entries={[
          { key: 'Time', value: `${e.time.replace('T', ' ').replace('Z', '')} UTC` },
          { key: 'Table', value: e.schema ? `${e.schema}.${e.table}` : e.table },
          { key: 'Key', value: keyText(e.key) },
          {
            key: 'Actor',
            value: e.actorName && e.actor && e.actorName !== e.actor ? `${e.actorName} (${e.actor})` : (e.actorName ?? e.actor ?? 'not recorded by the source'),
          },
          { key: 'Kind', value: e.kind === 'hard' ? 'hard delete: the row was removed' : 'soft delete: the row is still there, marked deleted' },
          { key: 'Source', value: e.source },
          {
            key: 'Details',
            value: e.details === null || e.details === undefined ? '' : truncate(typeof e.details === 'string' ? e.details : JSON.stringify(e.details), w - 10),
            tone: 'muted',
          },
        ]}
      />
      <Text bold>{e.image ? 'The row as it was' : ' '}</Text>
      {e.image ? (
        <WindowedList list={list} columns={IMAGE_COLUMNS} width={w} active={screen.active} noun="columns" />
      ) : (
        <Text wrap="wrap">{`${e.source} does not keep deleted rows. A backup taken before ${e.time.slice(0, 10)} has this one: the Diff (or the wizard) shows it.`}</Text>
      )}
    </Box>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/\s+/g, ' ');
}
