import type { Key } from 'ink';
import { cellWidth } from '../util/text-width.js';
import type { ScreenId } from './screen-id.js';
import { LIST_SCREENS, SCREEN_IDS } from './screen-id.js';

/**
 * The one keymap of the console. The footer, the `?` help overlay and docs/keys.md are generated
 * from this table, and the input router resolves every key press through it: a key does only
 * what this table says, and only where it says.
 */

/** What a key press asks for. Screens and layers react to commands, not to raw keys. */
export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'first'
  | 'last'
  | 'open'
  | 'back'
  | 'search'
  | 'searchNext'
  | 'searchPrevious'
  | 'nextPane'
  | 'toggle'
  | 'selectClass'
  | 'help'
  | 'quit'
  | 'confirm'
  | 'submit'
  | 'cancel'
  | 'deleteBack'
  | 'clearLine'
  | 'left'
  | 'right'
  | 'zoom'
  | 'recover'
  | 'run'
  | 'verify'
  | 'related'
  | 'merge'
  | 'sql'
  | 'policy'
  | 'apply'
  | 'undo'
  | 'next'
  | 'details'
  | 'import'
  | 'complete'
  | 'write'
  | 'wrap'
  | 'nextStatement'
  | 'previousStatement';

/**
 * Where a binding applies: a screen, or one of the layers above screens.
 * - `dialog`: a confirmation dialog is open.
 * - `text`: the cursor is in a text field (search, typed confirmation).
 * - `help`: the help overlay is open.
 * - `pager`: the SQL pager is open (over the plan of the Merge screen or the wizard).
 */
export type KeyContext = ScreenId | 'dialog' | 'text' | 'help' | 'pager';

/** A named key as Ink reports it. */
export type KeyName = 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'space';

/** One key: a named key, or a character (optionally with Ctrl). */
export type KeySpec = { name: KeyName; char?: never; ctrl?: never } | { char: string; ctrl?: boolean; name?: never };

/** One row of the keymap. */
export interface Binding {
  command: Command;
  keys: KeySpec[];
  /** What the command does, for the help overlay and the docs. */
  description: string;
  category: 'Move' | 'Act' | 'Select' | 'General' | 'Dialogs' | 'Text fields';
  /** Where the binding is active. */
  contexts: readonly KeyContext[];
  /**
   * Shown in the footer: short text, keys as shown (default: all of them), priority (lower stays
   * longer when the footer is narrow), and contexts where the hint would mislead. Priorities:
   * 0–1 help and quit; 2 the screen's Enter; 3 what moves between its parts (←→ buckets, tables,
   * steps; Tab panes) and Space select; 4 Esc; 5 the screen's own actions; 6 ↑↓; 7 search;
   * 8 the rest. A screen leaves out what does nothing in its state (`useIdleKeys`).
   */
  footer?: { text: string; keys?: string; priority: number; except?: readonly KeyContext[] };
}

