import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { charKey, splitKeys } from '../../src/tui/input/split-keys.js';
import { InputRouter } from '../../src/tui/input/router.js';
import { KEYMAP, footerFor, footerWidth, helpFor, keymapMarkdown, resolveCommand } from '../../src/tui/keymap.js';

const key = (over: Partial<Key> = {}): Key => ({ ...charKey('x').key, ...over });

describe('keymap', () => {
  it('resolves the documented keys on a list screen', () => {
    expect(resolveCommand('', key({ upArrow: true }), 'tables')).toBe('up');
    expect(resolveCommand('k', key(), 'tables')).toBe('up');
    expect(resolveCommand('j', key(), 'tables')).toBe('down');
    expect(resolveCommand('', key({ pageDown: true }), 'tables')).toBe('pageDown');
    expect(resolveCommand('g', key(), 'tables')).toBe('first');
    expect(resolveCommand('G', key({ shift: true }), 'tables')).toBe('last');
    expect(resolveCommand('', key({ return: true }), 'tables')).toBe('open');
    expect(resolveCommand('/', key(), 'tables')).toBe('search');
    expect(resolveCommand('n', key(), 'tables')).toBe('searchNext');
    expect(resolveCommand('N', key({ shift: true }), 'diff')).toBe('searchPrevious');
    expect(resolveCommand('?', key(), 'tables')).toBe('help');
    expect(resolveCommand('q', key(), 'tables')).toBe('quit');
    expect(resolveCommand('c', key({ ctrl: true }), 'tables')).toBe('quit');
  });

  it('tests Escape first: Ink 6 also sets meta for it', () => {
    expect(resolveCommand('', key({ escape: true, meta: true }), 'tables')).toBe('back');
    expect(resolveCommand('', key({ escape: true, meta: true }), 'text')).toBe('cancel');
    expect(resolveCommand('', key({ escape: true, meta: true }), 'dialog')).toBe('cancel');
  });

  it('ignores Alt chords (Esc + key over SSH): Alt+q does not quit, Alt+y does not confirm', () => {
    expect(resolveCommand('q', key({ meta: true }), 'tables')).toBeUndefined();
    expect(resolveCommand('y', key({ meta: true }), 'dialog')).toBeUndefined();
    expect(resolveCommand('', key({ return: true, meta: true }), 'dialog')).toBeUndefined();
  });

  it('activates keys only on their screens', () => {
    expect(resolveCommand('/', key(), 'home')).toBeUndefined();
    expect(resolveCommand('a', key(), 'tables')).toBeUndefined();
    expect(resolveCommand('a', key(), 'diff')).toBe('selectClass');
    expect(resolveCommand(' ', key(), 'diff')).toBe('toggle');
    expect(resolveCommand(' ', key(), 'tables')).toBeUndefined();
    expect(resolveCommand('', key({ tab: true }), 'table')).toBe('nextPane');
    expect(resolveCommand('', key({ tab: true }), 'home')).toBeUndefined();
    expect(resolveCommand('', key({ escape: true, meta: true }), 'home')).toBe('back');
  });

  it('in a text field, letters are text, not commands', () => {
    expect(resolveCommand('q', key(), 'text')).toBeUndefined();
    expect(resolveCommand('', key({ delete: true }), 'text')).toBe('deleteBack');
    expect(resolveCommand('u', key({ ctrl: true }), 'text')).toBe('clearLine');
  });

  it('fits the footer to the width, keeping help and quit longest', () => {
    const wide = footerFor('tables', 80);
    expect(wide.map((i) => i.text)).toEqual(['move', 'open', 'back', 'search', 'help', 'quit']);
    expect(footerWidth(wide)).toBeLessThanOrEqual(80);
    const narrow = footerFor('tables', 20);
    expect(narrow.map((i) => i.text)).toEqual(['help', 'quit']);
  });

  it('leaves out of the footer the commands a screen says do nothing in its present state', () => {
    const all = footerFor('merge', 200).map((i) => i.text);
    expect(all).toEqual(expect.arrayContaining(['pane', 'apply', 'sql', 'write sql', 'policy', 'undo']));
    const journal = footerFor('merge', 200, ['apply', 'sql', 'write', 'policy', 'nextPane']).map((i) => i.text);
    expect(journal).toEqual(['move', 'back', 'search', 'undo', 'help', 'quit']);
  });

  it('help lists exactly the bindings of a context', () => {
    const tables = helpFor('tables').map((e) => e.description);
    expect(tables.some((d) => d.startsWith('Search the list'))).toBe(true);
    expect(tables.some((d) => d.startsWith('Select every row of the class'))).toBe(false);
    expect(helpFor('diff').map((e) => e.keys)).toContain('a');
  });

  it('renders the key list as Markdown, every binding once', () => {
    const md = keymapMarkdown();
    expect(md).toMatch(/^# Console keys/);
    for (const b of KEYMAP) expect(md).toContain(b.description);
    expect(md).toContain('| `↑` `k` | Move up |');
  });
});

describe('type-ahead', () => {
  it('splits keys that arrive in one chunk', () => {
    const presses = splitKeys('G\r', key());
    expect(presses.map((p) => p.input)).toEqual(['G', '']);
    expect(presses[0].key.shift).toBe(true);
    expect(presses[1].key.return).toBe(true);
    expect(splitKeys('j', key())).toHaveLength(1);
  });
});

describe('input router', () => {
  it('offers a key to the highest layer first and stops at the one that handles it', () => {
    const router = new InputRouter();
    const seen: string[] = [];
    router.add({ priority: 0, context: () => 'tables', handle: (c) => (seen.push(`global:${c}`), true) });
    const removeText = router.add({
      priority: 20,
      context: () => 'text',
      handle: (c, input) => (seen.push(`text:${c ?? input}`), c === undefined && input !== ''),
    });
    router.dispatch('q', key());
    router.dispatch('', key({ upArrow: true }));
    removeText();
    router.dispatch('q', key());
    expect(seen).toEqual(['text:q', 'text:', 'global:up', 'global:quit']);
  });
});
