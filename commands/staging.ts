import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { printJson, printText } from '../src/cli/output.js';
import { UsageError, UserError } from '../src/errors.js';
import { formatBytes, formatCount } from '../src/util/format.js';

interface StagingArgs extends GlobalArgs {
  action: 'list' | 'drop';
  id?: string;
  all: boolean;
}

/** `crm-rescue staging list|drop`: what is staged on the target, and removing it. */
export const stagingCommand: CommandModule<GlobalArgs, StagingArgs> = {
  command: 'staging <action> [id]',
  describe: 'List staged tables, or drop the staging of a backup (or --all)',
  builder: (y) =>
    y
      .positional('action', { choices: ['list', 'drop'] as const, describe: 'list | drop' })
      .positional('id', { type: 'string', describe: 'Backup id whose staging to drop' })
      .option('all', { type: 'boolean', default: false, describe: 'With drop: every staging namespace of this database' }) as never,
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { stagingNamespace }, { dropStaging, listStagings }] = await Promise.all([
      import('../src/cli/target-flags.js'),
      import('../src/dialect/namespaces.js'),
      import('../src/stage/namespace.js'),
    ]);
    const db = await openFromArgs(args, { readOnly: args.action === 'list' });
    try {
      const stagings = await listStagings(db);
      if (args.action === 'list') {
        if (args.json) printJson(stagings);
        else if (!stagings.length) printText('nothing staged');
        else {
          for (const s of stagings) {
            printText(`${s.backupId}  (${s.namespace}, since ${s.createdAt})`);
            for (const t of s.tables) printText(`  ${t.schema}.${t.name}: ${formatCount(t.rows)} rows, ${formatBytes(t.bytes ?? 0)}, staged ${t.stagedAt}`);
          }
        }
        return;
      }
      if (!args.all && !args.id) throw new UsageError('staging drop needs a backup id or --all', 'crm-rescue staging list shows them');
      const victims = args.all
        ? stagings
        : stagings.filter(
            (s) =>
              s.backupId === args.id ||
              s.backupId.startsWith(args.id!) ||
              s.namespace === args.id ||
              s.namespace === stagingNamespace(db.target.database, args.id!),
          );
      if (!victims.length) throw new UserError(`nothing is staged for "${args.id}"`, 'crm-rescue staging list shows what is staged');
      if (victims.length > 1 && !args.all) throw new UserError(`"${args.id}" matches ${victims.length} stagings`, 'Give more of the backup id');
      for (const v of victims) await dropStaging(db, v.namespace);
      if (args.json) printJson({ dropped: victims.map((v) => ({ backupId: v.backupId, namespace: v.namespace })) });
      else for (const v of victims) printText(`dropped ${v.namespace} (backup ${v.backupId})`);
    } finally {
      await db.close();
    }
  },
};
