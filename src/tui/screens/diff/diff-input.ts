import type { Command } from '../../keymap.js';

/** What a command does on the Diff screen's rows. */
export type DiffIntent =
  | { type: 'table'; delta: number }
  | { type: 'nextClass' }
  | { type: 'toggleRow' }
  | { type: 'toggleClass' }
  | { type: 'openRow' }
  | { type: 'merge' }
  | { type: 'list' };

/** The Diff screen's input, without a terminal. */
export function diffIntent(command: Command | undefined): DiffIntent {
  switch (command) {
    case 'left':
      return { type: 'table', delta: -1 };
    case 'right':
      return { type: 'table', delta: 1 };
    case 'nextPane':
      return { type: 'nextClass' };
    case 'toggle':
      return { type: 'toggleRow' };
    case 'selectClass':
      return { type: 'toggleClass' };
    case 'open':
      return { type: 'openRow' };
    case 'merge':
      return { type: 'merge' };
    default:
      return { type: 'list' };
  }
}
