import type { Key } from 'ink';
import { resolveCommand, type Command, type KeyContext } from '../keymap.js';
import { splitKeys, type KeyPress } from './split-keys.js';

/**
 * How long a key typed ahead waits for the previous key's render before going on anyway (when
 * that key changed nothing, no render comes). Generous: on a loaded machine a render took over
 * 250 ms, and a key routed before it acted on the screen's previous state (a chart cursor moved
 * from where it had been, keys seemed lost). Only queued keys after a no-op key ever wait it out.
 */
const TYPE_AHEAD_WAIT_MS = 2000;

/** Priorities of the input layers: the highest active layer sees a key first. */
export const LayerPriority = {
  /** Back, help and quit: whatever no one above handled. */
  global: 0,
  /** The screen on top of the navigation stack. */
  screen: 10,
  /** A pager over the screen's content (the plan's SQL): it takes the screen's keys. */
  pager: 15,
  /** A text field inside the screen (the list filter). */
  screenText: 20,
  /** The help overlay. */
  help: 30,
  /** A confirmation dialog: modal. */
  dialog: 40,
  /** A text field inside a dialog (typed confirmation). */
  dialogText: 50,
} as const;

/** One layer of input handling. */
export interface InputLayer {
  priority: number;
  /** The keymap context the layer resolves keys in (read at dispatch time). */
  context(): KeyContext;
  /**
   * Handles a key. `command` is what the key means in the layer's context (undefined when it
   * means nothing there; text fields still want the raw input). Returns true when handled:
   * lower layers then never see the key.
   */
  handle(command: Command | undefined, input: string, key: Key): boolean;
}

/**
 * The one input dispatcher. Ink's `useInput` delivers every key to every handler, so the console
 * has exactly one `useInput`, which hands each key to the layers from the top down.
 */
export class InputRouter {
  private layers: { id: number; layer: InputLayer }[] = [];
  private nextId = 0;
  private commitWaiters: (() => void)[] = [];
  private queue: KeyPress[] = [];

  /**
   * What Ink's `useInput` hands over: a key, or several typed ahead in one chunk (`"jj\r"`).
   * Keys are routed one at a time; after a key that was handled, the next waits for React to
   * commit what it changed (a new screen registers its input then).
   */
  press(input: string, key: Key): void {
    const idle = this.queue.length === 0;
    this.queue.push(...splitKeys(input, key));
    if (idle) this.step();
  }

  private step(): void {
    const next = this.queue[0];
    let handled = false;
    try {
      handled = next ? this.dispatch(next.input, next.key) : false;
    } finally {
      this.queue.shift();
      if (this.queue.length) {
        if (handled) this.afterCommit(() => this.step(), TYPE_AHEAD_WAIT_MS);
        else setImmediate(() => this.step());
      }
    }
  }

  /** Adds a layer; returns the function that removes it. */
  add(layer: InputLayer): () => void {
    const id = this.nextId++;
    this.layers.push({ id, layer });
    return () => {
      this.layers = this.layers.filter((l) => l.id !== id);
    };
  }

  /** Hands a key press to the layers, highest priority (then newest) first; true when one handled it. */
  dispatch(input: string, key: Key): boolean {
    const ordered = [...this.layers].sort((a, b) => b.layer.priority - a.layer.priority || b.id - a.id);
    for (const { layer } of ordered) {
      const command = resolveCommand(input, key, layer.context());
      if (layer.handle(command, input, key)) return true;
    }
    return false;
  }

  /** Called by every layer's owner when React commits it (a layout effect). */
  noteCommit(): void {
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const w of waiters) queueMicrotask(w);
  }

  /**
   * Runs `fn` after the next commit of a layer's owner, or after `timeoutMs` when nothing
   * re-renders (the key changed nothing).
   */
  afterCommit(fn: () => void, timeoutMs: number): void {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(once, timeoutMs);
    this.commitWaiters.push(once);
  }

  /** How many layers are registered (for tests). */
  get size(): number {
    return this.layers.length;
  }
}
