import { Box, Text } from 'ink';
import { formatCount, pad } from '../../util/format.js';
import { cellWidth } from '../../util/text-width.js';
import { useTheme } from '../theme.js';
import { TextInput } from './text-input.js';
import type { WindowedListState } from './use-windowed-list.js';

/** One column of a windowed list. */
export interface ListColumn<Row> {
  header: string;
  /**
   * Terminal cells, or 'flex' for the room that is left (give one column flex). A number is the
   * least the column gets; 0 with a `max`: shown only when the others leave room for it.
   */
  width: number | 'flex';
  /**
   * Sized to its content: the column takes what its header and the visible rows need (in cells),
   * up to `max`, out of the room the others leave. A flex column with a max stops there and the
   * rest goes to the other columns with a max; a flex column without one takes all the rest.
   */
  max?: number;
  align?: 'left' | 'right';
  render(row: Row): string;
}

/** Props of a windowed list; its state comes from `useWindowedList`. */
export interface WindowedListProps<Row> {
  list: WindowedListState<Row>;
  columns: ListColumn<Row>[];
  width: number;
  /** Has the keyboard: the cursor row is highlighted and the search field takes keys. */
  active?: boolean;
  /** What the rows are, for the position line: "tables". */
  noun?: string;
  /** Shown when the source has no rows at all. */
  emptyText?: string;
}

/** Lines a list takes besides its rows: the header and the position/search line. */
export const LIST_CHROME_LINES = 2;

/**
 * A list of any length that renders exactly `height + 2` lines: the column header, the visible
 * rows (blank lines below the last), and a line with the position, the selection and the filter.
 */
export function WindowedList<Row>(props: WindowedListProps<Row>) {
  const theme = useTheme();
  const { list, columns, width, active = true, noun = 'rows' } = props;
  const { window: w } = list;
  const prefixWidth = 2 + (list.selectable ? 4 : 0);
  const visible: string[][] = [];
  for (let i = 0; i < w.height && w.offset + i < w.count; i++) {
    const row = list.rowAt(w.offset + i);
    if (row !== undefined) visible.push(columns.map((c) => c.render(row)));
  }
  const widths = columnWidths(columns, width - prefixWidth, visible);
  // A column with no room (an optional one) is left out with its gap.
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (widths[i] > 0 ? pad(c, widths[i], columns[i].align) : null))
      .filter((c) => c !== null)
      .join(' ');
  // The search matches what the rows show: every column, as rendered (before the cut to its width).
  list.showRowsAs((row) => columns.map((c) => c.render(row)).join(' '));

  const rows = [];
  for (let i = 0; i < w.height; i++) {
    const index = w.offset + i;
    if (index >= w.count) {
      const text = i === 0 && w.count === 0 && !list.loading ? (props.emptyText ?? `no ${noun}`) : '';
      rows.push(
        <Text key={i} dimColor={text !== ''}>
          {text ? `  ${text}` : ' '}
        </Text>,
      );
      continue;
    }
    const row = list.rowAt(index);
    const isCursor = index === w.cursor;
    const mark = isCursor ? `${theme.markers.cursor} ` : '  ';
    const sel = list.selectable ? `${row !== undefined && list.selected.has(list.rowKey(row)) ? theme.markers.selected : theme.markers.unselected} ` : '';
    const body = row === undefined ? '…' : line(columns.map((c) => c.render(row)));
    rows.push(
      <Text key={i} wrap="truncate" inverse={isCursor && active} color={isCursor ? theme.fg('accent') : undefined}>
        {pad(mark + sel + body, width)}
      </Text>,
    );
  }

  const position = w.count === 0 ? `0 ${noun}` : `${formatCount(w.cursor + 1)}/${formatCount(w.count)} ${noun}`;
  const extras = [
    list.selectable && list.selected.size ? `${formatCount(list.selected.size)} selected` : '',
    // Before the search's words, which may be long and are cut first.
    list.loading ? 'reading…' : '',
    list.search.editing ? '' : (list.search.note ?? (list.search.applied ? `search "${list.search.applied.trim()}" · n/N: next/previous · Esc clears` : '')),
  ].filter(Boolean);
  const status = [position, ...extras].join(' · ');

  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        {pad(' '.repeat(prefixWidth) + line(columns.map((c) => c.header)), width)}
      </Text>
      {rows}
      {list.error ? (
        <Text color={theme.fg('error')} wrap="truncate">{`${theme.markers.error} could not read the ${noun}: ${list.error}`}</Text>
      ) : list.search.editing ? (
        <Box width={width}>
          <Box flexGrow={1}>
            <TextInput
              prompt="/"
              value={list.search.text}
              onChange={list.search.setText}
              onSubmit={() => list.search.end(true)}
              onCancel={() => list.search.end(false)}
              active={active}
              width={Math.max(10, width - cellWidth(status) - 2)}
            />
          </Box>
          <Text dimColor>{status}</Text>
        </Box>
      ) : (
        <Text dimColor wrap="truncate">
          {status}
        </Text>
      )}
    </Box>
  );
}

/**
 * Column widths in cells for `room` cells. Fixed columns get their width; the flex column the rest
 * (at least 8). Columns with a `max` are sized to `shown` (the visible rows' cells, as rendered):
 * a capped flex column takes what its content needs first, then the other capped columns grow to
 * theirs, left to right, from what is left; an optional column (width 0) only when it fits whole.
 */
export function columnWidths<Row>(columns: ListColumn<Row>[], room: number, shown: readonly (readonly string[])[] = []): number[] {
  const least = columns.map((c) => (c.width === 'flex' ? 0 : c.width));
  const gapOf = (w: number) => (w > 0 ? 1 : 0);
  const used = (ws: number[]) => ws.reduce((s, w) => s + w + gapOf(w), 0) - 1;
  const widths = [...least];
  const flexAt = columns.findIndex((c) => c.width === 'flex');
  const need = (i: number) => {
    const c = columns[i];
    const content = Math.max(cellWidth(c.header), ...shown.map((r) => cellWidth(r[i] ?? '')));
    return Math.max(least[i], Math.min(c.max ?? content, content));
  };
  if (flexAt >= 0) {
    const rest = room - used(widths.map((w, i) => (i === flexAt ? 1 : w))) + 1;
    const capped = columns[flexAt].max;
    widths[flexAt] = Math.max(8, capped === undefined ? rest : Math.min(rest, need(flexAt)));
    if (capped === undefined) return widths;
  }
  columns.forEach((c, i) => {
    if (c.max === undefined || i === flexAt) return;
    const free = room - used(widths);
    const grown = Math.min(need(i), widths[i] + free - (widths[i] === 0 ? 1 : 0));
    if (widths[i] === 0 ? grown >= need(i) : grown > widths[i]) widths[i] = grown;
  });
  return widths;
}
