import type { Argv } from 'yargs';
import { defineCommand } from '../src/cli/define-command.js';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { note, printJson, printText } from '../src/cli/output.js';
import { completeTarget, resolveTarget } from '../src/connect/resolve.js';
import { parseTargetUrl, type Target } from '../src/connect/target.js';
import { UsageError, UserError } from '../src/errors.js';
import { catalogDir } from '../src/util/paths.js';

/** The catalog engine, loaded on use so other verbs do not pay for it at start-up. */
async function engine() {
  const [catalog, prune, report, signals, key, verify, progress] = await Promise.all([
    import('../src/backup/catalog.js'),
    import('../src/backup/prune.js'),
    import('../src/backup/report.js'),
    import('../src/backup/signals.js'),
    import('../src/backup/target-key.js'),
    import('../src/backup/verify.js'),
    import('../src/progress/reporter.js'),
  ]);
  return { ...catalog, ...prune, ...report, ...signals, ...key, ...verify, ...progress };
}

/** The target named by --url/--profile/CRM_RESCUE_URL/CRM_RESCUE_PROFILE, or null when none is. */
function explicitTarget(args: GlobalArgs): Target | null {
  if (!args.url && !args.profile && !process.env.CRM_RESCUE_URL && !process.env.CRM_RESCUE_PROFILE) return null;
  return resolveTarget({ url: args.url, profile: args.profile });
}

const dirOption = <T>(y: Argv<T>) => y.option('dir', { type: 'string', describe: 'Catalog folder (default $CRM_RESCUE_HOME/backups)' });

const list = defineCommand({
  command: 'list',
  describe: "List backups with age, size, tables, status and whether a restore test proved them (the target's, or all)",
  builder: (y) => dirOption(y),
  handler: async (args) => {
    const { listBackups, targetKey, listItem, formatBackupList } = await engine();
    const target = explicitTarget(args);
    const entries = await listBackups(catalogDir(args.dir), target ? { targetKey: targetKey(target), database: target.database } : {});
    if (args.json) printJson(entries.map((e) => listItem(e)));
    else printText(formatBackupList(entries));
  },
});

const show = defineCommand({
  command: 'show <id>',
  describe: 'Print a backup\'s manifest (id, unique prefix, or "latest")',
  builder: (y) => dirOption(y).positional('id', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const { findBackup, targetKey, formatManifest } = await engine();
    const target = explicitTarget(args);
    const entry = await findBackup(catalogDir(args.dir), args.id, target ? { targetKey: targetKey(target), database: target.database } : {});
    if (entry.external) {
      const [{ formatExternalRecord }, { describeRecord }] = await Promise.all([
        import('../src/external/store.js'),
        import('../src/stage/sources/external-dump.js'),
      ]);
      if (args.json) printJson(entry.external);
      else printText(formatExternalRecord(entry.external, describeRecord(entry.external)));
      return;
    }
    if (!entry.manifest) throw new UserError(`backup ${entry.id} is ${entry.status}: ${entry.error ?? 'no manifest'}`);
    if (args.json) printJson(entry.manifest);
    else printText(formatManifest(entry.manifest, entry.path));
  },
});

