import { defineCommand } from '../src/cli/define-command.js';
import { printJson, printText } from '../src/cli/output.js';
import { formatBytes, formatCount } from '../src/util/format.js';

/** `crm-rescue staging list|drop`: what is staged on the target, and removing it. */
export const stagingCommand = defineCommand({
  command: 'staging <action> [id]',
  describe: 'List staged tables, or drop the staging of a backup (or --all)',
  builder: (y) =>
    y
      .positional('action', { choices: ['list', 'drop'] as const, describe: 'list | drop' })
      .positional('id', { type: 'string', describe: 'Backup id whose staging to drop' })
      .option('all', { type: 'boolean', default: false, describe: 'With drop: every staging namespace of this database' }),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { stagingsToDrop }, { dropStaging, listStagings }] = await Promise.all([
      import('../src/cli/target-flags.js'),
      import('../src/recovery/stagings.js'),
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
            for (const t of s.tables)
              printText(
                `  ${t.schema}.${t.name}: ${formatCount(t.rows)} rows, ${formatBytes(t.bytes ?? 0)}, staged ${t.stagedAt}${t.targeted ? ` (targeted: ${formatCount(t.targeted.keys)} keys)` : ''}`,
              );
          }
        }
        return;
      }
      const victims = stagingsToDrop(db, stagings, { id: args.id, all: args.all });
      const gone = new Set<string>();
      for (const v of victims) if (!(await dropStaging(db, v.namespace))) gone.add(v.namespace);
      const dropped = victims.filter((v) => !gone.has(v.namespace));
      if (args.json)
        printJson({
          dropped: dropped.map((v) => ({ backupId: v.backupId, namespace: v.namespace })),
          ...(gone.size && { goneAlready: [...gone] }),
        });
      else for (const v of victims) printText(`${gone.has(v.namespace) ? 'gone already:' : 'dropped'} ${v.namespace} (backup ${v.backupId})`);
    } finally {
      await db.close();
    }
  },
});
