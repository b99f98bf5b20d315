import type { BackupOrigin } from '../src/backup/belongs.js';
import { defineCommand } from '../src/cli/define-command.js';
import { commaList, note, printNdjson, printText } from '../src/cli/output.js';
import type { MergeSession } from '../src/merge/engine.js';
import type { RowOutcome } from '../src/merge/model.js';
import { sourceChoiceFromArgs, withSourceChoiceFlags } from '../src/cli/external-flags.js';
import { targetedNote, type Targeted } from '../src/stage/targeted.js';

const list = commaList;

/** `crm-rescue merge`: plan (a real dry run), then with --apply one transaction with a journal. */
export const mergeCommand = defineCommand({
  command: 'merge',
  describe: 'Put rows of a backup back into live, or --undelete soft-deleted rows: a dry run unless --apply; one transaction with an undo journal',
  builder: (y) =>
    withSourceChoiceFlags(y)
      .option('backup', {
        type: 'string',
        describe:
          "Backup id (or a unique prefix, or latest: the target's newest), or a dump file or folder made by another tool (imported first); required unless --undelete",
      })
      .option('backup-of-other-database', {
        type: 'boolean',
        default: false,
        describe: 'Accept a backup taken from another database than the target (named by id); said in the preview',
      })
      .option('table', {
        type: 'string',
        array: true,
        demandOption: true,
        describe:
          "The table whose rows to bring back; repeat it to bring back several tables in ONE transaction with one journal entry and one undo, each table's rows chosen by the same flags",
      })
      .option('deleted', { type: 'boolean', default: false, describe: 'Rows gone from live (inserted back)' })
      .option('soft-deleted', { type: 'boolean', default: false, describe: 'Rows live only flagged as deleted (flag and touched columns restored)' })
      .option('undelete', {
        type: 'boolean',
        default: false,
        describe:
          "No backup: clear the CRM's soft-delete mark (deleted=1, Odoo active, Twenty deletedAt, vtiger crmentity) of live rows chosen by --keys/--keys-from/--where; only the mark is written, date_modified/modified_by keep what the delete wrote. --with-related also clears related rows marked in the same deletion (deletion times within 60 s)",
      })
      .option('changed', { type: 'boolean', default: false, describe: "Rows that differ (reverted to the backup's values; see --columns)" })
      .option('columns', { type: 'string', describe: 'With --changed: only these columns' })
      .option('keys', {
        type: 'string',
        describe:
          'These keys (comma-separated, single-column keys). Only their rows are staged (targeted: time follows the rows lost, not the table); with --deleted, --soft-deleted or --changed, only those rows among these keys',
      })
      .option('keys-from', {
        type: 'string',
        describe: 'Keys from a file (one per line, JSON objects, or NDJSON from crm-rescue diff or audit deletions --json); - for stdin',
      })
      .option('whole-table', {
        type: 'boolean',
        default: false,
        describe: 'With --keys/--keys-from: stage and compare the whole table rather than only those keys (slower; the keys still narrow what is written)',
      })
      .option('where', { type: 'string', describe: "SQL condition on the backup's rows (with --undelete: on the live rows)" })
      .option('key', {
        type: 'string',
        describe: 'Columns identifying a row, when the table has no usable key (refused when a row has NULL in them or their values repeat)',
      })
      .option('map', {
        type: 'string',
        array: true,
        describe:
          'BACKUP_COLUMN=LIVE_COLUMN: a column renamed since the backup is written to its new name (repeatable; [table.]name=new_name for a related table)',
      })
      .option('leave-new-columns-empty', {
        type: 'boolean',
        default: false,
        describe:
          'Write the rows although the backup has columns live lacks and live has columns the backup lacks (not mapped): inserted rows get their defaults (NULL) there, as the preview says',
      })
      .option('with-related', {
        type: 'boolean',
        default: false,
        describe:
          'Bring related rows along (relation rows, notes; parents first), staging related tables as needed; with --undelete: related rows marked by the same deletion',
      })
      .option('on-conflict', { choices: ['skip', 'overwrite', 'abort'] as const, default: 'abort' as const, describe: 'What to do with conflicting rows' })
      .option('without-triggers', {
        type: 'boolean',
        default: false,
        describe:
          "Skip the live tables' triggers for this transaction (PostgreSQL session_replication_role = replica: a superuser, or a role granted SET on it; MySQL/MariaDB cannot); shown in the preview, recorded in the journal, and undo skips them too",
      })
      .option('lock-timeout', {
        type: 'number',
        default: 5,
        describe: 'Seconds to wait for a lock another session holds (a row, a table, another merge of the same table) before giving up, naming that session',
      })
      .option('apply', { type: 'boolean', default: false, describe: 'Write to live (asks to type the database name unless --yes)' })
      .option('sql', { type: 'boolean', default: false, describe: 'Print every statement that writes live' })
      .option('dir', { type: 'string', describe: 'Catalog folder (default $CRM_RESCUE_HOME/backups)' }),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [
      { UsageError },
      { confirmTyped },
      { openFromArgs },
      { checkMergeSource, prepareRootsMerge },
      { formatMergeResult, formatOutcome },
      { renderMergeSql, sqlStepOf },
      { tableLabel },
      { createProgressReporter },
    ] = await Promise.all([
      import('../src/errors.js'),
      import('../src/cli/confirm.js'),
      import('../src/cli/target-flags.js'),
      import('../src/recovery/merge-root.js'),
      import('../src/merge/format.js'),
      import('../src/merge/sql-text.js'),
      import('../src/dialect/table-label.js'),
      import('../src/progress/reporter.js'),
    ]);
    checkMergeSource(args);
    // Repeated, never split on commas: a quoted table name may hold one.
    const tables = [...new Set(args.table.map((t) => t.trim()).filter(Boolean))];
    if (!tables.length) throw new UsageError('--table names no table', 'Name the table whose rows to bring back: --table contacts');
    const oneTableFlags = (['keys', 'keysFrom', 'where', 'key', 'map', 'columns'] as const).filter((f) => args[f] !== undefined && String(args[f]) !== '');
    if (tables.length > 1 && oneTableFlags.length)
      throw new UsageError(
        `--${oneTableFlags[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is about one table's rows, and ${tables.length} tables are named`,
        'Name one --table with it, or choose the rows of several tables by class (--deleted, --soft-deleted, --changed)',
      );
    if (!(args.lockTimeout > 0 && args.lockTimeout <= 3600))
      throw new UsageError(`--lock-timeout must be a number of seconds between 1 and 3600, not ${String(args.lockTimeout)}`, 'The default is 5');
    const db = await openFromArgs(args, { readOnly: false, lockTimeoutSeconds: args.lockTimeout });
    const reporter = createProgressReporter({ json: args.json });
    let session: MergeSession | undefined;
    let flushOutcomes = () => {};
    // Whose backup it is, said with the preview and the result (text and JSON) when it matters.
    let backupOrigin: BackupOrigin | null = null;
    // Targeted staging: the copy holds only the keys given, and the preview says so.
    let targeted: Targeted | undefined;
    try {
      ({ session, backupOrigin } = await prepareRootsMerge(
        db,
        tables.map((table) => ({
          // --undelete reads no backup: its selection goes to crm-rescue's own namespace.
          ...(!args.undelete && { backup: args.backup }),
          table,
          flags: {
            deleted: args.deleted,
            softDeleted: args.softDeleted,
            changed: args.changed,
            columns: list(args.columns),
            keys: list(args.keys),
            keysFrom: args.keysFrom,
            where: args.where,
            withRelated: args.withRelated,
            policy: args.onConflict,
            key: list(args.key),
            map: args.map,
            leaveNewColumnsEmpty: args.leaveNewColumnsEmpty,
            wholeTable: args.wholeTable,
          },
          withoutTriggers: args.withoutTriggers,
          lockTimeoutSeconds: args.lockTimeout,
          dir: args.dir,
          allowOtherDatabase: args.backupOfOtherDatabase,
          external: sourceChoiceFromArgs(args),
          onProgress: reporter.listener,
          onPrepared: (p) => {
            reporter.end();
            if (p.stagedNow.length) note(`staged ${p.stagedNow.join(', ')} from backup ${p.backupId} first`);
            if (p.kept) note(p.kept);
            if (p.targeted) targeted = p.targeted;
          },
        })),
      ));
      const width = process.stdout.columns || 80;
      const origin = { ...(backupOrigin && { backupOrigin }), ...(targeted && { targeted }) };
      const targetedLine = targeted ? `  ${targetedNote(targeted)}` : null;
      const originLine = backupOrigin?.note ? `  note: ${backupOrigin.note}` : null;
      const skipped: RowOutcome[] = [];
      // One NDJSON line per row, written a page at a time: a write per row costs a system call
      // each (100k rows: about a second). Flushed before any other output and on failure.
      let lines: string[] = [];
      flushOutcomes = () => {
        if (lines.length) printText(lines.join('\n'));
        lines = [];
      };
      const emit = (o: RowOutcome) => {
        if (args.json) {
          lines.push(JSON.stringify({ type: 'outcome', ...o }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
          if (lines.length >= 2000) flushOutcomes();
        } else if (o.outcome === 'skipped' && skipped.length < 50) skipped.push(o);
      };
      // A real dry run always comes first, --yes or not: the product's rule is that live is
      // written only after a preview (what it does and refuses is printed before the write).
      const preview = await session.execute(false, args.apply ? (o) => (o.outcome === 'skipped' && skipped.length < 50 ? skipped.push(o) : 0) : emit);
      flushOutcomes();
      // Several tables: a part blocked by conflicts (abort policy) is shown with the others, then refused.
      const blocked = preview.parts?.find((p) => p.blocked)?.blocked;
      const refuseBlocked = async () => {
        if (!blocked) return;
        const { MergeConflictError } = await import('../src/merge/errors.js');
        throw new MergeConflictError(
          `${blocked.message}; nothing was written`,
          blocked.conflicts,
          '--on-conflict skip writes the other rows, overwrite replaces the conflicting ones',
        );
      };
      if (!args.apply) {
        if (args.json)
          printNdjson({ type: 'plan', database: db.target.database, ...origin, ...preview, ...(args.sql ? {} : { sql: preview.sql.slice(0, 3) }) });
        else {
          printText(formatMergeResult(preview, db.target.database, width));
          if (originLine) printText(originLine);
          if (targetedLine) printText(targetedLine);
          for (const o of skipped) printText(formatOutcome(o, width));
          // The same text the console's SQL pager shows and writes to a file.
          const label = (t: { schema: string; name: string }) => tableLabel(db.dialect.engine, t.schema, t.name);
          printText(args.sql ? `\n${renderMergeSql(db.target.database, [sqlStepOf(preview, label)])}` : '\n(--sql prints the statements; --apply writes)');
        }
        await refuseBlocked();
        return;
      }
      if (!args.json) {
        printText(formatMergeResult(preview, db.target.database, width));
        if (originLine) printText(originLine);
        if (targetedLine) printText(targetedLine);
        for (const o of skipped) printText(formatOutcome(o, width));
      }
      await refuseBlocked();
      await confirmTyped(
        `About to write ${preview.totals.inserted} inserts and ${preview.totals.updated} updates into ${db.target.database} (journal ${preview.mergeId})${backupOrigin?.match === 'other-database' ? ` from a backup of another database (${backupOrigin.backupTarget})` : ''}.`,
        db.target.database,
        args.yes,
      );
      skipped.length = 0;
      const result = await session.execute(true, args.json ? emit : undefined);
      flushOutcomes();
      if (args.json) printNdjson({ type: 'result', database: db.target.database, ...origin, ...result, ...(args.sql ? {} : { sql: result.sql.slice(0, 3) }) });
      else {
        printText(
          `\n${formatMergeResult(result, db.target.database, width)}${originLine ? `\n${originLine}` : ''}${targetedLine ? `\n${targetedLine}` : ''}\nUndo with: crm-rescue undo ${result.mergeId}`,
        );
      }
      if (result.verify && result.verify.mismatched > 0) process.exitCode = 1;
    } finally {
      // Outcomes emitted before a failure are printed, as they were before the error.
      flushOutcomes();
      reporter.end();
      await session?.close();
      await db.close();
    }
  },
});