/** The keymap. Order is the order of the help overlay and docs/keys.md. */
export const KEYMAP: readonly Binding[] = [
  {
    command: 'up',
    keys: [{ name: 'up' }, { char: 'k' }],
    description: 'Move up',
    category: 'Move',
    contexts: [...SCREEN_IDS, 'help', 'pager'],
    footer: { keys: '↑↓/jk', text: 'move', priority: 6 },
  },
  { command: 'down', keys: [{ name: 'down' }, { char: 'j' }], description: 'Move down', category: 'Move', contexts: [...SCREEN_IDS, 'help', 'pager'] },
  { command: 'pageUp', keys: [{ name: 'pageUp' }], description: 'One page up', category: 'Move', contexts: [...SCREEN_IDS, 'help', 'pager'] },
  { command: 'pageDown', keys: [{ name: 'pageDown' }], description: 'One page down', category: 'Move', contexts: [...SCREEN_IDS, 'help', 'pager'] },
  {
    command: 'first',
    keys: [{ name: 'home' }, { char: 'g' }],
    description: 'Go to the first row',
    category: 'Move',
    contexts: [...SCREEN_IDS, 'help', 'pager'],
  },
  { command: 'last', keys: [{ name: 'end' }, { char: 'G' }], description: 'Go to the last row', category: 'Move', contexts: [...SCREEN_IDS, 'help', 'pager'] },
  {
    command: 'left',
    keys: [{ name: 'left' }, { char: 'h' }],
    description: 'Timeline: the bucket before (scrolls back in time at the edge)',
    category: 'Move',
    contexts: ['audit'],
    footer: { keys: '←→', text: 'bucket', priority: 3 },
  },
  { command: 'right', keys: [{ name: 'right' }, { char: 'l' }], description: 'Timeline: the bucket after', category: 'Move', contexts: ['audit'] },
  {
    command: 'left',
    keys: [{ name: 'left' }, { char: 'h' }],
    description: 'The previous table of the diff',
    category: 'Move',
    contexts: ['diff'],
    footer: { keys: '←→', text: 'table', priority: 3 },
  },
  { command: 'right', keys: [{ name: 'right' }, { char: 'l' }], description: 'The next table of the diff', category: 'Move', contexts: ['diff'] },
  {
    command: 'left',
    keys: [{ name: 'left' }, { char: 'h' }],
    description: 'Back to the previous step (what later steps found is kept)',
    category: 'Move',
    contexts: ['wizard'],
    footer: { keys: '←', text: 'step back', priority: 3 },
  },
  {
    command: 'left',
    keys: [{ name: 'left' }, { char: 'h' }],
    description: 'SQL not wrapped: scroll left',
    category: 'Move',
    contexts: ['pager'],
    footer: { keys: '←→', text: 'scroll', priority: 3 },
  },
  { command: 'right', keys: [{ name: 'right' }, { char: 'l' }], description: 'SQL not wrapped: scroll right', category: 'Move', contexts: ['pager'] },
  {
    command: 'nextStatement',
    keys: [{ char: ']' }],
    description: 'SQL: the next statement',
    category: 'Move',
    contexts: ['pager'],
    footer: { keys: '[]', text: 'statement', priority: 3 },
  },
  { command: 'previousStatement', keys: [{ char: '[' }], description: 'SQL: the previous statement', category: 'Move', contexts: ['pager'] },
  {
    command: 'nextPane',
    keys: [{ name: 'tab' }],
    description: 'Switch pane (the diff: the next class of rows; a form: the next field)',
    category: 'Move',
    contexts: ['table', 'audit', 'diff', 'merge', 'wizard'],
    footer: { text: 'pane', priority: 3, except: ['diff', 'wizard'] },
  },
  {
    command: 'nextPane',
    keys: [{ name: 'tab' }],
    description: 'The next class of rows (deleted, soft-deleted, changed, added)',
    category: 'Move',
    contexts: ['diff'],
    footer: { text: 'class', priority: 3 },
  },
  {
    command: 'open',
    keys: [{ name: 'return' }],
    description: 'Open the item under the cursor',
    category: 'Act',
    contexts: ['home', 'tables', 'audit', 'backups', 'stage', 'diff'],
    footer: { text: 'open', priority: 2 },
  },
  {
    command: 'next',
    keys: [{ name: 'return' }],
    description: 'Go on to the next step (says first what it will do)',
    category: 'Act',
    contexts: ['wizard'],
    footer: { text: 'next', priority: 2 },
  },
  {
    command: 'apply',
    keys: [{ name: 'return' }],
    description: 'Apply the plan (you type the database name first)',
    category: 'Act',
    contexts: ['merge'],
    footer: { text: 'apply', priority: 2 },
  },
  {
    command: 'back',
    keys: [{ name: 'escape' }],
    description: 'Go back (clears the search first; cancels running work that can be cancelled; the wizard remembers where it was)',
    category: 'Act',
    contexts: [...SCREEN_IDS],
    footer: { text: 'back', priority: 4, except: ['home'] },
  },
  {
    command: 'search',
    keys: [{ char: '/' }],
    description: 'Search the list: what its rows show (key, actor, any value); Enter puts the cursor on the first match',
    category: 'Act',
    contexts: LIST_SCREENS,
    footer: { text: 'search', priority: 7 },
  },
  {
    command: 'searchNext',
    keys: [{ char: 'n' }],
    description: 'The next match of the search (wraps around)',
    category: 'Act',
    contexts: LIST_SCREENS,
  },
  {
    command: 'searchPrevious',
    keys: [{ char: 'N' }],
    description: 'The previous match of the search',
    category: 'Act',
    contexts: LIST_SCREENS,
  },
  {
    command: 'zoom',
    keys: [{ char: 'z' }],
    description: 'Timeline: finer buckets (day → hour → minute → day)',
    category: 'Act',
    contexts: ['audit'],
    footer: { text: 'zoom', priority: 8 },
  },
  {
    command: 'recover',
    keys: [{ char: 'r' }],
    description: 'Recover the incident under the cursor with the wizard',
    category: 'Act',
    contexts: ['audit'],
    footer: { text: 'recover', priority: 5 },
  },
  {
    command: 'run',
    keys: [{ char: 'b' }],
    description: 'Back up the target now (Esc cancels and removes the partial files)',
    category: 'Act',
    contexts: ['backups'],
    footer: { text: 'backup', priority: 5 },
  },
  {
    command: 'verify',
    keys: [{ char: 'v' }],
    description: 'Verify the backup under the cursor against its manifest',
    category: 'Act',
    contexts: ['backups'],
    footer: { text: 'verify', priority: 5 },
  },
  {
    command: 'import',
    keys: [{ char: 'i' }],
    description: 'Import a dump another tool made: type a file to import, or a folder to search for dumps',
    category: 'Act',
    contexts: ['backups', 'wizard'],
    footer: { text: 'import', priority: 5 },
  },
  {
    command: 'related',
    keys: [{ char: 'r' }],
    description: 'Select the related tables the backup holds too',
    category: 'Act',
    contexts: ['stage'],
    footer: { text: 'related', priority: 5 },
  },
  {
    command: 'merge',
    keys: [{ char: 'm' }],
    description: 'Merge the selected rows: plan first (a dry run), then apply',
    category: 'Act',
    contexts: ['diff'],
    footer: { text: 'merge', priority: 5 },
  },
  {
    command: 'details',
    keys: [{ char: 'd' }],
    description: 'Open the rows of the diff (the Diff screen)',
    category: 'Act',
    contexts: ['wizard'],
    footer: { text: 'rows', priority: 8 },
  },
  {
    command: 'sql',
    keys: [{ char: 's' }],
    description: "Read the plan's SQL: every statement whole, each under its table and row counts",
    category: 'Act',
    contexts: ['merge', 'wizard'],
    footer: { text: 'sql', priority: 5 },
  },
  {
    command: 'write',
    keys: [{ char: 'w' }],
    description: "Write the plan's SQL to a file (mode 0600; you choose the path): the text `crm-rescue merge --sql` prints",
    category: 'Act',
    contexts: ['merge', 'wizard', 'pager'],
    footer: { text: 'write sql', priority: 8 },
  },
  {
    command: 'wrap',
    keys: [{ char: 't' }],
    description: 'SQL: wrap long lines to the width, or not (then ←→ scroll)',
    category: 'Act',
    contexts: ['pager'],
    footer: { text: 'wrap', priority: 5 },
  },
  {
    command: 'back',
    keys: [{ name: 'escape' }, { char: 's' }],
    description: 'Close the SQL',
    category: 'Act',
    contexts: ['pager'],
    footer: { keys: 'Esc', text: 'close', priority: 2 },
  },
  {
    command: 'policy',
    keys: [{ char: 'p' }],
    description: 'Conflict policy: abort → skip → overwrite (plans again)',
    category: 'Act',
    contexts: ['merge', 'wizard'],
    footer: { text: 'policy', priority: 8 },
  },
  {
    command: 'undo',
    keys: [{ char: 'u' }],
    description: 'Undo the merge under the cursor (you type the database name first)',
    category: 'Act',
    contexts: ['merge'],
    footer: { text: 'undo', priority: 5 },
  },
  {
    command: 'toggle',
    keys: [{ name: 'space' }],
    description: 'Select or unselect the row under the cursor',
    category: 'Select',
    contexts: ['stage', 'diff', 'wizard'],
    footer: { text: 'select', priority: 3 },
  },
  {
    command: 'toggle',
    keys: [{ name: 'space' }],
    description: 'Found dumps: mark or unmark the one under the cursor',
    category: 'Select',
    contexts: ['backups'],
  },
  {
    command: 'toggle',
    keys: [{ name: 'space' }],
    description: 'Timeline: start a range at the bucket under the cursor (again: clear it)',
    category: 'Select',
    contexts: ['audit'],
    footer: { text: 'range', priority: 8 },
  },
  {
    command: 'selectClass',
    keys: [{ char: 'a' }],
    description: 'Select every row of the class under the cursor (deleted, changed or added)',
    category: 'Select',
    contexts: ['diff'],
    footer: { text: 'select class', priority: 8 },
  },
  {
    command: 'help',
    keys: [{ char: '?' }],
    description: 'Show the keys of this screen; again to close',
    category: 'General',
    contexts: [...SCREEN_IDS, 'help', 'pager'],
    footer: { text: 'help', priority: 0 },
  },
  {
    command: 'quit',
    keys: [{ char: 'q' }, { char: 'c', ctrl: true }],
    description: 'Quit (asks first while work is running)',
    category: 'General',
    contexts: [...SCREEN_IDS, 'help', 'pager'],
    footer: { keys: 'q', text: 'quit', priority: 1 },
  },
  { command: 'back', keys: [{ name: 'escape' }], description: 'Close the help', category: 'General', contexts: ['help'] },
  { command: 'confirm', keys: [{ char: 'y' }, { name: 'return' }], description: 'Confirm', category: 'Dialogs', contexts: ['dialog'] },
  { command: 'cancel', keys: [{ char: 'n' }, { name: 'escape' }], description: 'Cancel', category: 'Dialogs', contexts: ['dialog'] },
  { command: 'quit', keys: [{ char: 'c', ctrl: true }], description: 'Quit; in the quit dialog, quit at once', category: 'Dialogs', contexts: ['dialog'] },
  {
    command: 'submit',
    keys: [{ name: 'return' }],
    description: 'Run the search, or confirm the typed name',
    category: 'Text fields',
    contexts: ['text'],
  },
  { command: 'cancel', keys: [{ name: 'escape' }], description: 'Leave the field; a search is cleared', category: 'Text fields', contexts: ['text'] },
  {
    command: 'complete',
    keys: [{ name: 'tab' }],
    description: 'Path fields: complete the name, list the choices',
    category: 'Text fields',
    contexts: ['text'],
  },
  { command: 'deleteBack', keys: [{ name: 'backspace' }], description: 'Delete the character before the cursor', category: 'Text fields', contexts: ['text'] },
  { command: 'clearLine', keys: [{ char: 'u', ctrl: true }], description: 'Clear the field', category: 'Text fields', contexts: ['text'] },
];

