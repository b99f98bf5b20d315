import { useInput } from 'ink';
import { render } from 'ink-testing-library';
import { useMemo, type ReactElement, type ReactNode } from 'react';
import { InputRouter } from '../../src/tui/input/router.js';
import { InputRouterContext } from '../../src/tui/input/use-input-layer.js';
import { ConsoleApp } from '../../src/tui/app.js';
import type { ConsoleServices, Overview, TableDetail, TableSummary } from '../../src/tui/services.js';
import { createTheme } from '../../src/tui/theme.js';

/** Lets Ink read the key and React render: setImmediate, then setTimeout(0). */
export async function tick(times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((resolve) => setImmediate(() => setTimeout(resolve, 0)));
}

/** Raw key sequences as a terminal sends them. */
export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  backspace: '\x7f',
  space: ' ',
  ctrlC: '\x03',
} as const;

/** A TableSummary with defaults. */
export function table(name: string, extra: Partial<TableSummary> = {}): TableSummary {
  return { id: `public.${name}`, schema: 'public', name, display: name, key: 'id', rowEstimate: 100, bytes: 16_384, softDelete: null, entity: false, ...extra };
}

/** The overview the fakes report. */
export const OVERVIEW: Overview = {
  target: 'postgres://crm@db.example:5432/crm_prod',
  engine: 'postgres',
  database: 'crm_prod',
  serverVersion: '15.4',
  crm: { flavour: 'suitecrm', name: 'SuiteCRM / SugarCRM CE', confidence: 0.92, evidence: ['accounts, contacts, opportunities tables'] },
  totals: { tables: 3, bytes: 5_200_000, rowEstimate: 12_345 },
};

/** Fake services: three tables, details derived from the name; override any member. */
export function fakeServices(overrides: Partial<ConsoleServices> = {}): ConsoleServices {
  const tables = [table('accounts', { softDelete: 'deleted', entity: true }), table('contacts', { rowEstimate: 5000 }), table('notes', { key: null })];
  return {
    loadOverview: async () => OVERVIEW,
    listTables: async () => tables,
    tableDetail: async (id): Promise<TableDetail> => {
      const t = tables.find((x) => x.id === id) ?? table(id);
      return {
        table: t,
        columns: [
          { name: 'id', dataType: 'integer', nullable: false, default: null, keyRole: 'PK' },
          { name: 'name', dataType: 'character varying(100)', nullable: true, default: null, keyRole: '' },
          { name: 'account_id', dataType: 'integer', nullable: true, default: null, keyRole: '' },
        ],
        primaryKey: ['id'],
        uniqueKeys: [],
        relations: [{ direction: 'parent', table: 'accounts', columns: ['account_id'], otherColumns: ['id'], source: 'declared', note: 'ON DELETE CASCADE' }],
      };
    },
    ...overrides,
  };
}

/** An Ink test instance whose fake stdout has a settable size. */
export type TestApp = ReturnType<typeof render> & {
  /** Resizes the fake terminal and emits `resize`, like a real one. */
  resize(columns: number, rows: number): void;
  /** The last frame's lines. */
  lines(): string[];
};

/** Renders a tree at a terminal size (ink-testing-library's stdout is 100 columns with no rows). */
export async function renderAt(tree: ReactElement, columns = 80, rows = 24): Promise<TestApp> {
  const app = render(tree);
  const resize = (c: number, r: number) => {
    Object.defineProperty(app.stdout, 'columns', { configurable: true, get: () => c });
    Object.defineProperty(app.stdout, 'rows', { configurable: true, get: () => r });
    app.stdout.emit('resize');
  };
  resize(columns, rows);
  await tick(2);
  return Object.assign(app, { resize, lines: () => (app.lastFrame() ?? '').split('\n') });
}

/** Renders the whole console with fake services at 80×24. */
export async function renderConsole(
  options: { services?: ConsoleServices; color?: boolean; onQuit?: () => void; columns?: number; rows?: number } = {},
): Promise<TestApp> {
  const app = await renderAt(
    <ConsoleApp services={options.services ?? fakeServices()} theme={createTheme(options.color ?? false)} onQuit={options.onQuit} />,
    options.columns ?? 80,
    options.rows ?? 24,
  );
  await tick(2);
  return app;
}

/** Types keys one by one, letting the console render after each. */
export async function press(app: TestApp, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    app.stdin.write(k);
    await tick(2);
  }
}

/**
 * Waits (a tick at a time) until the last frame satisfies `test`, and returns that frame. The
 * deadline is generous (a loaded machine renders slowly); past it, fails with `what` and the last
 * frame seen.
 */
export async function frameWhere(
  app: { lastFrame(): string | undefined },
  test: (frame: string) => boolean,
  timeoutMs = 30_000,
  what = 'a frame that passes the test',
): Promise<string> {
  const started = performance.now();
  for (;;) {
    const frame = app.lastFrame() ?? '';
    if (test(frame)) return frame;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; the last frame was:\n${frame}`);
    await tick();
  }
}

/** Waits until the last frame contains `text`; returns the frame. */
export function frameWith(app: { lastFrame(): string | undefined }, text: string, timeoutMs?: number): Promise<string> {
  return frameWhere(app, (f) => f.includes(text), timeoutMs, `a frame with ${JSON.stringify(text)}`);
}

/** Gives a component tree the console's input routing (one useInput, the router), for component tests. */
export function WithInput({ children }: { children: ReactNode }) {
  const router = useMemo(() => new InputRouter(), []);
  useInput((input, key) => router.press(input, key));
  return <InputRouterContext.Provider value={router}>{children}</InputRouterContext.Provider>;
}
