import { defineCommand } from '../src/cli/define-command.js';
import { commaList, printJson, printText } from '../src/cli/output.js';
import { targetedStageNote } from '../src/stage/targeted.js';
import { formatBytes, formatCount } from '../src/util/format.js';
import { splitTableList } from '../src/util/table-ref.js';
import { sourceChoiceFromArgs, withSourceChoiceFlags } from '../src/cli/external-flags.js';

/** `crm-rescue stage`: restore tables of a backup into its staging namespace, never into live. */
export const stageCommand = defineCommand({
  command: 'stage',
  describe: 'Restore tables of a backup into its staging namespace on the live server (live tables are never written)',
  builder: (y) =>
    withSourceChoiceFlags(y)
      .option('backup', {
        type: 'string',
        demandOption: true,
        describe: "Backup id (or a unique prefix, or latest: the target's newest), or a dump file or folder made by another tool (imported first)",
      })
      .option('backup-of-other-database', {
        type: 'boolean',
        default: false,
        describe: 'Accept a backup taken from another database than the target (named by id); said in the output',
      })
      .option('table', { type: 'string', array: true, demandOption: true, describe: 'Table to stage (name or schema.name); repeat for several' })
      .option('with-related', { type: 'boolean', default: false, describe: 'Also stage the tables related to them (foreign keys and CRM-implied relations)' })
      .option('keys', { type: 'string', describe: 'Stage only the rows of these keys of the one --table (comma-separated, single-column keys)' })
      .option('keys-from', {
        type: 'string',
        describe: 'Stage only the rows of the keys in a file (one per line, JSON objects, or NDJSON of crm-rescue audit deletions --json / diff); - for stdin',
      })
      .option('key', { type: 'string', describe: 'With --keys/--keys-from: the columns that identify a row, when the table has no primary or unique key' })
      .option('dir', { type: 'string', describe: 'Catalog folder (default $CRM_RESCUE_HOME/backups)' }),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { createProgressReporter }, { stageTables }] = await Promise.all([
      import('../src/cli/target-flags.js'),
      import('../src/progress/reporter.js'),
      import('../src/recovery/stage-tables.js'),
    ]);
    const db = await openFromArgs(args, { readOnly: false });
    const reporter = createProgressReporter({ json: args.json });
    try {
      // Commas separate tables, except inside a quoted name ("a,b").
      const tables = args.table.flatMap((t) => splitTableList(String(t)));
      const result = await stageTables(db, {
        backup: args.backup,
        tables,
        withRelated: args.withRelated,
        dir: args.dir,
        onProgress: reporter.listener,
        allowOtherDatabase: args.backupOfOtherDatabase,
        external: sourceChoiceFromArgs(args),
        keys: commaList(args.keys),
        keysFrom: args.keysFrom,
        key: commaList(args.key),
      });
      reporter.end();
      if (args.json) printJson(result);
      else {
        printText(`staged from backup ${result.backupId} into ${result.namespace}:`);
        if (result.backupOrigin?.note) printText(`  note: ${result.backupOrigin.note}`);
        if (result.targeted) printText(`  ${targetedStageNote(result.targeted)}`);
        for (const t of result.tables) {
          printText(
            `  ${t.schema}.${t.name}${t.related ? ' (related)' : ''}: ${formatCount(t.rows)} rows, ${formatBytes(t.bytes ?? 0)} read, ${t.seconds.toFixed(1)} s${t.note ?? ''}`,
          );
        }
      }
    } finally {
      reporter.end();
      await db.close();
    }
  },
});
