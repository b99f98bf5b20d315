import { createContext, useCallback, useContext, useMemo, useState } from 'react';

/** The kinds of status message; each is shown with its own marker, not only a colour. */
export type StatusKind = 'info' | 'ok' | 'warn' | 'error';

/** One message on the status line. */
export interface StatusMessage {
  kind: StatusKind;
  text: string;
}

/** The status line: one message at a time. */
export interface Status {
  message: StatusMessage | null;
  show(kind: StatusKind, text: string): void;
  clear: () => void;
}

/** The status line's state. */
export function useStatusState(): Status {
  const [message, setMessage] = useState<StatusMessage | null>(null);
  const show = useCallback((kind: StatusKind, text: string) => setMessage({ kind, text }), []);
  const clear = useCallback(() => setMessage(null), []);
  return useMemo(() => ({ message, show, clear }), [message, show, clear]);
}

/** The console's status line; the root provides it. */
export const StatusContext = createContext<Status>({ message: null, show: () => undefined, clear: () => undefined });

/** The console's status line. */
export function useStatus(): Status {
  return useContext(StatusContext);
}
