import { describe, expect, it, vi } from 'vitest';
import { HOME_ACTIONS } from '../../src/tui/screens/home/actions.js';
import { KEYS, fakeServices, frameWhere, frameWith, press, renderConsole, tick } from './helpers.js';
import { useClock } from '../helpers/clock.js';
import { NOW, recoveryFakes } from './fake-recovery.js';

// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

describe('console navigation', () => {
  it('Enter opens Inspect tables, Enter opens a table, Esc goes back one screen each time', async () => {
    const app = await renderConsole();
    await frameWith(app, 'crm_prod');
    await press(app, 'G');
    expect(await frameWith(app, '▸ Inspect tables')).toContain('Inspect tables');
    await press(app, KEYS.enter);
    const tables = await frameWith(app, 'contacts');
    expect(tables).toContain('crm-rescue › Home › Inspect tables');
    expect(tables).toMatch(/TABLE\s+KEY\s+ROWS~\s+SIZE/);
    expect(tables).toContain('accounts ◦');
    expect(tables).toContain('(no key)');
    await press(app, 'j', KEYS.enter);
    const detail = await frameWith(app, 'character varying(100)');
    expect(detail).toContain('Home › Inspect tables › contacts');
    expect(detail).toContain('▸ Columns (3)');
    await press(app, KEYS.tab);
    expect(await frameWith(app, '→ parent accounts')).toContain('ON DELETE CASCADE');
    await press(app, KEYS.escape);
    const back = await frameWhere(app, (f) => !f.includes('Columns (3)'));
    expect(back).toContain('▸ contacts');
    await press(app, KEYS.escape);
    expect(await frameWith(app, 'Actions')).toContain('▸ Inspect tables');
  });

  it('every Home action opens its screen, and Esc comes back', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    const expected: Record<string, string> = {
      wizard: 'Step 1/8',
      audit: 'Deletions by',
      backups: 'backups of this target',
      stage: 'Stage · 1/3',
      diff: 'Diff · the backup',
      merge: 'Merges (journal)',
      tables: 'TABLE',
    };
    for (const [i, action] of HOME_ACTIONS.entries()) {
      await press(app, 'g', ...Array(i).fill('j'), KEYS.enter);
      const frame = await frameWith(app, expected[action.screen]);
      expect(frame).toContain(`Home › ${action.label}`);
      expect(frame).not.toContain('not built yet');
      await press(app, KEYS.escape);
      await frameWith(app, 'Actions');
    }
  });

  it('without the recovery services, their screens say so and change nothing', async () => {
    const app = await renderConsole();
    await press(app, 'j', KEYS.enter);
    expect(await frameWith(app, 'not available')).toContain('The audit is not available in this console.');
    expect(app.lines().at(-1)).toMatch(/Esc back/);
  });

  it('? shows the keys of the current screen, and closes with ? or Esc', async () => {
    const app = await renderConsole();
    await press(app, '?');
    const homeHelp = await frameWith(app, 'Keys · Home');
    expect(homeHelp).toContain('Open the item under the cursor');
    expect(homeHelp).not.toContain('Search the list');
    await press(app, '?');
    expect(await frameWith(app, 'Actions')).not.toContain('Keys ·');
    await press(app, 'G', KEYS.enter);
    await frameWith(app, 'contacts');
    await press(app, '?');
    const tablesHelp = await frameWith(app, 'Keys · Inspect tables');
    expect(tablesHelp).toContain('Search the list');
    expect(tablesHelp).toMatch(/\/\s+Search the list/);
    expect(tablesHelp).toMatch(/Esc\s+Go back/);
    expect(tablesHelp).not.toContain('Select every row of the class');
    await press(app, KEYS.escape);
    const closed = await frameWhere(app, (f) => !f.includes('Keys ·'));
    expect(closed).toContain('Home › Inspect tables');
  });

  it('/ searches the tables list (the cursor goes to the match, every row stays) and Esc clears the search before going back', async () => {
    const app = await renderConsole();
    await press(app, 'G', KEYS.enter);
    await frameWith(app, 'contacts');
    await press(app, '/', 'c', 'o', 'n', KEYS.enter);
    const found = await frameWhere(app, (f) => f.includes('2/3 tables') && f.includes('search "con"'));
    expect(found).toContain('▸ contacts');
    expect(found).toContain('accounts');
    await press(app, KEYS.escape);
    const cleared = await frameWhere(app, (f) => !f.includes('search "con"'));
    expect(cleared).toContain('Inspect tables');
    await press(app, KEYS.escape);
    expect(await frameWith(app, 'Actions')).toContain('Target');
  });

  it('q quits at once when no work is running', async () => {
    const onQuit = vi.fn();
    const app = await renderConsole({ onQuit });
    await press(app, 'q');
    expect(onQuit).toHaveBeenCalledOnce();
  });

  it('q in a text field is text, not quit', async () => {
    const onQuit = vi.fn();
    const app = await renderConsole({ onQuit });
    await press(app, 'G', KEYS.enter);
    await frameWith(app, 'contacts');
    await press(app, '/', 'q');
    expect(await frameWith(app, '/ q')).toContain('3 tables');
    expect(onQuit).not.toHaveBeenCalled();
  });

  it('Alt+q (Esc q over SSH) does not quit', async () => {
    const onQuit = vi.fn();
    const app = await renderConsole({ onQuit });
    await press(app, '\x1bq');
    await tick(3);
    expect(onQuit).not.toHaveBeenCalled();
  });

  it('Esc on Home says how to quit', async () => {
    const app = await renderConsole();
    await press(app, KEYS.escape);
    expect(await frameWith(app, 'q quits')).toContain('· This is Home');
    expect(app.lines().at(-2)).not.toContain('Esc back');
  });

  it('keys typed ahead in one chunk are handled one after the other', async () => {
    const app = await renderConsole();
    await frameWith(app, 'crm_prod');
    app.stdin.write('G\r');
    expect(await frameWith(app, 'Home › Inspect tables')).toContain('TABLE');
  });

  it('shows a failed read inline and on the screen, without crashing', async () => {
    const app = await renderConsole({ services: fakeServices({ loadOverview: async () => Promise.reject(new Error('connection lost')) }) });
    expect(await frameWith(app, 'connection lost')).toContain('✗ could not read the database: connection lost');
  });
});
