import { Box } from 'ink';
import { useMemo } from 'react';
import { describe, expect, it } from 'vitest';
import { arraySource, type ListSource } from '../../src/tui/components/list-source.js';
import { useWindowedList } from '../../src/tui/components/use-windowed-list.js';
import { WindowedList, type ListColumn } from '../../src/tui/components/windowed-list.js';
import { InputRouter } from '../../src/tui/input/router.js';
import { InputRouterContext } from '../../src/tui/input/use-input-layer.js';
import { useInputLayer } from '../../src/tui/input/use-input-layer.js';
import { useInput } from 'ink';
import { KEYS, frameWhere, frameWith, renderAt, tick, type TestApp } from './helpers.js';

interface Row {
  id: number;
  name: string;
}

const COLUMNS: ListColumn<Row>[] = [
  { header: 'ID', width: 8, align: 'right', render: (r) => String(r.id) },
  { header: 'NAME', width: 'flex', render: (r) => r.name },
];

/** A source of `n` generated rows that records what the list asked for. */
function countingSource(n: number): ListSource<Row> & { pages: { offset: number; limit: number; filter: string }[] } {
  const pages: { offset: number; limit: number; filter: string }[] = [];
  return {
    pages,
    count: (filter) => (filter ? Math.floor(n / 10) : n),
    page: (offset, limit, filter) => {
      pages.push({ offset, limit, filter });
      return Array.from({ length: limit }, (_, i) => ({ id: offset + i + 1, name: `row ${offset + i + 1}${filter ? ` ${filter}` : ''}` }));
    },
  };
}

/** A list with its own input (the console's router does this for screens). */
function Harness({ source, height, selectable }: { source: ListSource<Row>; height: number; selectable?: boolean }) {
  const router = useMemo(() => new InputRouter(), []);
  useInput((input, key) => router.press(input, key));
  return (
    <InputRouterContext.Provider value={router}>
      <ListWithInput source={source} height={height} selectable={selectable} />
    </InputRouterContext.Provider>
  );
}

function ListWithInput({ source, height, selectable }: { source: ListSource<Row>; height: number; selectable?: boolean }) {
  const list = useWindowedList({ source, height, rowKey: (r) => String(r.id), selectable });
  useInputLayer({ priority: 10, context: selectable ? 'diff' : 'tables', handle: (command) => list.handle(command) });
  return (
    <Box flexDirection="column">
      <WindowedList list={list} columns={COLUMNS} width={60} noun="rows" />
    </Box>
  );
}

async function type(app: TestApp, text: string) {
  for (const ch of text) {
    app.stdin.write(ch);
    await tick(2);
  }
}

describe('WindowedList', () => {
  it('renders the same number of lines for 10 and 100,000 rows', async () => {
    const small = await renderAt(<Harness source={countingSource(10)} height={15} />);
    const big = await renderAt(<Harness source={countingSource(100_000)} height={15} />);
    expect(await frameWith(big, 'row 15')).toContain('1/100,000 rows');
    expect(await frameWith(small, 'row 10')).toContain('1/10 rows');
    expect(small.lines()).toHaveLength(17);
    expect(big.lines()).toHaveLength(17);
  });

  it('asks the source only for the visible page, however long the list', async () => {
    const source = countingSource(100_000);
    const app = await renderAt(<Harness source={source} height={15} />);
    await frameWith(app, 'row 15');
    await type(app, 'jjj');
    app.stdin.write(KEYS.pageDown);
    await frameWith(app, 'row 28');
    app.stdin.write('G');
    expect(await frameWith(app, 'row 100000')).toContain('100,000/100,000 rows');
    expect(source.pages.length).toBeGreaterThan(0);
    for (const p of source.pages) expect(p.limit).toBeLessThanOrEqual(15);
    expect(source.pages.map((p) => p.offset)).toEqual([0, 14, 99_985]);
  });

  it('`/` filters: in memory for an array source', async () => {
    const rows = ['accounts', 'contacts', 'notes', 'account_contacts'].map((name, i) => ({ id: i + 1, name }));
    const source = arraySource(rows, (r) => r.name);
    const app = await renderAt(<Harness source={source} height={8} />);
    expect(await frameWith(app, 'notes')).toContain('1/4 rows');
    await type(app, '/acc');
    const filtered = await frameWhere(app, (f) => f.includes('1/2 rows') && !f.includes('reading…'));
    expect(filtered).toContain('/ acc');
    expect(filtered).toContain('account_contacts');
    expect(filtered).not.toContain('notes');
    app.stdin.write(KEYS.enter);
    expect(await frameWith(app, 'filter "acc" (Esc clears)')).not.toContain('/ acc');
    app.stdin.write(KEYS.escape);
    expect(await frameWith(app, 'notes')).toContain('1/4 rows');
  });

  it('`/` filters: a remote source gets the filter', async () => {
    const source = { ...countingSource(5000), remote: true };
    const app = await renderAt(<Harness source={source} height={8} />);
    await frameWith(app, 'row 8');
    await type(app, '/x');
    expect(await frameWhere(app, (f) => f.includes('1/500 rows') && !f.includes('reading…'))).toContain('row 1 x');
    expect(source.pages.at(-1)).toEqual({ offset: 0, limit: 8, filter: 'x' });
  });

  it('space selects rows; the count shows under the list', async () => {
    const app = await renderAt(<Harness source={countingSource(50)} height={5} selectable />);
    await frameWith(app, 'row 5');
    app.stdin.write(KEYS.space);
    await tick(2);
    await type(app, 'jj');
    app.stdin.write(KEYS.space);
    await frameWith(app, '2 selected');
    const lines = app.lines();
    expect(lines.find((l) => / row 1$/.test(l.trimEnd()))).toContain('[x]');
    expect(lines.find((l) => / row 2$/.test(l.trimEnd()))).toContain('[ ]');
    expect(lines.find((l) => / row 3$/.test(l.trimEnd()))).toContain('[x]');
  });
});
