import type { Command } from '../../keymap.js';
import type { ListMove } from '../../components/list-state.js';
import type { HomeAction } from './actions.js';

/** What a command does on Home. */
export type HomeIntent = { type: 'move'; move: ListMove } | { type: 'open'; action: HomeAction } | { type: 'none' };

/** Home's input logic, without a terminal. */
export function homeIntent(command: Command | undefined, actions: readonly HomeAction[], cursor: number): HomeIntent {
  switch (command) {
    case 'up':
    case 'down':
    case 'pageUp':
    case 'pageDown':
    case 'first':
    case 'last':
      return { type: 'move', move: command };
    case 'open':
      return actions[cursor] ? { type: 'open', action: actions[cursor] } : { type: 'none' };
    default:
      return { type: 'none' };
  }
}
