import type { ConsoleServices } from '../../services.js';
import { stepNumber, STEP_BAR, type WizardMemory } from './wizard-model.js';

/**
 * Where a wizard left off, per console (its services): leaving the wizard keeps its memory, and
 * opening it again resumes at the same step. Finishing (or starting over) forgets it.
 */
const memories = new WeakMap<ConsoleServices, WizardMemory>();

/** The wizard's memory for a console, if it was left unfinished. */
export function recallWizard(services: ConsoleServices): WizardMemory | undefined {
  return memories.get(services);
}

/** Keeps the wizard's memory (called on every change). */
export function keepWizard(services: ConsoleServices, memory: WizardMemory): void {
  if (memory.step === 'incident' && !memory.loss) memories.delete(services);
  else memories.set(services, memory);
}

/** Forgets the wizard (finished, or started over). */
export function forgetWizard(services: ConsoleServices): void {
  memories.delete(services);
}

/** Home's hint for a wizard left unfinished: `resume at 4/8 diff`. */
export function resumeText(services: ConsoleServices): string | null {
  const m = memories.get(services);
  if (!m) return null;
  const n = stepNumber(m.step);
  return `resume at step ${n}/${STEP_BAR.length} (${STEP_BAR[n - 1].label}): ${m.loss?.label ?? ''}`;
}
