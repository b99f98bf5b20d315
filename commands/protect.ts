import { defineCommand } from '../src/cli/define-command.js';
import { note, printJson, printText } from '../src/cli/output.js';
import { splitTableList } from '../src/util/table-ref.js';

/**
 * `crm-rescue protect`: keep the evidence of a fresh incident when there is no backup. Each
 * action is shown with its exact SQL or command line before it runs, and runs only when
 * confirmed (a question on a terminal, else --yes). Exit 0 when done; 1 when the engine's
 * no-backup source cannot give the deleted rows back (binary log off, statement format, files
 * purged), said in one line after the report; 2 when actions need --yes and there is no terminal
 * (nothing was done).
 */
export const protectCommand = defineCommand({
  command: 'protect',
  describe:
    'No backup? Keep the evidence of an incident: PostgreSQL pauses autovacuum on the tables (dead tuples stay); MySQL/MariaDB report the binary log and copy its files; --backup backs the tables up now',
  builder: (y) =>
    y
      .option('table', { type: 'string', array: true, describe: 'A table of the incident (name or schema.name; repeat or comma-separate)' })
      .option('incident', { type: 'string', describe: 'An incident id (crm-rescue audit incidents): its window, and its tables when no --table is given' })
      .option('since', { type: 'string', describe: 'Window start: ISO 8601 (UTC unless a zone is given) or relative (2h, 7d)' })
      .option('until', { type: 'string', describe: 'Window end (default now; same forms as --since)' })
      .option('copy-binlogs', {
        type: 'boolean',
        default: false,
        describe: 'MySQL/MariaDB: copy the binary-log files covering the window into the catalog (local files by copy, else --read-from-remote-server --raw)',
      })
      .option('backup', { type: 'boolean', default: false, describe: 'Also back up the tables now into the catalog (as crm-rescue backup --tables)' })
      .option('release', { type: 'boolean', default: false, describe: 'Give back what an earlier protect changed (PostgreSQL: the autovacuum settings)' })
      .option('dir', { type: 'string', describe: 'Catalog folder (default $CRM_RESCUE_HOME/backups)' })
      .example('$0 protect --table contacts --since 2h', 'Report and pause autovacuum (PostgreSQL) / the binary log (MySQL)')
      .example('$0 protect --incident inc_0123456789ab --copy-binlogs --backup --yes', 'Copy the binlog files of the incident and back up its tables'),
  handler: async (args) => {
    const [{ UsageError, describeError }, { confirmActions }, { openFromArgs }, { planProtect }, { parseTimeArg }, { nowMs }, { abortOnSignals }] =
      await Promise.all([
        import('../src/errors.js'),
        import('../src/cli/confirm-actions.js'),
        import('../src/cli/target-flags.js'),
        import('../src/nobackup/protect.js'),
        import('../src/audit/time.js'),
        import('../src/util/clock.js'),
        import('../src/backup/signals.js'),
      ]);
    const now = nowMs();
    const since = args.since ? parseTimeArg(args.since, '--since', now) : undefined;
    const until = args.until ? parseTimeArg(args.until, '--until', now) : undefined;
    if (since && until && Date.parse(since) >= Date.parse(until)) throw new UsageError('--since must be before --until');
    const tables = (args.table ?? []).flatMap((t) => splitTableList(String(t)));
    const db = await openFromArgs(args);
    const interrupts = abortOnSignals((sig) => note(`crm-rescue: ${sig}: stopping…`));
    try {
      const plan = await planProtect(db, {
        tables,
        incident: args.incident,
        since,
        until,
        release: args.release,
        copyBinlogs: args.copyBinlogs,
        backup: args.backup,
        dir: args.dir,
      });
      const doc = {
        database: db.target.database,
        source: plan.source,
        tables: plan.tables,
        window: plan.window,
        incident: plan.incident,
        facts: plan.facts,
        warnings: plan.warnings,
        unusable: plan.unusable,
        details: plan.details,
        actions: plan.actions.map((a): { what: string; shown: string[]; done: boolean; result: string | null; details?: unknown } => ({
          what: a.what,
          shown: a.shown,
          done: false,
          result: null,
        })),
      };
      // null: nothing to confirm.
      let confirmed: boolean | null = plan.actions.length ? false : null;
      if (!args.json) {
        const where = plan.window ? `; window ${plan.window.since} – ${plan.window.until ?? 'now'}${plan.incident ? ` (${plan.incident})` : ''}` : '';
        printText(`protect ${db.target.database} (no-backup source: ${plan.source}): ${plan.tables.map((t) => `${t.schema}.${t.name}`).join(', ')}${where}`);
        for (const f of plan.facts) printText(`  ${f}`);
        for (const w of plan.warnings) printText(`  warning: ${w}`);
        if (plan.unusable) printText(`  cannot give deleted rows back: ${plan.unusable}`);
        if (plan.actions.length) {
          printText('\nActions, in order:');
          plan.actions.forEach((a, i) => {
            printText(`  ${i + 1}. ${a.what}`);
            for (const s of a.shown) printText(`       ${s}`);
          });
        } else printText('\nNothing to do.');
      }
      if (plan.actions.length) {
        const question = plan.writesLive
          ? `Run these ${plan.actions.length} action(s)? They change the tables' storage settings on ${db.target.database} (undo: --release).`
          : `Run these ${plan.actions.length} action(s)? They write only to the catalog.`;
        try {
          await confirmActions(question, args.yes, 'protect');
        } catch (err) {
          if (!args.json || !(err instanceof UsageError)) throw err;
          // One JSON document on stdout: the plan, not confirmed, and why.
          printJson({ ...doc, confirmed, error: describeError(err), exitCode: err.exitCode });
          note(`crm-rescue: ${describeError(err)}`);
          process.exitCode = err.exitCode;
          return;
        }
        confirmed = true;
        for (const [i, a] of plan.actions.entries()) {
          const r = await a.run(interrupts.signal);
          Object.assign(doc.actions[i], { done: true, result: r.result, details: r.details });
          if (!args.json) printText(`  done: ${r.result}`);
        }
      }
      if (args.json) printJson({ ...doc, confirmed });
      if (plan.unusable) {
        note(`crm-rescue: the ${plan.source} cannot give the deleted rows back: ${plan.unusable}`);
        process.exitCode = 1;
      }
    } finally {
      interrupts.dispose();
      await db.close();
    }
  },
});
