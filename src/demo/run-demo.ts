/**
 * `crm-rescue demo` as a function: a sandbox CRM database seeded deterministically, then
 * (unless told otherwise) a realistic incident, with a hook between the two for a backup.
 */
import { openDb, type Db } from '../connect/open.js';
import { targetToUrl, type Engine, type Target } from '../connect/target.js';
import { UserError } from '../errors.js';
import type { DemoEngine } from './demo-engine.js';
import { planIncident, type IncidentPlan } from './incident-plan.js';
import { runIncident } from './incident.js';
import type { DemoProgress } from './progress.js';
import type { DemoReport } from './report.js';
import { defaultSeedReference, seedContext } from './rows.js';
import { seedDemo } from './seed.js';
import { checkDatabaseName, DEFAULT_DEMO_DATABASE, demoEngineFor, demoServerTarget, openServer } from './server.js';
import { DEMO_TABLES, type DemoRowCounts } from './tables.js';
import { checkScale, DEFAULT_SCALE } from './world.js';

/** What the beforeIncident hook is told: the seeded database, ready to be backed up. */
export interface DemoSeedInfo {
  /** The demo database (with its password, if any: never print it; use targetToUrl). */
  target: Target;
  engine: Engine;
  database: string;
  scale: number;
  seedRowCounts: DemoRowCounts;
  /** What the incident is about to do (null with incident: false). */
  plan: IncidentPlan | null;
}

/** Options of runDemo. */
export interface DemoOptions {
  /** Engine when no URL names one. Default postgres. */
  engine?: Engine;
  /** The server (its database part is ignored, or used as PostgreSQL's admin database). */
  url?: string;
  profile?: string;
  /** Demo database name. Default crm_rescue_demo. Replaced if it is a previous demo. */
  database?: string;
  /** Number of contacts. Default 20000. */
  scale?: number;
  /** Simulate the incident. Default true. */
  incident?: boolean;
  /** Instant (epoch ms) seeded timestamps are relative to. Default: today 00:00 UTC. */
  seedReference?: number;
  /** The wall clock the incident stamps its rows with. Default: crm-rescue's clock (src/util/clock.ts). */
  now?: () => number;
  /**
   * Install crm-rescue's trigger audit on every demo table just before the incident, which
   * then writes no history rows of its own: the CRM keeps no trace, only the trigger log does.
   */
  auditTrigger?: boolean;
  /** Called between seed and incident; a backup module returns the id of the backup it took. */
  beforeIncident?: (info: DemoSeedInfo) => Promise<{ backupId: string } | void>;
  onProgress?: (event: DemoProgress) => void;
  /** May prompt for a password on the TTY. Default false. */
  interactive?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Creates (or replaces) the demo database, seeds it, runs the incident, and reports. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = performance.now();
  const database = options.database ?? DEFAULT_DEMO_DATABASE;
  const scale = options.scale ?? DEFAULT_SCALE;
  checkDatabaseName(database);
  checkScale(scale);
  const progress = options.onProgress ?? (() => undefined);
  const server = demoServerTarget({ engine: options.engine, url: options.url, profile: options.profile, env: options.env });
  const engine = demoEngineFor(server.engine);

  const admin = await openServer(engine, engine.adminTarget(server, database), options.interactive ?? false);
  let target: Target;
  let serverVersion: string;
  try {
    const t0 = performance.now();
    serverVersion = await admin.dialect.serverVersion(admin);
    await engine.recreateDatabase(admin, database);
    target = { ...admin.target, database };
    progress({ phase: 'database', database, elapsedMs: performance.now() - t0 });
  } finally {
    await admin.close();
  }

  const db = await openDb(target, { readOnly: false, interactive: false, poolSize: 2 });
  try {
    const reference = options.seedReference ?? defaultSeedReference();
    await seedDemo(db, engine, seedContext(scale, reference), progress);
    await analyze(db, engine, progress);
    const seedRowCounts = await rowCounts(db);

    if (options.auditTrigger) {
      // A CRM that keeps no history: its change log goes before the backup and the incident.
      await db.query(`DROP TABLE ${db.dialect.quoteIdent('history')}`);
    }
    const plan = options.incident === false ? null : planIncident(scale);
    let backup: string | null = null;
    if (options.beforeIncident) {
      const t0 = performance.now();
      const result = await options.beforeIncident({ target, engine: target.engine, database, scale, seedRowCounts, plan });
      backup = result?.backupId ?? null;
      progress({ phase: 'backup', backupId: backup, elapsedMs: performance.now() - t0 });
    }

    let auditTrigger: DemoReport['auditTrigger'] = null;
    if (options.auditTrigger) {
      const t0 = performance.now();
      const { installTriggerAudit } = await import('../audit/trigger/install.js');
      const installed = await installTriggerAudit(db, { all: true });
      auditTrigger = { namespace: installed.namespace, tables: installed.tables.map((t) => t.name) };
      progress({ phase: 'audit', namespace: installed.namespace, tables: installed.tables.length, elapsedMs: performance.now() - t0 });
    }

    let incident = null;
    if (plan) {
      const t0 = performance.now();
      incident = await runIncident(db, engine, plan, { now: options.now, history: !options.auditTrigger });
      progress({
        phase: 'incident',
        deletedContacts: incident.deletedContacts,
        softDeletedAccounts: incident.softDeletedAccounts,
        elapsedMs: performance.now() - t0,
      });
      await analyze(db, engine, progress, options.auditTrigger ? DEMO_TABLES.filter((t) => t !== 'history') : DEMO_TABLES);
    }
    const counts = await rowCounts(db);
    if (plan) checkCounts(seedRowCounts, counts, plan, !options.auditTrigger);
    return {
      target: targetToUrl(target),
      engine: target.engine,
      database,
      serverVersion,
      scale,
      seedReference: new Date(reference).toISOString(),
      rowCounts: counts,
      seedRowCounts,
      backup,
      auditTrigger,
      incident,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await db.close();
  }
}

async function analyze(db: Db, engine: DemoEngine, progress: (e: DemoProgress) => void, tables: readonly string[] = DEMO_TABLES): Promise<void> {
  const t0 = performance.now();
  await engine.analyze(db, tables);
  progress({ phase: 'analyze', elapsedMs: performance.now() - t0 });
}

/** Exact row counts of every demo table (0 for history when --audit-trigger dropped it). */
export async function rowCounts(db: Db): Promise<DemoRowCounts> {
  const out = {} as DemoRowCounts;
  const present = new Set((await db.dialect.introspect(db)).tables.map((t) => t.name));
  for (const table of DEMO_TABLES) {
    if (!present.has(table)) {
      out[table] = 0;
      continue;
    }
    const [row] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${db.dialect.quoteIdent(table)}`);
    out[table] = Number(row.n);
  }
  return out;
}

/** The incident must have removed exactly the planned rows; anything else is a defect. */
function checkCounts(before: DemoRowCounts, after: DemoRowCounts, plan: IncidentPlan, history: boolean): void {
  const expected: Partial<DemoRowCounts> = {
    contacts: before.contacts - plan.deletedContactIds.length,
    accounts_contacts: before.accounts_contacts - plan.deletedRelationIds.length,
    notes: before.notes - plan.deletedNoteIds.length,
    history: history ? before.history + plan.historyRows : 0,
  };
  for (const [table, n] of Object.entries(expected)) {
    if (after[table as keyof DemoRowCounts] !== n) {
      throw new UserError(
        `after the incident ${table} has ${after[table as keyof DemoRowCounts]} rows, expected ${n}`,
        'Was the demo database changed while it was built? Run demo again',
      );
    }
  }
}
