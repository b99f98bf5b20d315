import type { Argv } from 'yargs';
import { INCIDENT_DEFAULTS, SOURCE_IDS } from '../src/audit/constants.js';
import type { BucketSize, EventFilter, Incident } from '../src/audit/index.js';
import { defineCommand } from '../src/cli/define-command.js';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { note, printJson, printNdjson, printText } from '../src/cli/output.js';
import type { Db } from '../src/connect/open.js';
import { UsageError } from '../src/errors.js';
import { nowMs } from '../src/util/clock.js';
import { splitTableList } from '../src/util/table-ref.js';

// Engine modules load only when a subcommand runs: --help and the other verbs start faster.
const engine = () => import('../src/audit/index.js');

interface AuditArgs extends GlobalArgs {
  since?: string;
  until?: string;
  table?: string;
  user?: string;
  limit?: number;
  source?: string[];
  cursor?: string;
  suggestIndex?: boolean;
  images?: boolean;
  gap?: string;
  minRows?: number;
  dir?: string;
  tables?: string[];
  all?: boolean;
  updates?: boolean;
  dropLog?: boolean;
  bucket?: string;
  binlogFile?: string[];
}

const width = () => Math.max(60, process.stdout.columns || 80);

/** `--source a,b --source c` → [a, b, c]. */
function listArg(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** `--tables a,"b,c" --tables d` → [a, "b,c", d]: commas inside quoted names do not split. */
function tableListArg(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => splitTableList(String(v)));
}

async function filterFrom(args: AuditArgs): Promise<EventFilter> {
  const { parseTimeArg } = await engine();
  const now = nowMs();
  const filter: EventFilter = {
    since: args.since ? parseTimeArg(args.since, '--since', now) : undefined,
    until: args.until ? parseTimeArg(args.until, '--until', now) : undefined,
    table: args.table,
    user: args.user,
  };
  if (filter.since && filter.until && filter.since >= filter.until)
    throw new UsageError('--since must be before --until', 'Times are ISO 8601 UTC or relative (2h, 7d)');
  return filter;
}

