import { describe, expect, it } from 'vitest';
import type { MergeProgress } from '../../src/merge/engine.js';
import type { ProgressUpdate } from '../../src/progress/event.js';
import { mergeProgress } from '../../src/recovery/merge-plan.js';
import { progressParts } from '../../src/tui/components/progress-text.js';

/** The engine's progress of a dry run or apply, as the console shows it. */
describe('merge progress', () => {
  /** Feeds `steps` (milliseconds since the start, then the engine's counts) through mergeProgress on a stopped clock. */
  function run(steps: [number, Omit<MergeProgress, 'tablesTotal' | 'rowsTotal'>][]): ProgressUpdate[] {
    let now = 1000;
    const out: ProgressUpdate[] = [];
    const listener = mergeProgress(
      'apply',
      (e) => out.push(e),
      () => now,
    )!;
    for (const [at, p] of steps) {
      now = 1000 + at;
      listener({ ...p, tablesTotal: 4, rowsTotal: 1000 });
    }
    return out;
  }

  it('counts tables in done/total and rows in rows; the ETA comes from the rows written so far', () => {
    const [start, early, half, verify] = run([
      [0, { phase: 'write', tablesDone: 0, rowsDone: 0 }],
      [200, { phase: 'write', table: 'public.contacts', tablesDone: 0, rowsDone: 100 }],
      [2000, { phase: 'write', table: 'public.notes', tablesDone: 2, rowsDone: 250 }],
      [9000, { phase: 'verify', tablesDone: 4, rowsDone: 1000 }],
    ]);
    // Nothing written yet, or too soon to trust a rate: unknown, not guessed.
    expect(start).toMatchObject({ operation: 'merge', phase: 'apply', done: 0, total: 4, rows: { done: 0, total: 1000 }, etaSeconds: null });
    expect(early.etaSeconds).toBeNull();
    // 250 of 1,000 rows in 2 s: 750 more take 6 s, whatever the tables done say (half of them).
    expect(half).toMatchObject({ table: 'public.notes', done: 2, total: 4, etaSeconds: 6 });
    expect(verify).toMatchObject({ phase: 'apply: verify', done: 4, total: 4, rows: { done: 1000, total: 1000 }, etaSeconds: 0 });
  });

  it('the bar follows the rows and the amount says both', () => {
    const p = progressParts(
      { operation: 'merge', phase: 'dry run', table: 'contacts', done: 2, total: 4, rows: { done: 250, total: 1000 }, etaSeconds: 6 },
      20,
    );
    expect(p).toMatchObject({ bar: '█████░░░░░░░░░░░░░░░', percent: '25%', amount: '2/4 tables · 250/1,000 rows', eta: 'ETA 6 s' });
  });
});