/** Whether a binding is active in a context. */
export function isActiveIn(binding: Binding, context: KeyContext): boolean {
  return binding.contexts.includes(context);
}

/** Whether one key spec matches what Ink reported. */
export function matches(spec: KeySpec, input: string, key: Key): boolean {
  if (spec.name !== undefined) {
    switch (spec.name) {
      case 'up':
        return key.upArrow;
      case 'down':
        return key.downArrow;
      case 'left':
        return key.leftArrow;
      case 'right':
        return key.rightArrow;
      case 'pageUp':
        return key.pageUp;
      case 'pageDown':
        return key.pageDown;
      case 'home':
        return key.home;
      case 'end':
        return key.end;
      case 'return':
        return key.return;
      case 'escape':
        return key.escape;
      case 'tab':
        return key.tab && !key.shift;
      // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
      case 'backspace':
        return key.backspace || key.delete;
      case 'space':
        return input === ' ' && !key.ctrl;
    }
  }
  if (spec.ctrl) return key.ctrl && input === spec.char;
  return !key.ctrl && input === spec.char;
}

/**
 * Resolves a key press to the command it means in `context`, or undefined.
 * Escape is tested first: Ink 6 also sets `key.meta` for it. Any other Alt chord is ignored:
 * over SSH and tmux it arrives as Esc + key, and no action may hang on it.
 */
