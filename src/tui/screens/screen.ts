import { createContext, useContext, type ComponentType } from 'react';
import { LayerPriority } from '../input/router.js';
import { useInputLayer, type LayerHandler } from '../input/use-input-layer.js';
import type { ScreenParams } from '../navigation.js';
import type { KeyContext } from '../keymap.js';
import type { ScreenId } from '../screen-id.js';

/**
 * A screen is a view (this component), a state hook (its data and cursor, testable with fake
 * services) and an input hook (commands → state changes), registered once in `registry.tsx`.
 */
export interface ScreenProps<I extends ScreenId = ScreenId> {
  params: ScreenParams[I];
}

/** How the console knows a screen. */
export interface ScreenDefinition<I extends ScreenId = ScreenId> {
  /** The breadcrumb and help title. */
  title(params: ScreenParams[I]): string;
  component: ComponentType<ScreenProps<I>>;
  /** The keymap context of the screen; default its id. */
  keyContext?: KeyContext;
}

/** Which screen a component is rendered in, and whether that screen has the keyboard. */
export const ScreenContext = createContext<{ id: ScreenId; keyContext: KeyContext; active: boolean }>({ id: 'home', keyContext: 'home', active: true });

/** The screen a component is rendered in. */
export function useScreen(): { id: ScreenId; keyContext: KeyContext; active: boolean } {
  return useContext(ScreenContext);
}

/**
 * The screen's input: `handle` gets the commands of this screen (resolved in its keymap context)
 * while it is on top of the stack with no overlay. Return true for what it handled; the rest
 * (Esc, ?, q) goes on to the console.
 */
export function useScreenInput(handle: LayerHandler): void {
  const screen = useScreen();
  useInputLayer({ priority: LayerPriority.screen, context: screen.keyContext, active: screen.active, handle });
}
