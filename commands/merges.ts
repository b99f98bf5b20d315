import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { printJson, printText } from '../src/cli/output.js';
import { formatCount, pad } from '../src/util/format.js';

/** `crm-rescue merges`: every merge of the target, with its state. */
export const mergesCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'merges',
  describe: 'List the merges applied to the target (journal), newest first, with their state',
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { internalNamespace }, { listMerges }] = await Promise.all([
      import('../src/cli/target-flags.js'),
      import('../src/dialect/namespaces.js'),
      import('../src/merge/journal.js'),
    ]);
    const db = await openFromArgs(args);
    try {
      const merges = await listMerges(db, db.dialect, internalNamespace(db.dialect.engine, db.target.database));
      if (args.json) printJson(merges);
      else if (!merges.length) printText('no merges yet');
      else {
        printText(`${pad('MERGE', 24)} ${pad('STATE', 16)} ${pad('INS', 7, 'right')} ${pad('UPD', 7, 'right')}  BACKUP / WHEN`);
        for (const m of merges) {
          printText(
            `${pad(m.id, 24)} ${pad(m.state, 16)} ${pad(formatCount(m.totals?.inserted ?? 0), 7, 'right')} ${pad(formatCount(m.totals?.updated ?? 0), 7, 'right')}  ${m.backupId} ${m.createdAt}`,
          );
        }
      }
    } finally {
      await db.close();
    }
  },
};