export function resolveCommand(input: string, key: Key, context: KeyContext): Command | undefined {
  if (!key.escape && key.meta) return undefined;
  for (const binding of KEYMAP) {
    if (!isActiveIn(binding, context)) continue;
    if (binding.keys.some((spec) => matches(spec, input, key))) return binding.command;
  }
  return undefined;
}

/** How a key is written in the footer, help and docs. */
export function keyLabel(spec: KeySpec): string {
  if (spec.name !== undefined) {
    const names: Record<KeyName, string> = {
      up: '↑',
      down: '↓',
      left: '←',
      right: '→',
      pageUp: 'PgUp',
      pageDown: 'PgDn',
      home: 'Home',
      end: 'End',
      return: 'Enter',
      escape: 'Esc',
      tab: 'Tab',
      backspace: 'Backspace',
      space: 'Space',
    };
    return names[spec.name];
  }
  return spec.ctrl ? `Ctrl+${spec.char.toUpperCase()}` : spec.char;
}

/** One entry of the help overlay or the docs. */
export interface HelpEntry {
  keys: string;
  description: string;
  category: Binding['category'];
}

/** The bindings active in a context, as help entries in keymap order. */
export function helpFor(context: KeyContext): HelpEntry[] {
  return KEYMAP.filter((b) => isActiveIn(b, context)).map((b) => ({
    keys: b.keys.map(keyLabel).join(' '),
    description: b.description,
    category: b.category,
  }));
}

