import { createInterface } from 'node:readline';
import { UsageError, UserError } from '../errors.js';

/**
 * A typed confirmation for destructive actions: the user must type `expected` (the database
 * name). Without a terminal, `--yes` is required instead.
 */
export async function confirmTyped(what: string, expected: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new UsageError('writing to live needs a typed confirmation and stdin is not a terminal; nothing was changed', 'Pass --yes to confirm from a script');
  }
  process.stderr.write(`${what}\nType the database name (${expected}) to confirm: `);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question('', (a) => resolve(a)));
  rl.close();
  if (answer.trim() !== expected) throw new UserError('confirmation did not match; nothing was changed', `Type exactly ${expected}, or pass --yes`);
}
