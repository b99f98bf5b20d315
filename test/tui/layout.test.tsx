import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../src/tui/use-layout.js';
import { KEYS, fakeServices, frameWhere, frameWith, press, renderConsole } from './helpers.js';

describe('layout', () => {
  it('breakpoints and the body height follow the terminal size', () => {
    expect(layoutFor(80, 24)).toMatchObject({ height: 23, bodyHeight: 20, breakpoint: 'normal', fits: true });
    expect(layoutFor(60, 20)).toMatchObject({ breakpoint: 'narrow', fits: true });
    expect(layoutFor(140, 40)).toMatchObject({ breakpoint: 'wide', bodyHeight: 36 });
    expect(layoutFor(40, 10).fits).toBe(false);
  });

  it('re-lays out on resize: frame width and height follow the terminal', async () => {
    const app = await renderConsole({ services: fakeServices() });
    await press(app, 'G', KEYS.enter);
    await frameWith(app, 'contacts');
    expect(app.lines()).toHaveLength(23);
    app.resize(60, 16);
    const narrow = await frameWhere(app, (f) => f.split('\n').length === 15);
    for (const l of narrow.split('\n')) expect([...l].length).toBeLessThanOrEqual(60);
    expect(narrow).toContain('contacts');
    app.resize(120, 30);
    const wide = await frameWhere(app, (f) => f.split('\n').length === 29);
    expect(wide.split('\n')[0].length).toBeGreaterThan(80);
    expect(wide).toContain('contacts');
    app.resize(40, 10);
    expect(await frameWith(app, 'Terminal too small')).toContain('needs 50×12');
    app.resize(80, 24);
    expect(await frameWhere(app, (f) => f.includes('contacts') && !f.includes('too small'))).toContain('Inspect tables');
  });

  it('puts Home in two columns on a wide terminal', async () => {
    const app = await renderConsole({ columns: 140, rows: 30 });
    await frameWith(app, 'SuiteCRM');
    const target = app.lines().find((l) => l.includes('Target'));
    expect(target).toContain('Actions');
  });
});