/** One footer item: `Enter open`. */
export interface FooterItem {
  keys: string;
  text: string;
}

/**
 * The footer for a screen, fitted to `width` columns: items are dropped by priority (help and
 * quit stay longest) but keep their keymap order. `idle`: commands that do nothing in the
 * screen's present state (it says so), left out.
 */
export function footerFor(context: KeyContext, width: number, idle: readonly Command[] = []): FooterItem[] {
  const shown = (b: Binding) => b.footer && isActiveIn(b, context) && !b.footer.except?.includes(context) && !idle.includes(b.command);
  const candidates = KEYMAP.filter(shown).map((b, index) => ({
    index,
    priority: b.footer!.priority,
    item: { keys: b.footer!.keys ?? b.keys.map(keyLabel).join('/'), text: b.footer!.text },
  }));
  const byPriority = [...candidates].sort((a, b) => a.priority - b.priority);
  const kept: typeof candidates = [];
  for (const c of byPriority) {
    const trial = [...kept, c];
    if (footerWidth(trial.map((t) => t.item)) <= width) kept.push(c);
  }
  return kept.sort((a, b) => a.index - b.index).map((c) => c.item);
}

/** The footer's separator between items. */
export const FOOTER_SEPARATOR = '  ';

/** Width of the footer text for items, in terminal cells. */
export function footerWidth(items: FooterItem[]): number {
  return items.reduce((w, it, i) => w + cellWidth(it.keys) + 1 + cellWidth(it.text) + (i ? FOOTER_SEPARATOR.length : 0), 0);
}

/** The key list as Markdown, for README and docs/keys.md. Generated: edit KEYMAP instead. */
export function keymapMarkdown(): string {
  const lines: string[] = [
    '# Console keys',
    '',
    '<!-- Generated from src/tui/keymap.ts by test/tui/keymap-docs.test.ts (CRM_RESCUE_UPDATE_DOCS=1). Do not edit. -->',
    '',
  ];
  const categories = [...new Set(KEYMAP.map((b) => b.category))];
  for (const category of categories) {
    lines.push(`## ${category}`, '', '| Keys | Does | Where |', '| --- | --- | --- |');
    for (const b of KEYMAP.filter((x) => x.category === category)) {
      const keys = b.keys.map((k) => `\`${keyLabel(k)}\``).join(' ');
      lines.push(`| ${keys} | ${b.description} | ${whereText(b)} |`);
    }
    lines.push('');
  }
  lines.push('Alt chords do nothing: over SSH and tmux they arrive as Esc followed by a key.', '');
  return lines.join('\n');
}

function whereText(b: Binding): string {
  const layerName: Record<string, string> = { help: 'help', dialog: 'dialogs', text: 'text fields', pager: 'the SQL pager' };
  const screens = b.contexts.filter((c) => !(c in layerName));
  const layers = b.contexts.filter((c) => c in layerName).map((c) => layerName[c]);
  const screenText = screens.length === SCREEN_IDS.length ? ['every screen'] : screens;
  return [...screenText, ...layers].join(', ');
}
