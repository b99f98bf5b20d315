import { format } from 'node:util';

/** Escape sequences the console writes itself (Ink 6 has no alternate-screen option). */
export const ENTER_ALT_SCREEN = '\x1b[?1049h';
export const LEAVE_ALT_SCREEN = '\x1b[?1049l';
export const SHOW_CURSOR = '\x1b[?25h';
export const CLEAR_HOME = '\x1b[2J\x1b[H';

/** Signals that end the console, with the exit code a shell expects (128 + number). */
export const FATAL_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * While the console owns the screen, console.log & co. would scribble over the frame. This
 * holds their output and gives it back (to print on stderr after the screen is restored).
 */
export function captureConsole(limit = 200): () => string[] {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back on console, never called detached
  const saved = methods.map((m) => console[m]);
  const lines: string[] = [];
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      if (lines.length < limit) lines.push(format(...args));
    };
  }
  return () => {
    methods.forEach((m, i) => (console[m] = saved[i]));
    return lines;
  };
}

/** Writes to a stream that may already be gone (SIGHUP: the terminal closed). */
export function safeWrite(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch {
    // Nothing to restore on a terminal that is gone.
  }
}
