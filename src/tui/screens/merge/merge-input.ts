import type { Command } from '../../keymap.js';

/** The Merge screen's panes: the plan (when rows were chosen) and the journal of merges. */
export type MergePane = 'plan' | 'merges';

/** What a command does on the Merge screen. */
export type MergeIntent =
  { type: 'pane' } | { type: 'sql' } | { type: 'write' } | { type: 'policy' } | { type: 'apply' } | { type: 'undo' } | { type: 'busy' } | { type: 'list' };

/** The Merge screen's input, without a terminal. While work runs (planning, applying, undoing) nothing else starts. */
export function mergeIntent(command: Command | undefined, pane: MergePane, state: { hasPlan: boolean; running: boolean }): MergeIntent {
  const act = (intent: MergeIntent): MergeIntent => (state.running ? { type: 'busy' } : intent);
  switch (command) {
    case 'nextPane':
      return state.hasPlan ? { type: 'pane' } : { type: 'list' };
    case 'sql':
      return pane === 'plan' ? { type: 'sql' } : { type: 'list' };
    case 'write':
      return pane === 'plan' ? { type: 'write' } : { type: 'list' };
    case 'policy':
      return pane === 'plan' ? act({ type: 'policy' }) : { type: 'list' };
    case 'apply':
      return pane === 'plan' ? act({ type: 'apply' }) : { type: 'list' };
    case 'undo':
      return pane === 'merges' ? act({ type: 'undo' }) : { type: 'list' };
    case 'back':
      return state.running ? { type: 'busy' } : { type: 'list' };
    default:
      return { type: 'list' };
  }
}

/** The next conflict policy. */
export function nextPolicy(p: 'abort' | 'skip' | 'overwrite'): 'abort' | 'skip' | 'overwrite' {
  return p === 'abort' ? 'skip' : p === 'skip' ? 'overwrite' : 'abort';
}
