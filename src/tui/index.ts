/**
 * The console's entry, as `src/cli/index.ts` is the verbs': the CLI calls `openConsole` when no
 * verb is given, and `crm-rescue demo` hands its fresh database over to it.
 */
import { openFromArgs } from '../cli/target-flags.js';
import type { GlobalArgs } from '../cli/global-args.js';
import { UserError } from '../errors.js';

/**
 * `crm-rescue` with no verb opens the console. It needs a terminal it can put in raw mode;
 * without one, point to the non-interactive verbs.
 */
export async function openConsole(args: GlobalArgs): Promise<number> {
  assertInteractiveTerminal(process.stdin, process.stdout);
  // Before anything imports Ink (and chalk, and is-in-ci): they read the environment once.
  prepareEnvironment(process.env);
  // Load the console (Ink, React: the slow part of start-up) while connecting. Connecting comes
  // first on screen: a password prompt belongs on the normal screen, not the console's.
  const modules = Promise.all([
    import('./services-from-db.js'),
    import('./run-console.js'),
    import('./providers/last-backup.js'),
    import('./services-recovery.js'),
  ]);
  modules.catch(() => undefined);
  const db = await openFromArgs(args);
  try {
    const [{ servicesFromDb }, { runConsole }, { lastBackupProvider }, { recoveryServices }] = await modules;
    // Audit (with Home's deletion spikes), backups, stage, diff and merge load on first use.
    return await runConsole(servicesFromDb(db, { lastBackup: lastBackupProvider(db.target), ...recoveryServices(db) }));
  } finally {
    await db.close().catch(() => undefined);
  }
}

/** Refuses to start without a TTY on both ends, or without raw mode (ssh without -t). */
export function assertInteractiveTerminal(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): void {
  if (!stdout.isTTY || !stdin.isTTY) {
    throw new UserError(
      'the console needs a terminal (stdin and stdout are not a TTY)',
      'Use the verbs instead: crm-rescue --help lists them (inspect, demo, …)',
    );
  }
  try {
    if (typeof stdin.setRawMode !== 'function') throw new Error('no setRawMode');
    stdin.setRawMode(true);
    stdin.setRawMode(false);
  } catch {
    throw new UserError(
      'the console needs a terminal that accepts raw keyboard input (over ssh, use ssh -t)',
      'Or use the verbs instead: crm-rescue --help lists them (inspect, demo, …)',
    );
  }
}

/**
 * A CI variable must not put Ink in its one-frame CI mode nor chalk in its no-attributes mode (a
 * console on a TTY has a person at it), and React runs its production build. NO_COLOR is left to the theme, which passes no
 * colours: chalk must stay on, or bold, reverse video and underline would go too, and
 * https://no-color.org asks only to drop colour.
 */
export function prepareEnvironment(env: NodeJS.ProcessEnv): void {
  // React's development build checks and times every render (a third more CPU per key press).
  if (env.NODE_ENV === undefined) env.NODE_ENV = 'production';
  // chalk's colour detection gives level 0 (no bold, no reverse video either) whenever a `CI`
  // variable exists, whatever its value: keep the level a terminal would get without it.
  if ('CI' in env && env.FORCE_COLOR === undefined && env.TERM !== 'dumb')
    env.FORCE_COLOR = /^(truecolor|24bit)$/i.test(env.COLORTERM ?? '') ? '3' : /-256(color)?$/i.test(env.TERM ?? '') ? '2' : '1';
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in env) env[name] = 'false';
}
