import { readFile } from 'node:fs/promises';
import { defineCommand } from '../src/cli/define-command.js';
import { printJson, printText } from '../src/cli/output.js';
import { UserError } from '../src/errors.js';

/** `crm-rescue erasures add|list`: identifiers (hashed) that merge must never bring back. */
export const erasuresCommand = defineCommand({
  command: 'erasures <action> [values..]',
  describe: 'Manage the erasure list: people who asked to be erased never come back from a backup',
  builder: (y) =>
    y
      .positional('action', { choices: ['add', 'list'] as const })
      .positional('values', { type: 'string', array: true, describe: 'E-mail addresses or phone numbers (stored only as sha256)' })
      .option('from', { type: 'string', describe: 'Read identifiers from a file, one per line' }),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ addErasures, erasuresPath, readErasures }] = await Promise.all([import('../src/merge/erasures.js')]);
    if (args.action === 'list') {
      const list = await readErasures();
      if (args.json) printJson({ file: erasuresPath(), entries: list });
      else
        printText(
          `${list.length} erased identifier(s) in ${erasuresPath()}${list.length ? `\n${list.map((e) => `  ${e.hash} ${e.addedAt}`).join('\n')}` : ''}`,
        );
      return;
    }
    let values = (args.values ?? []).map(String);
    if (args.from) {
      try {
        values = values.concat((await readFile(args.from, 'utf8')).split('\n'));
      } catch (err) {
        throw new UserError(`cannot read ${args.from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const added = await addErasures(values);
    if (args.json) printJson({ added, file: erasuresPath() });
    else printText(`${added} identifier(s) added to ${erasuresPath()} (only their sha256 is kept)`);
  },
});
