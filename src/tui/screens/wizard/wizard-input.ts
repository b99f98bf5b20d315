import type { Command } from '../../keymap.js';
import type { WizardStep } from './wizard-model.js';

/** What a command does in the wizard. */
export type WizardIntent =
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'cancel' }
  | { type: 'busy' }
  | { type: 'toggle' }
  | { type: 'details' }
  | { type: 'sql' }
  | { type: 'policy' }
  | { type: 'field' }
  | { type: 'list' };

/**
 * The wizard's input, without a terminal. Enter goes on; Esc cancels running work that can be
 * cancelled (staging, diffing, planning: always safe), else goes back one step (from the first
 * step it leaves the wizard, which remembers where it was). An apply cannot be cancelled.
 */
export function wizardIntent(command: Command | undefined, step: WizardStep, work: { running: boolean; cancellable: boolean }): WizardIntent {
  if (command === 'back') {
    if (work.running) return work.cancellable ? { type: 'cancel' } : { type: 'busy' };
    return { type: 'previous' };
  }
  if (work.running && command !== undefined && ['next', 'toggle', 'sql', 'policy', 'details'].includes(command)) return { type: 'busy' };
  switch (command) {
    case 'next':
      return { type: 'next' };
    case 'toggle':
      return step === 'select' ? { type: 'toggle' } : { type: 'list' };
    case 'details':
      return step === 'select' || step === 'diff' || step === 'verify' ? { type: 'details' } : { type: 'list' };
    case 'sql':
      return step === 'plan' ? { type: 'sql' } : { type: 'list' };
    case 'policy':
      return step === 'plan' ? { type: 'policy' } : { type: 'list' };
    case 'nextPane':
      return step === 'describe' ? { type: 'field' } : { type: 'list' };
    default:
      return { type: 'list' };
  }
}
