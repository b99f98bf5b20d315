/**
 * The one wall clock crm-rescue reads. Every "now" that shows or decides something — backup and
 * merge ids, ages in lists, incident windows, chart ends, retention, relative times like `2h` —
 * comes from here, so tests can set it instead of depending on today's date. Durations (elapsed
 * time, ETAs, throttling) are not wall-clock readings: they use `performance.now()`.
 */

/** A source of the current time. */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

let current: Clock = systemClock;

/** Now, in milliseconds since the epoch. */
export function nowMs(): number {
  return current.now();
}

/** Now, as a Date. */
export function nowDate(): Date {
  return new Date(current.now());
}

/** Now, as ISO 8601 UTC. */
export function nowIso(): string {
  return nowDate().toISOString();
}

/** A clock stopped at `ms` (or at an ISO time). */
export function fixedClock(at: number | string): Clock {
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  if (Number.isNaN(ms)) throw new Error(`fixedClock: "${String(at)}" is not a time`);
  return { now: () => ms };
}

/** Makes `clock` the one every reading uses; returns a function that puts the previous one back. */
export function setClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}
