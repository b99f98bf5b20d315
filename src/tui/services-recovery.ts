import type { Db } from '../connect/open.js';
import type { SchemaSnapshot } from '../dialect/model.js';
import { catalogDir } from '../util/paths.js';
import type { ConsoleServices } from './services.js';
import type { AuditServices, BackupServices, DiffServices, MergeServices, StageServices } from '../recovery/index.js';
import { withExternalBackups } from './services-external.js';
import { fileServices } from './services-files.js';

/** The recovery services the console plugs into `servicesFromDb`. */
export type RecoveryServices = Required<
  Pick<ConsoleServices, 'audit' | 'backups' | 'stage' | 'diff' | 'merge' | 'deletionSpikes' | 'noBackupSources' | 'files'>
>;

/**
 * The recovery API (audit, backups, stage, diff and merge) over the console's read-only
 * connection (writes open their own read-write connection). Each recovery module is loaded on
 * first use, so the console's first frame never waits for it, and a module that fails to load
 * shows where it is used.
 */
export function recoveryServices(db: Db, env: NodeJS.ProcessEnv = process.env): RecoveryServices {
  let snap: Promise<SchemaSnapshot> | undefined;
  const snapshot = () => {
    snap ??= db.dialect.introspect(db).catch((err: unknown) => {
      snap = undefined;
      throw err;
    });
    return snap;
  };
  const audit = once(async () => (await import('../recovery/audit.js')).auditServices(db, env));
  const backups = once(async () => (await import('../recovery/backups.js')).backupServices(db, env));
  const stage = once(async () => (await import('../recovery/stage.js')).stageServices(db, snapshot, env));
  const diff = once(async () => (await import('../recovery/diff.js')).diffServices(db, env));
  const merge = once(async () => (await import('../recovery/merges.js')).mergeServices(db, env));
  return {
    deletionSpikes: async (days) => (await audit()).deletionSpikes(days),
    audit: delegate<AuditServices>(audit, ['timeline', 'countEvents', 'events', 'incidents', 'newestEvent']),
    // With the dumps other tools made: imported from where they lie, listed beside crm-rescue's own.
    backups: withExternalBackups(delegate<BackupServices>(backups, ['list', 'detail', 'run', 'verify']), {
      engine: db.target.engine,
      catalog: () => catalogDir(undefined, env),
    }),
    stage: delegate<StageServices>(stage, ['backupTables', 'related', 'run', 'list']),
    diff: delegate<DiffServices>(diff, ['open']),
    merge: { ...delegate<Omit<MergeServices, 'database'>>(merge, ['plan', 'list', 'undo']), database: () => db.target.database },
    noBackupSources: async (loss) => (await import('./services-nobackup.js')).noBackupSources(db, snapshot, catalogDir(undefined, env), loss),
    files: fileServices(env),
  };
}

/** Runs `load` once (again after a failure). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** An object whose async methods load the implementation first, then call it. */
function delegate<T extends object>(load: () => Promise<T>, methods: (keyof T & string)[]): T {
  const out: Record<string, unknown> = {};
  for (const m of methods) {
    out[m] = async (...args: unknown[]) => {
      const impl = (await load()) as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return impl[m](...args);
    };
  }
  return out as T;
}
