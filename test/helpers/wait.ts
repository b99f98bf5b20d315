/**
 * Waiting for a condition, never for a time. A test that needs a process to reach a point (a
 * file written, a lock held, a statement running, a child started, a frame drawn) polls for that
 * point with `waitFor`; it never sleeps a fixed delay and hopes. Deadlines are generous: a
 * loaded 2-core CI machine runs the suite several times slower than a laptop, and a deadline
 * only decides how long a broken test takes to fail, never whether a correct one passes.
 */

/** The default deadline of `waitFor`: well inside vitest's per-test timeout (vitest.config.ts). */
export const WAIT_TIMEOUT_MS = 180_000;

/** How `waitFor` waits. */
export interface WaitOptions {
  /** What is awaited, as the failure names it: "the dump tool to start". */
  what: string;
  /** Give up after this long (default WAIT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Pause between polls (default 25 ms): how often to look, not how long to wait. */
  intervalMs?: number;
  /**
   * Checked after every poll that did not succeed: a reason why the condition can no longer
   * come true (the watched process ended). A string fails the wait at once with that reason.
   */
  stopIf?: () => string | undefined | Promise<string | undefined>;
  /** What was seen instead, added to the failure (the last screen, the sessions left). */
  lastSeen?: () => string | Promise<string>;
}

/** A value `if` takes as true. */
export type Truthy<T> = Exclude<T, null | undefined | false | 0 | ''>;

/**
 * Polls `condition` until it returns a truthy value, and returns that value. Fails, naming
 * `what`, when the deadline passes or `stopIf` gives a reason.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? WAIT_TIMEOUT_MS;
  const started = performance.now();
  for (;;) {
    const value = await condition();
    if (value) return value as Truthy<T>;
    const stopped = await options.stopIf?.();
    if (stopped) throw new Error(`gave up waiting for ${options.what}: ${stopped}${await seen(options)}`);
    const elapsed = performance.now() - started;
    if (elapsed > timeoutMs) throw new Error(`timed out after ${Math.round(elapsed / 1000)} s waiting for ${options.what}${await seen(options)}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

async function seen(options: WaitOptions): Promise<string> {
  if (!options.lastSeen) return '';
  try {
    return `; last seen:\n${await options.lastSeen()}`;
  } catch (err) {
    return `; (what was seen could not be read: ${(err as Error).message})`;
  }
}
