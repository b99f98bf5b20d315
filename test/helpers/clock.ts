import { afterEach, beforeEach } from 'vitest';
import { fixedClock, setClock } from '../../src/util/clock.js';

/**
 * Stops crm-rescue's clock at `at` for every test of the enclosing suite, so what the code calls
 * "now" (chart ends, ages, default windows) is the fixture's now, not today's date.
 */
export function useClock(at: number | string): void {
  let restore: (() => void) | undefined;
  beforeEach(() => {
    restore = setClock(fixedClock(at));
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
  });
}
