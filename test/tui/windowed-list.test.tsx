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

  it('`/` searches an array source: the cursor goes to the match, every row stays; n/N next/previous; Esc clears', async () => {
    const rows = ['accounts', 'contacts', 'notes', 'account_contacts'].map((name, i) => ({ id: i + 1, name }));
    const source = arraySource(rows, (r) => r.name);
    const app = await renderAt(<Harness source={source} height={8} />);
    expect(await frameWith(app, 'notes')).toContain('1/4 rows');
    await type(app, '/cont');
    expect(await frameWith(app, '/ cont')).toContain('1/4 rows');
    app.stdin.write(KEYS.enter);
    const found = await frameWhere(app, (f) => f.includes('2/4 rows') && f.includes('search "cont"'));
    expect(found).toMatch(/▸\s+2\s+contacts/);
    expect(found).toContain('notes');
    app.stdin.write('n');
    expect(await frameWith(app, '4/4 rows')).toMatch(/▸\s+4\s+account_contacts/);
    app.stdin.write('n');
    expect(await frameWith(app, '2/4 rows')).toMatch(/▸\s+2\s+contacts/);
    app.stdin.write('N');
    expect(await frameWith(app, '4/4 rows')).toMatch(/▸\s+4\s+account_contacts/);
    app.stdin.write(KEYS.escape);
    expect(await frameWhere(app, (f) => !f.includes('search "cont"'))).toContain('4/4 rows');
  });

  it('`/` searches a remote source page by page, without a filter, past the visible rows', async () => {
    const source = { ...countingSource(5000), remote: true };
    const app = await renderAt(<Harness source={source} height={8} />);
    await frameWith(app, 'row 8');
    await type(app, '/row 300');
    app.stdin.write(KEYS.enter);
    expect(await frameWhere(app, (f) => f.includes('300/5,000 rows') && !f.includes('reading…'))).toMatch(/▸\s+300\s+row 300/);
    expect(source.pages.every((p) => p.filter === '')).toBe(true);
  });

  it('a search that matches nothing says so and leaves the cursor', async () => {
    const rows = ['accounts', 'contacts'].map((name, i) => ({ id: i + 1, name }));
    const app = await renderAt(<Harness source={arraySource(rows, (r) => r.name)} height={8} />);
    await frameWith(app, 'contacts');
    await type(app, '/zzz');
    app.stdin.write(KEYS.enter);
    expect(await frameWith(app, 'no match for "zzz"')).toContain('1/2 rows');
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
