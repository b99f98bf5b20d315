import { render, type Instance } from 'ink';
import { redactUrlString } from '../connect/target.js';
import { describeError } from '../errors.js';
import { ConsoleApp } from './app.js';
import type { ConsoleServices } from './services.js';
import { CLEAR_HOME, ENTER_ALT_SCREEN, FATAL_SIGNALS, LEAVE_ALT_SCREEN, SHOW_CURSOR, captureConsole, safeWrite } from './terminal.js';
import { themeFromEnv } from './theme.js';

/** Where the console runs (the process's own streams by default). */
export interface RunConsoleOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the console full screen until the user quits; returns the exit code.
 * Enters the alternate screen before Ink's only `render()`, and leaves it on every way out:
 * quit, SIGINT/SIGTERM/SIGHUP, an uncaught exception (printed as one line), a render error
 * (rethrown for the CLI's handler), and process exit as a last resort.
 */
export async function runConsole(services: ConsoleServices, options: RunConsoleOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  let instance: Instance | undefined;
  let restored = false;
  const releaseConsole = captureConsole();

  /** Unmounts Ink (raw mode off), leaves the alternate screen, shows the cursor. Idempotent. */
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      instance?.unmount();
    } catch {
      // Unmounting a broken tree must not keep the terminal in the alternate screen.
    }
    safeWrite(stdout, LEAVE_ALT_SCREEN + SHOW_CURSOR);
    for (const line of releaseConsole()) safeWrite(stderr, `${line}\n`);
    detach();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.exit(FATAL_SIGNALS[signal as keyof typeof FATAL_SIGNALS] ?? 1);
  };
  const onFatal = (err: unknown) => {
    restore();
    safeWrite(stderr, `crm-rescue: ${redactUrlString(describeError(err))}\n`);
    process.exit(1);
  };
  const onExit = () => restore();
  const signals = Object.keys(FATAL_SIGNALS) as NodeJS.Signals[];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('exit', onExit);
  function detach(): void {
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.off('exit', onExit);
  }

  safeWrite(stdout, ENTER_ALT_SCREEN + CLEAR_HOME);
  try {
    instance = render(<ConsoleApp services={services} theme={themeFromEnv(options.env ?? process.env)} />, {
      stdout,
      stdin,
      stderr,
      exitOnCtrlC: false,
      patchConsole: false,
      // A key shows within one frame: at 30 a keystroke that follows a render by less than 33 ms
      // waited for the throttle (bench: j 68 ms median with 24 ms of CPU). Progress bars do not
      // draw more often than their events come.
      maxFps: 60,
    });
    await instance.waitUntilExit();
    return 0;
  } finally {
    restore();
  }
}
