import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

/** Work that is running (a backup, a stage, a merge): quitting asks first while there is any. */
export interface Busy {
  /** Labels of the running work, oldest first. */
  tasks: readonly string[];
  /** Marks work as running; call the returned function when it ends. */
  begin: (label: string) => () => void;
}

/** The running-work registry's state. */
export function useBusyState(): Busy {
  const [tasks, setTasks] = useState<{ id: number; label: string }[]>([]);
  const begin = useCallback((label: string) => {
    const id = nextId++;
    setTasks((t) => [...t, { id, label }]);
    return () => setTasks((t) => t.filter((x) => x.id !== id));
  }, []);
  return useMemo(() => ({ tasks: tasks.map((t) => t.label), begin }), [tasks, begin]);
}

let nextId = 0;

/** The console's running work; the root provides it. */
export const BusyContext = createContext<Busy>({ tasks: [], begin: () => () => undefined });

/** The console's running work. */
export function useBusy(): Busy {
  return useContext(BusyContext);
}

/** Marks `label` as running while `running` is true. */
export function useBusyWhile(label: string, running: boolean): void {
  const { begin } = useBusy();
  useEffect(() => (running ? begin(label) : undefined), [begin, label, running]);
}