async function withDb<T>(args: AuditArgs, readOnly: boolean, fn: (db: Db) => Promise<T>): Promise<T> {
  const { openFromArgs } = await import('../src/cli/target-flags.js');
  const db = await openFromArgs(args, { readOnly });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Loads the context and the chosen sources, prepared; no source at all is exit 1 with what to do. */
async function sourcesFor(db: Db, args: AuditArgs) {
  const { auditSourcesOf } = await import('../src/recovery/audit.js');
  const found = await auditSourcesOf(db, listArg(args.source), { binlogFiles: args.binlogFile });
  for (const n of found.notes) note(`crm-rescue: ${n}`);
  return found;
}

const filterOptions = <T>(y: Argv<T>) =>
  y
    .option('since', { type: 'string', describe: 'From this time: ISO 8601 (UTC unless a zone is given) or relative (2h, 7d)' })
    .option('until', { type: 'string', describe: 'Before this time (same forms as --since)' })
    .option('table', { type: 'string', describe: 'Only deletions of this table' })
    .option('user', { type: 'string', describe: 'Only deletions by this actor (id or name)' })
    .option('source', { type: 'string', array: true, describe: `Only these audit sources (${SOURCE_IDS.join(', ')})` })
    .option('binlog-file', {
      type: 'string',
      array: true,
      describe: 'The binlog source reads these local binlog files or folders (files kept by protect) instead of the server',
    });

const deletions = defineCommand({
  command: 'deletions',
  describe: 'List deleted rows newest first: time, table, key, actor, hard|soft, source (NDJSON with --json)',
  builder: (y) =>
    filterOptions(y)
      .option('limit', { type: 'number', default: 100, describe: 'Events to print (0: all, page by page)' })
      .option('cursor', { type: 'string', describe: 'Continue after this event (its cursor, from --json output)' })
      .option('suggest-index', {
        type: 'boolean',
        default: false,
        describe: 'Print the CREATE INDEX statements that would make the first page instant, and stop',
      })
      .option('images', { type: 'boolean', default: true, describe: 'Include row images in --json output (--no-images: smaller)' })
      .example('$0 audit deletions --since 2h', 'What was deleted in the last two hours')
      .example('$0 audit deletions --table contacts --user jdoe --json', 'NDJSON, one event per line'),
  handler: async (argv) => {
    const args: AuditArgs = argv;
    const filter = await filterFrom(args);
    const limit = args.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit must be a whole number ≥ 0', '0 prints everything');
    const { adviseIndexes, deletionEvents, formatEventHeader, formatEventLine, formatIndexAdvice } = await engine();
    await withDb(args, true, async (db) => {
      const { ctx, sources } = await sourcesFor(db, args);
      const advice = await adviseIndexes(db, ctx, sources, filter);
      if (args.suggestIndex) {
        if (args.json) printJson({ indexes: advice.map((a) => ({ table: a.table, columns: a.columns, rowEstimate: a.rowEstimate, ddl: a.ddl })) });
        else if (advice.length) printText(advice.map((a) => a.ddl).join('\n'));
        if (!advice.length) note('crm-rescue: no index needed: the first page of every source is already an index range scan (or its table is small)');
        return;
      }
      if (advice.length) note(formatIndexAdvice(advice));
      const showSource = sources.length > 1;
      if (!args.json) printText(formatEventHeader(width(), showSource));
      let cursor = args.cursor ?? null;
      let printed = 0;
      for (;;) {
        const pageSize = limit === 0 ? 500 : Math.min(500, limit - printed);
        const page = await deletionEvents(db, ctx, sources, { filter, cursor, limit: pageSize, images: Boolean(args.json && args.images) });
        for (const e of page.events) {
          if (args.json) printNdjson(e);
          else printText(formatEventLine(e, width(), showSource));
        }
        printed += page.events.length;
        cursor = page.next;
        if (!cursor || (limit > 0 && printed >= limit)) break;
      }
      if (printed === 0) note('crm-rescue: no deletions match');
      else if (cursor) note(`crm-rescue: ${printed} events shown; more with --cursor ${cursor}`);
    });
  },
});

const incidents = defineCommand({
  command: 'incidents',
  describe: 'Group deletions into incidents: bursts by one actor, with tables, counts and the backup before each',
  builder: (y) =>
    filterOptions(y)
      .option('gap', { type: 'string', default: '5m', describe: 'A burst ends where the next deletion is further away than this' })
      .option('min-rows', { type: 'number', default: INCIDENT_DEFAULTS.minRows, describe: 'Smallest burst that counts as an incident' })
      .option('limit', { type: 'number', default: INCIDENT_DEFAULTS.limit, describe: 'Newest incidents to show' })
      .option('dir', { type: 'string', describe: 'Backup catalog folder (default $CRM_RESCUE_HOME/backups)' })
      .example('$0 audit incidents', 'Newest incidents with the backup to restore from')
      .example('$0 audit incidents --gap 2m --min-rows 100 --since 7d --json', 'Stricter, last week, as JSON'),
  handler: async (argv) => {
    const args: AuditArgs = argv;
    const filter = await filterFrom(args);
    const { catalogBackupProvider, formatIncidents, streamIncidents, parseDuration } = await engine();
    const { catalogDir } = await import('../src/util/paths.js');
    const gapMs = parseDuration(args.gap ?? '5m', '--gap');
    const minRows = args.minRows ?? INCIDENT_DEFAULTS.minRows;
    if (!Number.isInteger(minRows) || minRows < 1) throw new UsageError('--min-rows must be a whole number ≥ 1', 'e.g. --min-rows 20');
    await withDb(args, true, async (db) => {
      const { ctx, sources } = await sourcesFor(db, args);
      const backups = await catalogBackupProvider(db.target, catalogDir(args.dir));
      const { recoveryProvider } = await import('../src/recovery/incident-recovery.js');
      const recovered = recoveryProvider(db, ctx, sources);
      const found: Incident[] = [];
      // Humans see each incident as soon as it is final (the newest first, older ones as the
      // walk back reaches them); JSON is one document at the end.
      for await (const incident of streamIncidents(db, ctx, sources, { ...filter, gapMs, minRows, limit: args.limit, backups, recovered })) {
        if (!args.json) printText(`${found.length > 0 ? '\n' : ''}${formatIncidents([incident], width())}`);
        found.push(incident);
      }
      if (args.json) printJson({ gapMs, minRows, incidents: found });
      else if (found.length === 0) printText(formatIncidents([], width()));
    });
  },
});

const timelineCmd = defineCommand({
  command: 'timeline',
  describe: 'Deletions per minute, hour or day (hard and soft), counted in the database',
  builder: (y) => filterOptions(y).option('bucket', { type: 'string', default: 'hour', choices: ['minute', 'hour', 'day'], describe: 'Bucket size' }),
  handler: async (argv) => {
    const args: AuditArgs = argv;
    const filter = await filterFrom(args);
    const { defaultTimelineRange, timeline } = await engine();
    const bucket = (args.bucket ?? 'hour') as BucketSize;
    const range = defaultTimelineRange(bucket);
    await withDb(args, true, async (db) => {
      const { ctx, sources } = await sourcesFor(db, args);
      const buckets = await timeline(db, ctx, sources, { since: filter.since ?? range.since, until: filter.until ?? range.until }, bucket, filter);
      if (args.json) printJson({ bucket, buckets });
      else {
        const max = Math.max(1, ...buckets.map((b) => b.hard + b.soft));
        const bar = Math.max(10, width() - 38);
        const rows = buckets.filter((b) => b.hard + b.soft > 0);
        printText(
          rows.length
            ? rows
                .map(
                  (b) =>
                    `${b.start.slice(0, 16).replace('T', ' ')}  ${String(b.hard).padStart(7)} ${String(b.soft).padStart(7)}  ${'#'.repeat(Math.max(1, Math.round(((b.hard + b.soft) / max) * bar)))}`,
                )
                .join('\n')
            : 'No deletions in the range.',
        );
      }
    });
  },
});

const sourcesCmd = defineCommand({
  command: 'sources',
  describe: 'Which audit sources this database has, and what each cannot see',
  handler: async (argv) => {
    const args: AuditArgs = argv;
    const { ALL_SOURCES, availableSources, formatSources, loadAuditContext } = await engine();
    await withDb(args, true, async (db) => {
      const ctx = await loadAuditContext(db);
      const available = availableSources(ctx);
      if (args.json) {
        printJson({
          database: ctx.snapshot.database,
          flavour: ctx.knowledge.flavour,
          sources: ALL_SOURCES.map((s) => ({
            id: s.id,
            description: s.describe(),
            available: available.includes(s),
            caveat: available.includes(s) ? (s.caveat?.(ctx) ?? null) : null,
            ...(available.includes(s) ? {} : { unavailable: s.unavailable?.(ctx) ?? null }),
          })),
        });
      } else printText(formatSources(ctx, ALL_SOURCES, available, width()));
    });
  },
});

const install = defineCommand({
  command: 'install',
  describe: "Install crm-rescue's trigger audit: a log of every deleted row, in full, on the chosen tables",
  builder: (y) =>
    y
      .option('tables', { type: 'string', array: true, describe: 'Tables to audit: a,b or schema.t (repeatable)' })
      .option('all', { type: 'boolean', default: false, describe: 'Every table of the target' })
      .option('updates', { type: 'boolean', default: false, describe: 'Also log the old row of every UPDATE' })
      .example('$0 audit install --all', 'Audit deletes on every table')
      .example('$0 audit install --tables contacts,accounts --updates', 'Deletes and updates of two tables'),
  handler: async (argv) => {
    const args: AuditArgs = argv;
    const { formatInstall, installTriggerAudit } = await engine();
    await withDb(args, false, async (db) => {
      const result = await installTriggerAudit(db, { tables: tableListArg(args.tables), all: args.all, updates: args.updates });
      if (args.json) printJson(result);
      else printText(formatInstall(result));
    });
  },
});

const uninstall = defineCommand({
  command: 'uninstall',
  describe: 'Remove what audit install created (triggers, functions, registry; the log only when empty or with --drop-log)',
  builder: (y) =>
    y
      .option('tables', { type: 'string', array: true, describe: 'Only these tables (default: all)' })
      .option('drop-log', { type: 'boolean', default: false, describe: 'Also drop the log when it holds rows' }),
  handler: async (argv) => {
    const args: AuditArgs = argv;
    const { formatUninstall, uninstallTriggerAudit } = await engine();
    await withDb(args, false, async (db) => {
      const result = await uninstallTriggerAudit(db, { tables: tableListArg(args.tables), dropLog: args.dropLog });
      if (args.json) printJson(result);
      else printText(formatUninstall(result));
    });
  },
});

/** `crm-rescue audit …`: localize deletions, and crm-rescue's own trigger audit. */
export const auditCommand = defineCommand({
  command: 'audit <command>',
  describe: 'Find what was deleted, when and by whom: deletions, incidents, timeline, sources; install the trigger audit',
  builder: (y) =>
    y
      .command(deletions)
      .command(incidents)
      .command(timelineCmd)
      .command(sourcesCmd)
      .command(install)
      .command(uninstall)
      .demandCommand(1, 'Name a subcommand: deletions, incidents, timeline, sources, install or uninstall'),
  handler: () => undefined,
});
