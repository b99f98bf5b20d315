import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import type { Command, KeyContext } from './keymap.js';
import { useScreen } from './screens/screen.js';

/**
 * The footer shows only keys that act. The keymap says which keys a screen has; a screen whose
 * state makes some of them do nothing (the Merge journal has nothing to apply) names those here.
 */
export interface FooterHints {
  /** The commands the top screen says do nothing now. */
  idle: readonly Command[];
  /** Sets (or, with null, withdraws) what `owner` says; only the latest owner's word counts. */
  set: (owner: object, idle: readonly Command[] | null) => void;
  /** A layer over the screen that has the keys (the SQL pager): footer and help show its context. */
  layer: KeyContext | null;
  /** Sets (or, with null, withdraws) the layer `owner` opened. */
  setLayer: (owner: object, layer: KeyContext | null) => void;
}

/** The footer's state; the console's root keeps it. */
export function useFooterHintsState(): FooterHints {
  const [said, setSaid] = useState<{ owner: object; idle: readonly Command[] } | null>(null);
  const set = useCallback((owner: object, idle: readonly Command[] | null) => {
    setSaid((current) => (idle ? { owner, idle } : current?.owner === owner ? null : current));
  }, []);
  const [layer, setLayerState] = useState<{ owner: object; layer: KeyContext } | null>(null);
  const setLayer = useCallback((owner: object, next: KeyContext | null) => {
    setLayerState((current) => (next ? { owner, layer: next } : current?.owner === owner ? null : current));
  }, []);
  return useMemo(() => ({ idle: said?.idle ?? [], set, layer: layer?.layer ?? null, setLayer }), [said, set, layer, setLayer]);
}

/** The footer hints; the root provides them. */
export const FooterHintsContext = createContext<FooterHints>({ idle: [], set: () => undefined, layer: null, setLayer: () => undefined });

/** While this screen is on top, the footer leaves out `idle` (keys that do nothing in its state). */
export function useIdleKeys(idle: readonly Command[]): void {
  const { active } = useScreen();
  const { set } = useContext(FooterHintsContext);
  // A token of this screen instance: what it said is withdrawn only if nobody spoke since.
  const [owner] = useState(() => ({}));
  const key = idle.join(' ');
  // A layout effect: the footer changes in the same frame as the screen (an effect ran a render
  // later, and a frame in between showed the previous step's keys).
  useLayoutEffect(() => {
    if (!active) return;
    set(owner, key ? (key.split(' ') as Command[]) : []);
    return () => set(owner, null);
  }, [active, key, set, owner]);
}

/**
 * While `open`, the footer and the help show the keys of `layer` (it stays set under the help
 * overlay, so the help lists the layer's keys).
 */
export function useKeyLayer(layer: KeyContext, open: boolean): void {
  const { setLayer } = useContext(FooterHintsContext);
  const [owner] = useState(() => ({}));
  useEffect(() => {
    if (!open) return;
    setLayer(owner, layer);
    return () => setLayer(owner, null);
  }, [open, layer, setLayer, owner]);
}
