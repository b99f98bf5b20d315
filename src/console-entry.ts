import { UserError } from './errors.js';

/**
 * `crm-rescue` with no verb opens the console. It needs a terminal; without one, point to the
 * non-interactive verbs.
 */
export async function openConsole(_args: Record<string, unknown>): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new UserError(
      'the console needs a terminal (stdin and stdout are not a TTY)',
      'Use the verbs instead: crm-rescue --help lists them (inspect, demo, …)',
    );
  }
  throw new UserError('the console is not available in this build yet', 'Use the verbs: crm-rescue --help');
}