const verify = defineCommand({
  command: 'verify <id>',
  describe: "Recompute every sha256 and read the dump's table of contents; --restore-test restores it into a scratch database",
  builder: (y) =>
    dirOption(y)
      .positional('id', { type: 'string', demandOption: true })
      .option('restore-test', { type: 'boolean', default: false, describe: 'Restore into a scratch database, compare row counts, drop it, record the result' })
      .option('jobs', { type: 'number', describe: 'Parallel jobs (hashing, pg_restore -j)' }),
  handler: async (args) => {
    const { findBackup, targetKey, verifyBackup, formatVerify, abortOnSignals, createProgressReporter } = await engine();
    const catalog = catalogDir(args.dir);
    const target = explicitTarget(args);
    let restoreTarget: Target | null = null;
    if (args.restoreTest) {
      if (target) restoreTarget = target;
      else {
        const entry = await findBackup(catalog, args.id);
        if (entry.external)
          throw new UsageError(`backup ${entry.id} is a dump made by another tool: --restore-test is for crm-rescue's own backups`, 'Drop --restore-test');
        if (!entry.manifest) throw new UserError(`backup ${entry.id} is ${entry.status}: ${entry.error ?? 'no manifest'}`);
        restoreTarget = completeTarget(parseTargetUrl(entry.manifest.target, `manifest of ${entry.id}`));
      }
    }
    const reporter = createProgressReporter({ json: args.json });
    const interrupts = abortOnSignals(() => reporter.end());
    try {
      const result = await verifyBackup({
        catalog,
        ref: args.id,
        targetKey: target ? targetKey(target) : undefined,
        restoreTest: restoreTarget ? { target: restoreTarget } : null,
        jobs: args.jobs,
        onProgress: reporter.listener,
        signal: interrupts.signal,
      });
      reporter.end();
      if (args.json) printJson(result);
      else printText(formatVerify(result));
      if (!result.ok) {
        const first = result.problems[0];
        const why = first
          ? `${first.file}: ${first.problem}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : ''}`
          : `restore test failed${result.restoreTest?.error ? `: ${result.restoreTest.error}` : `: ${result.restoreTest?.mismatches.length ?? 0} row-count mismatches`}`;
        note(`crm-rescue: backup ${result.id} failed verification: ${why}`);
        process.exitCode = 1;
      }
    } finally {
      reporter.end();
      interrupts.dispose();
    }
  },
});

