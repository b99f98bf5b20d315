import { createContext, useCallback, useContext, useMemo, useReducer } from 'react';
import type { ScreenId } from './screen-id.js';
import type { AuditEvent, DiffRowView, DiffSet, IncidentSummary, RowSelection } from './services.js';

/** The parameters each screen is opened with; all-optional ones can be opened without. */
export interface ScreenParams {
  home: Record<string, never>;
  tables: Record<string, never>;
  table: { id: string; name: string };
  /** The wizard, on an incident picked elsewhere (Audit). */
  wizard: { incident?: IncidentSummary };
  /** The timeline, on a day (`YYYY-MM-DD`: Home's spike). */
  audit: { day?: string };
  event: { event: AuditEvent };
  backups: Record<string, never>;
  backup: { id: string };
  stage: { backupId?: string; tables?: string[] };
  /** A diff to open (backup and tables), or one already prepared (the wizard's). */
  diff: { backupId?: string; tables?: string[]; set?: DiffSet };
  row: { set: DiffSet; table: string; row: DiffRowView };
  /** Rows to merge (from the diff); without them, the journal of merges. */
  merge: { backupId?: string; selections?: RowSelection[] };
}

/** Screens that can be opened without parameters. */
export type PlainScreenId = { [I in ScreenId]: Record<string, never> extends ScreenParams[I] ? I : never }[ScreenId];

/** One screen on the navigation stack. */
export interface NavEntry<I extends ScreenId = ScreenId> {
  /** Unique per push: React's key, so the same screen pushed twice keeps two states. */
  key: number;
  id: I;
  params: ScreenParams[I];
}

/** A change of the stack. */
export type NavAction = { type: 'push'; id: ScreenId; params: ScreenParams[ScreenId] } | { type: 'pop' } | { type: 'reset' };

/** The navigation stack's transitions. Home is the bottom and is never popped. */
export function navReducer(state: { stack: NavEntry[]; nextKey: number }, action: NavAction): { stack: NavEntry[]; nextKey: number } {
  switch (action.type) {
    case 'push':
      return { stack: [...state.stack, { key: state.nextKey, id: action.id, params: action.params }], nextKey: state.nextKey + 1 };
    case 'pop':
      return state.stack.length > 1 ? { ...state, stack: state.stack.slice(0, -1) } : state;
    case 'reset':
      return { ...state, stack: state.stack.slice(0, 1) };
  }
}

/** The stack and how to move on it. */
export interface Navigation {
  stack: readonly NavEntry[];
  top: NavEntry;
  /** Opens a screen on top of the current one. */
  push<I extends ScreenId>(id: I, ...params: Record<string, never> extends ScreenParams[I] ? [ScreenParams[I]?] : [ScreenParams[I]]): void;
  /** Goes back one screen; false on Home. */
  pop(): boolean;
  /** Back to Home. */
  reset(): void;
}

/** The navigation state of a console, starting at Home. */
export function useNavigationState(): Navigation {
  const [state, dispatch] = useReducer(navReducer, { stack: [{ key: 0, id: 'home', params: {} }], nextKey: 1 });
  const depth = state.stack.length;
  const push = useCallback((id: ScreenId, params?: ScreenParams[ScreenId]) => dispatch({ type: 'push', id, params: params ?? {} }), []) as Navigation['push'];
  const pop = useCallback(() => {
    if (depth <= 1) return false;
    dispatch({ type: 'pop' });
    return true;
  }, [depth]);
  const reset = useCallback(() => dispatch({ type: 'reset' }), []);
  return useMemo(() => ({ stack: state.stack, top: state.stack[state.stack.length - 1], push, pop, reset }), [state.stack, push, pop, reset]);
}

/** The console's navigation; the root provides it. */
export const NavigationContext = createContext<Navigation | null>(null);

/** The console's navigation. */
export function useNavigation(): Navigation {
  const nav = useContext(NavigationContext);
  if (!nav) throw new Error('useNavigation outside the console');
  return nav;
}
