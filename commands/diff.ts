import { defineCommand } from '../src/cli/define-command.js';
import { commaList, note, printNdjson, printText } from '../src/cli/output.js';
import { targetedNote } from '../src/stage/targeted.js';
import { DIFF_CLASSES } from '../src/diff/model.js';
import { ExitCode, UsageError } from '../src/errors.js';
import { sourceChoiceFromArgs, withSourceChoiceFlags } from '../src/cli/external-flags.js';

const list = commaList;

/** `crm-rescue diff`: staging (the backup) against live, by key. */
export const diffCommand = defineCommand({
  command: 'diff',
  describe: 'Compare a table of a backup (staged) with live by key: deleted, soft-deleted, changed (which columns), added',
  builder: (y) =>
    withSourceChoiceFlags(y)
      .option('table', { type: 'string', demandOption: true, describe: 'The table (name or schema.name)' })
      .option('backup', {
        type: 'string',
        demandOption: true,
        describe:
          "Backup id (or a unique prefix, or latest: the target's newest), or a dump file or folder made by another tool (imported first); the table is staged first when it is not yet",
      })
      .option('backup-of-other-database', {
        type: 'boolean',
        default: false,
        describe: 'Accept a backup taken from another database than the target (named by id); said in the output',
      })
      .option('columns', { type: 'string', describe: 'Compare only these columns (comma-separated)' })
      .option('key', { type: 'string', describe: 'Columns that identify a row, when the table has no primary or unique key' })
      .option('where', { type: 'string', describe: "SQL condition over the table's columns, applied to both sides" })
      .option('keys', { type: 'string', describe: 'Compare only these keys (comma-separated, single-column keys): only their rows are staged (targeted)' })
      .option('keys-from', {
        type: 'string',
        describe: 'Compare only the keys of a file (one per line, JSON objects, or NDJSON of crm-rescue audit deletions --json / diff); - for stdin',
      })
      .option('whole-table', {
        type: 'boolean',
        default: false,
        describe: 'With --keys/--keys-from: stage the whole table (the comparison still covers only those keys)',
      })
      .option('format', {
        choices: ['table', 'json', 'ndjson'] as const,
        describe: 'Output: table (default), json (one document), ndjson (summary line, then one line per row)',
      })
      .option('class', { type: 'string', array: true, choices: [...DIFF_CLASSES], describe: 'Only rows of these classes' })
      .option('limit', { type: 'number', describe: 'At most this many rows per class (0: the summary only); the counts still cover every row' })
      .option('exit-code', { type: 'boolean', default: false, describe: 'Exit 3 when there are differences' })
      .option('dir', { type: 'string', describe: 'Catalog folder (default $CRM_RESCUE_HOME/backups)' }),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { formatDiffRow, formatDiffSummary }, { prepareTableDiff }, { runDiff }, { createProgressReporter }] = await Promise.all([
      import('../src/cli/target-flags.js'),
      import('../src/diff/format.js'),
      import('../src/recovery/table-diff.js'),
      import('../src/diff/run.js'),
      import('../src/progress/reporter.js'),
    ]);
    const format = args.format ?? (args.json ? 'json' : 'table');
    if (args.limit !== undefined && (!Number.isInteger(args.limit) || args.limit < 0)) throw new UsageError('--limit must be a whole number ≥ 0');
    const db = await openFromArgs(args);
    const reporter = createProgressReporter({ json: args.json || format !== 'table' });
    try {
      const { prepared, plan } = await prepareTableDiff(db, {
        backup: args.backup,
        table: args.table,
        dir: args.dir,
        allowOtherDatabase: args.backupOfOtherDatabase,
        external: sourceChoiceFromArgs(args),
        key: list(args.key),
        columns: list(args.columns),
        where: args.where,
        keys: list(args.keys),
        keysFrom: args.keysFrom,
        wholeTable: args.wholeTable,
        onProgress: reporter.listener,
        onPrepared: (p) => {
          reporter.end();
          if (p.stagedNow.length) note(`staged ${p.stagedNow.join(', ')} from backup ${p.backupId} first`);
          if (p.kept) note(p.kept);
        },
      });
      const classes = args.class ?? [...DIFF_CLASSES];
      // Counts first (every format prints them before the rows), then the rows of `classes`.
      const run = await runDiff(db, plan, { classes, limit: args.limit });
      const summary = {
        backupId: prepared.backupId,
        ...(prepared.backupOrigin && { backupOrigin: prepared.backupOrigin }),
        ...(prepared.targeted && { targeted: prepared.targeted }),
        ...run.summary,
      };
      const counts = summary.counts;
      const width = process.stdout.columns || 80;
      // Output in chunks of ~64 KiB (a terminal: line by line): one write per row is one system call per row.
      let pending = '';
      const out = (text: string) => {
        pending += text;
        if (pending.length >= 1 << 16 || process.stdout.isTTY) flush();
      };
      const flush = () => {
        if (pending) process.stdout.write(pending);
        pending = '';
      };
      try {
        if (format === 'ndjson') {
          printNdjson({ type: 'summary', ...summary });
          for await (const r of run.rows()) out(`${JSON.stringify({ type: 'row', ...r })}\n`);
        } else if (format === 'json') {
          // One document, written as it streams: memory stays flat however many rows differ.
          process.stdout.write(`{"summary":${JSON.stringify(summary)},"rows":[`);
          let first = true;
          for await (const r of run.rows()) {
            out(`${first ? '\n' : ',\n'}${JSON.stringify(r)}`);
            first = false;
          }
          out('\n]}\n');
        } else {
          const origin =
            (prepared.backupOrigin?.note ? `\n  note: ${prepared.backupOrigin.note}` : '') +
            (prepared.targeted ? `\n  ${targetedNote(prepared.targeted)}` : '');
          printText(`${formatDiffSummary(summary, width)}\nBackup   ${prepared.backupId}${origin}\n`);
          for await (const r of run.rows()) out(`${formatDiffRow(r, width)}\n`);
        }
        flush();
      } finally {
        await run.close();
      }
      const differs = counts.deleted + counts.changed + counts.softDeleted + counts.added > 0;
      if (args.exitCode && differs) process.exitCode = ExitCode.differences;
    } finally {
      reporter.end();
      await db.close();
    }
  },
});
