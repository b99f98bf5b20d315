import type { Command } from '../../keymap.js';
import type { WizardStep } from './wizard-model.js';

/** What a command does in the wizard. */
export type WizardIntent =
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'leave' }
  | { type: 'cancel' }
  | { type: 'busy' }
  | { type: 'toggle' }
  | { type: 'details' }
  | { type: 'sql' }
  | { type: 'write' }
  | { type: 'policy' }
  | { type: 'field' }
  | { type: 'import' }
  | { type: 'list' };

/**
 * The wizard's input, without a terminal. Enter goes on, ← goes back a step. Esc cancels running
 * work that can be cancelled (staging, diffing, planning: always safe), else leaves the wizard,
 * which remembers the step it was at: opening it again resumes there. An apply cannot be
 * cancelled.
 */
export function wizardIntent(command: Command | undefined, step: WizardStep, work: { running: boolean; cancellable: boolean }): WizardIntent {
  if (command === 'back') {
    if (work.running) return work.cancellable ? { type: 'cancel' } : { type: 'busy' };
    return { type: 'leave' };
  }
  if (work.running && command !== undefined && ['next', 'left', 'toggle', 'sql', 'write', 'policy', 'details', 'import'].includes(command))
    return { type: 'busy' };
  if (command === 'left') return { type: 'previous' };
  switch (command) {
    case 'next':
      return { type: 'next' };
    case 'toggle':
      return step === 'select' ? { type: 'toggle' } : { type: 'list' };
    case 'details':
      return step === 'select' || step === 'diff' || step === 'verify' ? { type: 'details' } : { type: 'list' };
    case 'sql':
      return step === 'plan' ? { type: 'sql' } : { type: 'list' };
    case 'write':
      return step === 'plan' ? { type: 'write' } : { type: 'list' };
    case 'policy':
      return step === 'plan' ? { type: 'policy' } : { type: 'list' };
    case 'nextPane':
      return step === 'describe' ? { type: 'field' } : { type: 'list' };
    case 'import':
      return step === 'backup' ? { type: 'import' } : { type: 'list' };
    default:
      return { type: 'list' };
  }
}

/** The steps ← goes back from (the first step has none before it; apply and verify cannot be undone by a step). */
const STEPS_WITH_PREVIOUS: readonly WizardStep[] = ['describe', 'backup', 'stage', 'diff', 'select', 'plan'];

/** The steps that show a list (↑↓ move in it). */
const STEPS_WITH_LIST: readonly WizardStep[] = ['incident', 'backup', 'select', 'plan', 'verify'];

/**
 * The commands that do nothing at `step` (the footer leaves them out): the keys of other steps,
 * and while work runs every key but ↑↓ and Esc (which cancels, when it can).
 */
export function wizardIdleKeys(step: WizardStep, work: { running: boolean; cancellable: boolean }): Command[] {
  const acts = (command: Command): boolean => {
    if (work.running && command === 'back') return work.cancellable;
    if (work.running && command !== 'up') return false;
    switch (command) {
      case 'left':
        return STEPS_WITH_PREVIOUS.includes(step);
      case 'next':
        return step !== 'apply';
      case 'up':
        return STEPS_WITH_LIST.includes(step);
      case 'nextPane':
        return step === 'describe';
      default: {
        const intent = wizardIntent(command, step, work).type;
        return intent !== 'list';
      }
    }
  };
  const commands: Command[] = ['up', 'left', 'nextPane', 'next', 'back', 'toggle', 'details', 'sql', 'write', 'policy', 'import'];
  return commands.filter((c) => !acts(c));
}
