import type { Db } from '../connect/open.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import { protectFor } from '../dialect/protect.js';
import { UsageError, UserError } from '../errors.js';
import { renderCommand } from '../exec/command-line.js';
import { catalogDir } from '../util/paths.js';
import type { ProtectAction, ProtectPlan, ProtectWindow } from './protect-model.js';

/** What `crm-rescue protect` is asked to do. */
export interface ProtectOptions {
  /** Tables as typed (`name`, `schema.name`); default with `incident`: the incident's tables. */
  tables: string[];
  /** An incident id (`audit incidents`): its window, and its tables when none are named. */
  incident?: string;
  /** The window, ISO 8601 UTC (already parsed). */
  since?: string;
  until?: string;
  release: boolean;
  copyBinlogs: boolean;
  /** Also take a backup of the tables now, with crm-rescue's own backup. */
  backup: boolean;
  /** Catalog folder (`--dir`). */
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

/** A plan for the whole verb: the engine's part, then the backup. */
export interface FullProtectPlan extends ProtectPlan {
  tables: QualifiedName[];
  window: ProtectWindow | null;
  /** The incident the window and tables came from. */
  incident: string | null;
  /** The actions change live tables' settings (else they write only to the catalog). */
  writesLive: boolean;
}

/** Looks at the tables and the no-backup source of the target's engine; changes nothing. */
export async function planProtect(db: Db, options: ProtectOptions): Promise<FullProtectPlan> {
  if (options.release && (options.copyBinlogs || options.backup))
    throw new UsageError('--release only gives back what protect changed', 'Run it without --copy-binlogs and --backup');
  if (options.incident && (options.since || options.until)) throw new UsageError('--incident gives the window: leave out --since and --until');
  if (options.until && !options.since && !options.incident) throw new UsageError('--until needs --since', 'Or name the incident with --incident');
  let window: ProtectWindow | null = options.since ? { since: options.since, ...(options.until && { until: options.until }) } : null;
  let names = options.tables;
  if (options.incident) {
    const incident = await findIncident(db, options.incident);
    window = { since: incident.window.start, until: incident.window.end };
    if (!names.length) names = incident.tables.map((t) => `${t.schema}.${t.table}`);
  }
  if (!names.length) throw new UsageError('name the tables to protect with --table', 'Or name the incident with --incident: its tables are taken');
  if (options.copyBinlogs && !window)
    throw new UsageError('--copy-binlogs needs the incident window', 'Add --incident ID (crm-rescue audit incidents) or --since TIME [--until TIME]');
  const tables = await resolveLiveTables(db, names);
  const catalog = catalogDir(options.dir, options.env ?? process.env);
  const engine = protectFor(db.target.engine);
  const plan = await engine.plan(db, { tables, window, release: options.release, copyBinlogs: options.copyBinlogs, catalog });
  const actions = [...plan.actions];
  const warnings = [...plan.warnings];
  if (options.backup) {
    actions.push(await backupAction(db, tables, options));
    if (engine.backupCaveat) warnings.push(engine.backupCaveat);
  }
  return { ...plan, actions, warnings, tables, window, incident: options.incident ?? null, writesLive: engine.writesLive && plan.actions.length > 0 };
}

/** The tables named, as the live database has them (each name must match one table). */
async function resolveLiveTables(db: Db, names: string[]): Promise<QualifiedName[]> {
  const [{ resolveTables }, snapshot] = await Promise.all([import('../audit/trigger/model.js'), db.dialect.introspect(db)]);
  return resolveTables(snapshot.tables, names).map((t) => ({ schema: t.schema, name: t.name }));
}

/** An incident among the newest ones the audit sources show. */
async function findIncident(db: Db, id: string) {
  const [{ auditSourcesOf }, { streamIncidents }] = await Promise.all([import('../recovery/audit.js'), import('../audit/incidents.js')]);
  const { ctx, sources } = await auditSourcesOf(db);
  const limit = 200;
  for await (const incident of streamIncidents(db, ctx, sources, { limit })) if (incident.id === id) return incident;
  throw new UserError(`incident ${id} is not among the newest ${limit}`, 'crm-rescue audit incidents lists them; or give the window with --since and --until');
}

/** An immediate backup of the tables with crm-rescue's own backup (its command line shown). */
async function backupAction(db: Db, tables: QualifiedName[], options: ProtectOptions): Promise<ProtectAction> {
  const list = tables.map((t) => `${t.schema}.${t.name}`);
  const args = ['backup', '--tables', list.join(','), ...(options.dir ? ['--dir', options.dir] : [])];
  return {
    what: `back up ${list.join(', ')} now into the catalog (verified by sha256)`,
    shown: [renderCommand('crm-rescue', args)],
    async run(signal) {
      const { runBackup } = await import('../backup/run-backup.js');
      const r = await runBackup({ target: db.target, db, dir: options.dir, tables: list, signal, env: options.env });
      return { result: `backup ${r.id} ok (${r.path})`, details: { id: r.id, path: r.path } };
    },
  };
}