const prune = defineCommand({
  command: 'prune',
  describe: 'Apply a retention policy (newest backup per day/week/month, restic-style); never removes the newest usable backup',
  builder: (y) =>
    dirOption(y)
      .option('keep-last', { type: 'number', describe: 'Keep the N newest backups' })
      .option('keep-daily', { type: 'number', describe: 'Keep the newest backup of each of the last N days that have one' })
      .option('keep-weekly', { type: 'number', describe: 'Keep the newest backup of each of the last N weeks that have one' })
      .option('keep-monthly', { type: 'number', describe: 'Keep the newest backup of each of the last N months that have one' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be removed; remove nothing' })
      .option('all-targets', { type: 'boolean', default: false, describe: 'Prune every target in the catalog (each by the same policy)' }),
  handler: async (args) => {
    const { pruneBackups, targetKey, formatPrune } = await engine();
    const target = args.allTargets ? null : explicitTarget(args);
    if (!args.allTargets && !target) {
      throw new UsageError('prune needs a target', 'Pass --url / --profile (or CRM_RESCUE_URL) for one target, or --all-targets');
    }
    for (const k of ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const) {
      const v = args[k];
      if (v !== undefined && (!Number.isInteger(v) || v < 0))
        throw new UsageError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a whole number ≥ 0`);
    }
    const result = await pruneBackups({
      catalog: catalogDir(args.dir),
      policy: { keepLast: args.keepLast, keepDaily: args.keepDaily, keepWeekly: args.keepWeekly, keepMonthly: args.keepMonthly },
      targetKey: target ? targetKey(target) : null,
      dryRun: Boolean(args.dryRun),
    });
    if (args.json) printJson(result);
    else printText(formatPrune(result));
  },
});

const importCmd = defineCommand({
  command: 'import [paths..]',
  describe:
    'Record backups made by other tools (pg_dump, pg_dumpall, mysqldump, mydumper, Odoo, Dolibarr, EspoCRM) by reference: recognised by content, hashed once, never moved',
  builder: (y) =>
    dirOption(y)
      .positional('paths', { type: 'string', array: true, describe: 'Dump files or folders' })
      .option('copy', { type: 'boolean', default: false, describe: 'Copy the files into the catalog (external-files/ID/) instead of recording where they are' })
      .option('scan', { type: 'string', describe: 'Find every dump under this folder (not following symbolic links) and list them newest first' })
      .option('all', { type: 'boolean', default: false, describe: 'With --scan: import every dump found' })
      .option('choose', { type: 'string', describe: 'With --scan: import these of the list (1,3)' }),
  handler: async (args) => {
    const [{ importBackups }, { scanForDumps, summarizeFound }, { describeRecord }, { abortOnSignals }, { createProgressReporter }, { formatBytes }] =
      await Promise.all([
        import('../src/external/import.js'),
        import('../src/external/scan.js'),
        import('../src/stage/sources/external-dump.js'),
        import('../src/backup/signals.js'),
        import('../src/progress/reporter.js'),
        import('../src/util/format.js'),
      ]);
    const catalog = catalogDir(args.dir);
    const given = (args.paths ?? []).map(String);
    let paths = given;
    if (args.scan !== undefined) {
      if (given.length) throw new UsageError('--scan finds the dumps itself', 'Give either paths or --scan DIR');
      const found = await scanForDumps(args.scan);
      const chosen = args.all ? found.map((_, i) => i) : args.choose !== undefined ? parseChoice(args.choose, found.length) : null;
      if (!chosen) {
        if (args.json) printJson(found.map((f, i) => ({ n: i + 1, ...summarizeFound(f) })));
        else if (!found.length) printText(`no dumps under ${args.scan}`);
        else {
          printText(`${found.length} dump${found.length === 1 ? '' : 's'} under ${args.scan}, newest first:`);
          for (const [i, f] of found.entries())
            printText(
              `  ${String(i + 1).padStart(2)}  ${f.modifiedAt.slice(0, 16).replace('T', ' ')}  ${f.detected.engine.padEnd(8)}  ${(f.database ?? (f.detected.format === 'pg-dumpall' ? '(several)' : '?')).padEnd(16)}  ${formatBytes(f.bytes).padStart(8)}  ${f.path}`,
            );
          note('import them with --all, or some with --choose 1,3');
        }
        return;
      }
      paths = chosen.map((i) => found[i].path);
    } else if (args.all || args.choose !== undefined) throw new UsageError('--all and --choose choose among what --scan found', 'Add --scan DIR');
    if (!paths.length) throw new UsageError('nothing to import', 'Give dump files or folders, or --scan DIR');
    const reporter = createProgressReporter({ json: args.json });
    const interrupts = abortOnSignals(() => reporter.end());
    try {
      const results = await importBackups(paths, { catalog, copy: args.copy, onProgress: reporter.listener, signal: interrupts.signal });
      reporter.end();
      if (args.json) printJson(results.map((r) => ({ path: r.path, id: r.record.id, existing: r.existing, record: r.record })));
      else
        for (const r of results) {
          const x = r.record.index;
          printText(
            r.existing
              ? `${r.path} was imported before as ${r.record.id} (same sha256): nothing changed`
              : `imported ${r.path} as ${r.record.id}: ${describeRecord(r.record)}, ${x.databases.length ? `database ${x.databases.join(', ')}, ` : ''}${x.tables.length} tables, taken ${x.takenAt} (${x.takenAtSource === 'mtime' ? "file's modification time" : x.takenAtSource})${r.record.copied ? ', copied into the catalog' : ''}`,
          );
        }
    } finally {
      reporter.end();
      interrupts.dispose();
    }
  },
});

/** `1,3` → [0, 2], each between 1 and n. */
function parseChoice(text: string, n: number): number[] {
  const picks = text.split(',').map((s) => s.trim());
  return picks.map((p) => {
    const k = Number(p);
    if (!Number.isInteger(k) || k < 1 || k > n)
      throw new UsageError(`--choose ${text}: "${p}" is not a number of the list (1 to ${n})`, 'Run without --choose to see it');
    return k - 1;
  });
}

const forget = defineCommand({
  command: 'forget <id>',
  describe: "Drop an imported backup's record (and the copy --copy made); the dump where it was found is never deleted",
  builder: (y) => dirOption(y).positional('id', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const [{ findBackup }, { removeExternal }] = await Promise.all([import('../src/backup/catalog.js'), import('../src/external/store.js')]);
    const catalog = catalogDir(args.dir);
    const entry = await findBackup(catalog, args.id);
    if (!entry.external) throw new UserError(`backup ${entry.id} is crm-rescue's own`, 'forget is for imported dumps; prune removes crm-rescue backups');
    const r = await removeExternal(catalog, entry.id);
    if (args.json) printJson({ id: r.id, forgotten: true, path: entry.path, copyDeleted: r.copied });
    else printText(`forgot ${r.id}${r.copied ? ' and deleted its copy in the catalog' : `; ${entry.path} stays where it is`}`);
  },
});

/** `crm-rescue backups list|show|verify|prune|import|forget`: the catalog. */
export const backupsCommand = defineCommand({
  command: 'backups <command>',
  describe: 'The backup catalog: list, show, verify [--restore-test], prune; import (dumps made by other tools), forget',
  builder: (y) => y.command(list).command(show).command(verify).command(prune).command(importCmd).command(forget).demandCommand(1),
  handler: () => undefined,
});
