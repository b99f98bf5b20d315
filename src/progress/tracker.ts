import type { ProgressEvent, ProgressListener } from './event.js';

/** An item whose size weighs in the ETA (a table and its estimated bytes). */
export interface WeightedItem {
  key: string;
  /** Estimated size; 0 or unknown counts as 1 byte. */
  weight: number;
}

/** Options of a progress tracker. */
export interface TrackerOptions {
  operation: string;
  items: WeightedItem[];
  listener?: ProgressListener;
  /** Minimum milliseconds between two events of the same phase and item (default 200). */
  throttleMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Turns "item started / bytes written / item finished" into ProgressEvents with a rate and an
 * ETA weighted by the items' estimated sizes, throttled so a fast loop does not flood stderr.
 */
export class ProgressTracker {
  private readonly weights = new Map<string, number>();
  private readonly totalWeight: number;
  private readonly finished = new Set<string>();
  private readonly partial = new Map<string, number>();
  private readonly startedAt: number;
  private lastEmit = 0;
  private phaseName = 'prepare';
  private current: string | undefined;
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: TrackerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
    for (const item of options.items) this.weights.set(item.key, Math.max(1, item.weight || 0));
    this.totalWeight = [...this.weights.values()].reduce((a, b) => a + b, 0);
  }

  /** Enters a phase; always emits. */
  phase(name: string): void {
    this.phaseName = name;
    this.emit(true);
  }

  /** An item started. */
  start(key: string): void {
    this.current = key;
    this.emit(true);
  }

  /** How far into an item we are, as a fraction 0..1 of its weight (clamped below 1). */
  partialFraction(key: string, fraction: number): void {
    this.partial.set(key, Math.min(0.99, Math.max(0, fraction)));
    this.emit(false);
  }

  /** Total bytes processed so far. */
  setBytes(bytes: number): void {
    this.bytes = bytes;
    this.emit(false);
  }

  /** Adds to the bytes processed. */
  addBytes(delta: number): void {
    this.setBytes(this.bytes + delta);
  }

  /** An item finished. */
  finish(key: string): void {
    this.finished.add(key);
    this.partial.delete(key);
    if (this.current === key) this.current = undefined;
    this.emit(true);
  }

  /** The event as it stands. */
  snapshot(): ProgressEvent {
    const elapsed = Math.max(0.001, (this.now() - this.startedAt) / 1000);
    let doneWeight = 0;
    for (const key of this.finished) doneWeight += this.weights.get(key) ?? 0;
    for (const [key, f] of this.partial) doneWeight += (this.weights.get(key) ?? 0) * f;
    const fraction = this.totalWeight > 0 ? Math.min(1, doneWeight / this.totalWeight) : 0;
    const etaSeconds = fraction >= 1 ? 0 : fraction > 0.01 && elapsed > 0.5 ? Math.round((elapsed * (1 - fraction)) / fraction) : null;
    return {
      operation: this.options.operation,
      phase: this.phaseName,
      ...(this.current !== undefined && { table: this.current }),
      done: this.finished.size,
      total: this.weights.size,
      bytes: this.bytes,
      rate: Math.round(this.bytes / elapsed),
      etaSeconds,
    };
  }

  private emit(force: boolean): void {
    const listener = this.options.listener;
    if (!listener) return;
    const t = this.now();
    if (!force && t - this.lastEmit < (this.options.throttleMs ?? 200)) return;
    this.lastEmit = t;
    listener(this.snapshot());
  }
}
