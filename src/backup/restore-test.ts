import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../connect/open.js';
import type { Target } from '../connect/target.js';
import { backupDialectFor } from '../dialect/backup.js';
import { dialectFor } from '../dialect/index.js';
import type { ProgressListener } from '../progress/event.js';
import { ProgressTracker } from '../progress/tracker.js';
import type { BackupManifest, RestoreTestRecord } from './manifest.js';
import { nowIso } from '../util/clock.js';

/** Scratch databases of restore tests are named with this prefix and a random suffix. */
export const RESTORE_TEST_PREFIX = 'crm_rescue_restoretest_';

/**
 * Restores a whole backup into a fresh scratch database on the target's server (PostgreSQL:
 * `pg_restore -j` into a new database; MySQL: the files piped through `mysql`), counts every
 * table's rows there, compares them with the manifest, and drops the scratch database — also
 * when anything fails. The restore's duration is the measured recovery time.
 */
export async function runRestoreTest(
  backupDir: string,
  manifest: BackupManifest,
  target: Target,
  options: { jobs?: number; signal?: AbortSignal; onProgress?: ProgressListener } = {},
): Promise<RestoreTestRecord> {
  const scratch = `${RESTORE_TEST_PREFIX}${randomBytes(4).toString('hex')}`;
  const dialect = dialectFor(manifest.engine);
  const backup = backupDialectFor(manifest.engine);
  const tracker = new ProgressTracker({
    operation: 'restore-test',
    items: manifest.tables.map((t) => ({ key: `${t.schema}.${t.name}`, weight: t.bytes })),
    listener: options.onProgress,
  });
  const at = nowIso();
  const record: RestoreTestRecord = { at, ok: false, durationSeconds: 0, database: scratch, tablesChecked: 0, mismatches: [] };
  const admin = await openAdmin(target, backupDialectFor(target.engine).adminDatabases);
  let created = false;
  try {
    tracker.phase('restore');
    const started = performance.now();
    await admin.query(backup.createScratchDatabase(dialect.quoteIdent(scratch)));
    created = true;
    const scratchTarget: Target = { ...target, database: scratch };
    await backup.restoreInto(backupDir, manifest, scratchTarget, options);
    record.durationSeconds = Math.round((performance.now() - started) / 100) / 10;

    tracker.phase('count');
    const db = await openDb(scratchTarget, { interactive: false });
    try {
      for (const t of manifest.tables) {
        const [r] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${backup.restoredTable(t, dialect)}`);
        const actual = Number(r.n);
        record.tablesChecked++;
        if (!t.rowsEstimated && t.rows !== actual) record.mismatches.push({ schema: t.schema, name: t.name, expected: t.rows, actual });
        tracker.finish(`${t.schema}.${t.name}`);
      }
    } finally {
      await db.close();
    }
    record.ok = record.mismatches.length === 0;
  } catch (err) {
    record.ok = false;
    record.error = err instanceof Error ? err.message : String(err);
  } finally {
    if (created) {
      for (const drop of backup.dropScratchDatabase(dialect.quoteIdent(scratch))) {
        const dropped = await admin.query(drop).then(
          () => true,
          () => false,
        );
        if (dropped) break;
      }
    }
    await admin.close();
  }
  return record;
}

/** A writable session for CREATE/DROP DATABASE only: never on the CRM's own database. */
async function openAdmin(target: Target, candidates: string[]): Promise<Db> {
  let last: unknown;
  for (const database of candidates) {
    try {
      return await openDb({ ...target, database }, { readOnly: false, interactive: false, poolSize: 1 });
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
