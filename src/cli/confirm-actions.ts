import { createInterface } from 'node:readline';
import { UsageError, UserError } from '../errors.js';

/**
 * A yes/no confirmation of actions already shown in full (their SQL or command lines), for
 * actions that keep evidence rather than write rows (protect): a typed database name (confirm.ts)
 * is for writes to live rows. Without a terminal, `--yes` is required: the caller has printed
 * what would be done, and this ends with the usage exit code saying so.
 */
export async function confirmActions(question: string, yes: boolean, verb: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new UsageError(`${verb} asks before it acts and stdin is not a terminal; nothing was done`, 'Add --yes to do the actions shown above');
  }
  process.stderr.write(`${question} [y/N] `);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question('', (a) => resolve(a)));
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserError('not confirmed; nothing was done', 'Answer y, or pass --yes');
}

/** Whether confirmActions would refuse at once (no --yes, no terminal): the caller then only shows. */
export function cannotAsk(yes: boolean): boolean {
  return !yes && !process.stdin.isTTY;
}
