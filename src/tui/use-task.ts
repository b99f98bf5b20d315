import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useBusyWhile } from './busy.js';
import type { ProgressEventLike } from './components/progress-text.js';
import { errorText, isAbort } from './error-text.js';

/** Where long work is: not started, running, or how it ended. */
export type TaskState = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

/** Long work a screen runs (a backup, staging, a merge): its state, progress and result. */
export interface Task<T> {
  state: TaskState;
  /** The latest progress event while running (at most ten updates a second reach React). */
  progress: ProgressEventLike | null;
  result: T | null;
  error: string | null;
  /** Starts the work unless it is running. */
  start: (run: (options: { signal: AbortSignal; onProgress: (event: ProgressEventLike) => void }) => Promise<T>) => void;
  /** Asks running work to stop; false when nothing was running or it cannot be cancelled. */
  cancel(): boolean;
  /** Back to idle (after it ended). */
  reset(): void;
}

/** How often progress reaches the screen: fast enough to look live, rare enough to stay cheap. */
const PROGRESS_MS = 100;

/**
 * Runs one piece of long work at a time for a screen. While it runs, it is registered as busy
 * (quitting asks first); leaving the screen cancels it when it can be cancelled.
 */
export function useTask<T>(label: string, options: { cancellable?: boolean } = {}): Task<T> {
  const cancellable = options.cancellable ?? true;
  const [state, setState] = useState<TaskState>('idle');
  const [progress, setProgress] = useState<ProgressEventLike | null>(null);
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const latest = useRef<ProgressEventLike | null>(null);
  const timer = useRef<NodeJS.Timeout | null>(null);
  const mounted = useRef(true);
  useBusyWhile(label, state === 'running');

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (timer.current) clearTimeout(timer.current);
      if (cancellable) controller.current?.abort();
    };
  }, [cancellable]);

  const start = useCallback<Task<T>['start']>((run) => {
    if (controller.current) return;
    const c = new AbortController();
    controller.current = c;
    latest.current = null;
    setState('running');
    setProgress(null);
    setError(null);
    setResult(null);
    const onProgress = (e: ProgressEventLike) => {
      latest.current = e;
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        if (mounted.current) setProgress(latest.current);
      }, PROGRESS_MS);
    };
    run({ signal: c.signal, onProgress }).then(
      (value) => {
        controller.current = null;
        if (!mounted.current) return;
        setResult(value);
        setState('done');
      },
      (err: unknown) => {
        controller.current = null;
        if (!mounted.current) return;
        if (isAbort(err, c.signal)) setState('cancelled');
        else {
          setError(errorText(err));
          setState('failed');
        }
      },
    );
  }, []);

  const cancel = useCallback(() => {
    if (!controller.current || !cancellable) return false;
    controller.current.abort();
    return true;
  }, [cancellable]);

  const reset = useCallback(() => {
    if (controller.current) return;
    setState('idle');
    setProgress(null);
    setResult(null);
    setError(null);
  }, []);

  return useMemo(() => ({ state, progress, result, error, start, cancel, reset }), [state, progress, result, error, start, cancel, reset]);
}
