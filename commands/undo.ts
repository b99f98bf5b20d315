import { defineCommand } from '../src/cli/define-command.js';
import { printJson, printText } from '../src/cli/output.js';

/** `crm-rescue undo MERGE_ID`: reverse one merge from its journal, in one transaction. */
export const undoCommand = defineCommand({
  command: 'undo <merge-id>',
  describe: 'Reverse a merge from its journal (refuses rows edited after the merge)',
  builder: (y) =>
    y
      .positional('merge-id', { type: 'string', demandOption: true, describe: 'The merge id (crm-rescue merges lists them)' })
      .option('skip-changed', { type: 'boolean', default: false, describe: 'Leave rows edited after the merge as they are and undo the rest' })
      .option('without-triggers', {
        type: 'boolean',
        default: false,
        describe:
          "Skip the live tables' triggers for this transaction (PostgreSQL session_replication_role = replica; a merge applied --without-triggers is always undone so)",
      })
      .option('lock-timeout', {
        type: 'number',
        default: 5,
        describe: 'Seconds to wait for a lock another session holds (a row, a table, a merge of the same table) before giving up, naming that session',
      }),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ confirmTyped }, { openFromArgs }, { mergeRecord, undoMerge }] = await Promise.all([
      import('../src/cli/confirm.js'),
      import('../src/cli/target-flags.js'),
      import('../src/recovery/merges.js'),
    ]);
    const { UsageError } = await import('../src/errors.js');
    if (!(args.lockTimeout > 0 && args.lockTimeout <= 3600))
      throw new UsageError(`--lock-timeout must be a number of seconds between 1 and 3600, not ${String(args.lockTimeout)}`, 'The default is 5');
    const db = await openFromArgs(args, { readOnly: false, lockTimeoutSeconds: args.lockTimeout });
    try {
      const rec = await mergeRecord(db, args.mergeId);
      if (rec.state === 'applied') {
        await confirmTyped(
          `About to undo merge ${rec.id} (${rec.totals?.inserted ?? 0} inserted, ${rec.totals?.updated ?? 0} updated rows) in ${db.target.database}.`,
          db.target.database,
          args.yes,
        );
      }
      const result = await undoMerge(db, args.mergeId, {
        skipChanged: args.skipChanged,
        lockTimeoutSeconds: args.lockTimeout,
        withoutTriggers: args.withoutTriggers,
      });
      if (args.json) printJson(result);
      else {
        printText(`merge ${result.mergeId} ${result.state}:`);
        for (const t of result.tables.filter((x) => x.deleted + x.restored + x.refused > 0))
          printText(
            `  ${t.table}: ${t.deleted} deleted, ${t.restored} restored${t.refused ? `, ${t.refused} left as they are (changed after the merge)` : ''}`,
          );
        for (const n of result.notes ?? []) printText(`  note: ${n}`);
      }
    } finally {
      await db.close();
    }
  },
});
