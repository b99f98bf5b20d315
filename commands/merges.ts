import { defineCommand } from '../src/cli/define-command.js';
import { printJson, printText } from '../src/cli/output.js';
import { formatCount, pad } from '../src/util/format.js';

/** `crm-rescue merges`: every merge of the target, with its state. */
export const mergesCommand = defineCommand({
  command: 'merges',
  describe: 'List the merges applied to the target (journal), newest first, with their state',
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { mergeRecords }] = await Promise.all([import('../src/cli/target-flags.js'), import('../src/recovery/merges.js')]);
    const db = await openFromArgs(args);
    try {
      const merges = await mergeRecords(db);
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
});
