import type { Key } from 'ink';
import type { Command } from '../keymap.js';

/** What a key does to a text field's value. */
export type TextEdit = { type: 'change'; value: string } | { type: 'submit' } | { type: 'cancel' } | { type: 'ignore' };

/**
 * The text field's logic, without a terminal: printable input is inserted at the end
 * (pastes arrive as one string), Backspace deletes, Ctrl+U clears, Enter submits, Esc cancels.
 */
export function editText(value: string, command: Command | undefined, input: string, key: Key): TextEdit {
  switch (command) {
    case 'submit':
      return { type: 'submit' };
    case 'cancel':
      return { type: 'cancel' };
    case 'deleteBack':
      return { type: 'change', value: [...value].slice(0, -1).join('') };
    case 'clearLine':
      return { type: 'change', value: '' };
  }
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.return || key.escape) return { type: 'ignore' };
  // Control characters never enter a field (a paste may carry newlines or escape sequences).
  const printable = input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return printable ? { type: 'change', value: value + printable } : { type: 'ignore' };
}
