import { createContext, useContext, useLayoutEffect, useRef } from 'react';
import type { Key } from 'ink';
import type { Command, KeyContext } from '../keymap.js';
import { InputRouter } from './router.js';

/** The console's router; the root provides it. */
export const InputRouterContext = createContext<InputRouter | null>(null);

/** What a layer does with a key; returns true when it handled it. */
export type LayerHandler = (command: Command | undefined, input: string, key: Key) => boolean;

/**
 * Registers an input layer while `active`. The handler may change on every render: the latest
 * one is always called, so it never sees stale state. Registration happens in a layout effect,
 * during React's commit, and every commit is reported to the router: keys typed ahead wait for
 * it, so each sees the screen (and the layers) the previous key left.
 */
export function useInputLayer(options: { priority: number; context: KeyContext; active?: boolean; handle: LayerHandler }): void {
  const router = useContext(InputRouterContext);
  const latest = useRef(options);
  // eslint-disable-next-line react-hooks/refs -- the latest-handler ref: written while rendering, read by the router only after the commit
  latest.current = options;
  const active = options.active ?? true;
  useLayoutEffect(() => {
    router?.noteCommit();
  });
  useLayoutEffect(() => {
    if (!router || !active) return;
    return router.add({
      priority: latest.current.priority,
      context: () => latest.current.context,
      handle: (command, input, key) => latest.current.handle(command, input, key),
    });
  }, [router, active]);
}
