import { defineCommand } from '../src/cli/define-command.js';
import { note, printJson, printText } from '../src/cli/output.js';
import { formatBytes, formatCount } from '../src/util/format.js';
import { splitTableList } from '../src/util/table-ref.js';

/** `crm-rescue backup`: one consistent dump of the target into the catalog. */
export const backupCommand = defineCommand({
  command: 'backup',
  describe: 'Back up the target into the catalog (pg_dump directory format / mysqldump split per table), verified by sha256',
  builder: (y) =>
    y
      .option('tables', { type: 'string', array: true, describe: 'Only these tables (name or schema.name; comma-separated or repeated)' })
      .option('dir', { type: 'string', describe: 'Catalog folder (default $CRM_RESCUE_HOME/backups)' })
      .option('label', { type: 'string', describe: 'A label kept in the manifest' })
      .option('compress', { choices: ['gzip', 'none'] as const, default: 'gzip' as const, describe: 'Compression of the table files' })
      .option('compress-level', { type: 'number', default: 6, describe: 'gzip level 0–9' })
      .option('jobs', { type: 'number', describe: 'Parallel jobs (pg_dump --jobs; gzip threads for MySQL). Default: number of cores' }),
  handler: async (args) => {
    // Loaded on use, so other verbs do not pay for the backup engine at start-up.
    const [{ runBackup }, { abortOnSignals }, { openFromArgs }, { createProgressReporter }] = await Promise.all([
      import('../src/backup/run-backup.js'),
      import('../src/backup/signals.js'),
      import('../src/cli/target-flags.js'),
      import('../src/progress/reporter.js'),
    ]);
    // Commas separate tables, except inside a quoted name ("a,b").
    const tables = args.tables?.flatMap((t) => splitTableList(String(t)));
    const db = await openFromArgs(args);
    const reporter = createProgressReporter({ json: args.json });
    const interrupts = abortOnSignals((sig) => {
      reporter.end();
      note(`crm-rescue: ${sig}: stopping the backup and removing the partial files…`);
    });
    try {
      const result = await runBackup({
        target: db.target,
        db,
        dir: args.dir,
        label: args.label,
        tables,
        compress: args.compress,
        compressLevel: args.compressLevel,
        jobs: args.jobs,
        onProgress: reporter.listener,
        signal: interrupts.signal,
      });
      reporter.end();
      const m = result.manifest;
      if (args.json) printJson(m);
      else {
        printText(
          `backup ${m.id} ok: ${m.totals.tables} tables, ${m.totals.rows === null ? 'rows unknown' : `${formatCount(m.totals.rows)} rows`}, ${formatBytes(m.totals.bytes)} in ${m.durationSeconds} s\n  ${result.path}`,
        );
      }
    } finally {
      reporter.end();
      interrupts.dispose();
      await db.close();
    }
  },
});
