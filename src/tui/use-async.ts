import { useCallback, useEffect, useMemo, useState } from 'react';

/** The state of one asynchronous read. */
export type AsyncState<T> =
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  /** `error` is the message shown; `cause` what was thrown, to tell expected outcomes by their class. */
  | { status: 'error'; error: string; cause?: unknown };

/**
 * Runs `load` on mount (and on `reload()`), keeping only the latest answer. `load` must be stable
 * (a service method bound once), or pass `deps`.
 */
export function useAsync<T>(load: (() => Promise<T>) | undefined, deps: readonly unknown[] = [load]): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!load) return;
    let cancelled = false;
    setState({ status: 'loading' });
    load().then(
      (value) => !cancelled && setState({ status: 'ready', value }),
      (err: unknown) => !cancelled && setState({ status: 'error', error: err instanceof Error ? err.message : String(err), cause: err }),
    );
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return useMemo(() => ({ ...state, reload }), [state, reload]);
}
