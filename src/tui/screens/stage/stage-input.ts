import type { Command } from '../../keymap.js';

/** Where the Stage screen is. */
export type StageStep = 'backup' | 'tables' | 'run';

/** What a command does on the Stage screen. */
export type StageIntent =
  | { type: 'chooseBackup' }
  | { type: 'start' }
  | { type: 'related' }
  | { type: 'cancel' }
  | { type: 'toBackups' }
  | { type: 'toTables' }
  | { type: 'openDiff' }
  | { type: 'list' };

/** The Stage screen's input, without a terminal. */
export function stageIntent(command: Command | undefined, step: StageStep, task: 'idle' | 'running' | 'done' | 'failed' | 'cancelled'): StageIntent {
  if (step === 'run') {
    if (task === 'running') return command === 'back' ? { type: 'cancel' } : { type: 'list' };
    if (command === 'open') return task === 'done' ? { type: 'openDiff' } : { type: 'start' };
    if (command === 'back') return { type: 'toTables' };
    return { type: 'list' };
  }
  if (step === 'backup') return command === 'open' ? { type: 'chooseBackup' } : { type: 'list' };
  switch (command) {
    case 'open':
      return { type: 'start' };
    case 'related':
      return { type: 'related' };
    case 'back':
      return { type: 'toBackups' };
    default:
      return { type: 'list' };
  }
}
