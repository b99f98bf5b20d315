import type { Command } from '../../keymap.js';

/** What a command does on the Backups screen. */
export type BackupsIntent =
  { type: 'run' } | { type: 'verify' } | { type: 'import' } | { type: 'open' } | { type: 'cancel' } | { type: 'busy' } | { type: 'list' };

/**
 * The Backups screen's input, without a terminal. While work runs, Esc cancels it and other
 * actions wait (`busy`); the list still moves.
 */
export function backupsIntent(command: Command | undefined, running: boolean): BackupsIntent {
  switch (command) {
    case 'back':
      return running ? { type: 'cancel' } : { type: 'list' };
    case 'run':
      return running ? { type: 'busy' } : { type: 'run' };
    case 'verify':
      return running ? { type: 'busy' } : { type: 'verify' };
    case 'import':
      return running ? { type: 'busy' } : { type: 'import' };
    case 'open':
      return { type: 'open' };
    default:
      return { type: 'list' };
  }
}
