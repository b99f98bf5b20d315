import yargs, { type Argv } from 'yargs';
import { withCommands } from '../../commands/index.js';
import { describeError, errorToJson, exitCodeOf, ExternalError, UsageError } from '../errors.js';
import { redactUrlString } from '../connect/target.js';
import type { GlobalArgs } from './global-args.js';

/**
 * The CLI's entry: parses argv with yargs, runs one verb, and is the one place that turns
 * errors into a line on stderr (or a JSON error document) and an exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  let exitCode = 0;
  try {
    let parser: Argv<GlobalArgs> = yargs(joinStdinValues(argv))
      .scriptName('crm-rescue')
      .usage("$0 [verb] [options]\n\nGets a self-hosted CRM's lost rows back: localize, back up, stage, diff, merge, undo.\nWith no verb, opens the console.")
      .option('url', { type: 'string', describe: 'Target database URL: postgres://user@host:5432/db or mysql://user@host:3306/db', global: true })
      .option('profile', { type: 'string', describe: 'Named profile from $XDG_CONFIG_HOME/crm-rescue/profiles.ini', global: true })
      .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output on stdout; messages on stderr', global: true })
      .option('yes', { type: 'boolean', default: false, describe: 'Answer yes to confirmations (for scripts)', global: true })
      .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces and internal details', global: true })
      .conflicts('url', 'profile')
      .strict()
      .recommendCommands()
      .help()
      .alias('h', 'help')
      .version()
      .wrap(Math.min(100, process.stdout.columns || 80))
      .fail((msg, err) => {
        if (err) throw err;
        throw new UsageError(msg, 'Run crm-rescue --help for the verbs and their options');
      });
    parser = withCommands(parser);
    skipHelpCache(parser);
    parser = parser.command(
      '$0',
      false as unknown as string,
      () => undefined,
      async (args) => {
        const { openConsole } = await import('../tui/index.js');
        exitCode = await openConsole(args);
      },
    );
    await parser.parseAsync();
    exitCode = typeof process.exitCode === 'number' ? process.exitCode : exitCode;
  } catch (err) {
    exitCode = exitCodeOf(err);
    if (json) process.stdout.write(`${JSON.stringify(errorToJson(err))}\n`);
    process.stderr.write(`crm-rescue: ${redactUrlString(describeError(err))}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${redactUrlString(err.stack)}\n`);
    // What the child tool said, whole (the line above keeps only its error line).
    if (debug && err instanceof ExternalError && err.stderrTail.trim())
      process.stderr.write(`${redactUrlString(err.command)} said:\n${redactUrlString(err.stderrTail)}\n`);
    if (debug && err instanceof Error && err.cause instanceof Error && err.cause.stack) {
      process.stderr.write(`caused by: ${redactUrlString(err.cause.stack)}\n`);
    }
  }
  return exitCode;
}

/**
 * yargs renders a verb's whole help before running it (its usage's cacheHelpMessage), for help
 * shown later from the handler or on a failure. crm-rescue shows neither (its `.fail` throws; a
 * verb never prints help), and that rendering measures every line with string-width: a sixth of
 * the CPU time of a short command. `--help` still renders the help when asked.
 */
function skipHelpCache(parser: Argv<GlobalArgs>): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (parser as unknown as Internal).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** Options whose value may be `-` (stdin). */
const STDIN_OPTIONS = new Set(['--keys-from']);

/**
 * `--keys-from -` as `--keys-from=-`: yargs takes a lone `-` for the start of another flag, so
 * the option would get no value and `-` would be an unknown argument.
 */
export function joinStdinValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (STDIN_OPTIONS.has(argv[i]) && argv[i + 1] === '-') {
      out.push(`${argv[i]}=-`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}
