import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openDb, type Db } from '../connect/open.js';
import type { Target } from '../connect/target.js';
import { dialectFor } from '../dialect/index.js';
import { startTool } from '../exec/run-tool.js';
import type { ProgressListener } from '../progress/event.js';
import { ProgressTracker } from '../progress/tracker.js';
import { openSqlFile } from './catalog.js';
import type { BackupManifest, RestoreTestRecord } from './manifest.js';
import { PG_ARCHIVE_DIR } from './pg-dump.js';
import { findMysqlTool, findPgTool, INSTALL_HINTS, pgMajor } from './tools.js';
import { MysqlTableFilter } from '../stage/mysql-filter.js';
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
  const tracker = new ProgressTracker({
    operation: 'restore-test',
    items: manifest.tables.map((t) => ({ key: `${t.schema}.${t.name}`, weight: t.bytes })),
    listener: options.onProgress,
  });
  const at = nowIso();
  const record: RestoreTestRecord = { at, ok: false, durationSeconds: 0, database: scratch, tablesChecked: 0, mismatches: [] };
  const admin = await openAdmin(target);
  let created = false;
  try {
    tracker.phase('restore');
    const started = performance.now();
    await admin.query(
      manifest.engine === 'postgres'
        ? `CREATE DATABASE ${dialect.quoteIdent(scratch)} TEMPLATE template0`
        : `CREATE DATABASE ${dialect.quoteIdent(scratch)} CHARACTER SET utf8mb4`,
    );
    created = true;
    const scratchTarget: Target = { ...target, database: scratch };
    if (manifest.engine === 'postgres') await restorePostgres(backupDir, manifest, scratchTarget, options);
    else await restoreMysql(backupDir, manifest, scratchTarget, options);
    record.durationSeconds = Math.round((performance.now() - started) / 100) / 10;

    tracker.phase('count');
    const db = await openDb(scratchTarget, { interactive: false });
    try {
      for (const t of manifest.tables) {
        const from = manifest.engine === 'postgres' ? `ONLY ${dialect.quoteQualified(t.schema, t.name)}` : dialect.quoteIdent(t.name);
        const [r] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${from}`);
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
      const drop =
        manifest.engine === 'postgres'
          ? `DROP DATABASE IF EXISTS ${dialect.quoteIdent(scratch)} WITH (FORCE)`
          : `DROP DATABASE IF EXISTS ${dialect.quoteIdent(scratch)}`;
      await admin.query(drop).catch(async () => {
        if (manifest.engine === 'postgres') await admin.query(`DROP DATABASE IF EXISTS ${dialect.quoteIdent(scratch)}`).catch(() => undefined);
      });
    }
    await admin.close();
  }
  return record;
}

/** A writable session for CREATE/DROP DATABASE only: never on the CRM's own database. */
async function openAdmin(target: Target): Promise<Db> {
  const candidates = target.engine === 'postgres' ? ['postgres', 'template1'] : ['information_schema'];
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

async function restorePostgres(backupDir: string, manifest: BackupManifest, target: Target, options: { jobs?: number; signal?: AbortSignal }): Promise<void> {
  const tool = await findPgTool('pg_restore', manifest.serverVersion);
  const proc = await startTool({
    tool: tool.path,
    args: [
      `--jobs=${Math.max(1, options.jobs ?? 2)}`,
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      `--dbname=${target.database}`,
      join(backupDir, PG_ARCHIVE_DIR),
    ],
    target,
    stdout: 'ignore',
    signal: options.signal,
    what: `pg_restore of ${manifest.id}`,
    installHint: INSTALL_HINTS.pg(pgMajor(manifest.serverVersion)),
  });
  await proc.done;
}

/**
 * Restores every table of a split mysqldump into the scratch database. Each table's file goes
 * through the staging filter, as stage does: a dump names its database in trigger, view and
 * routine definitions (`db`.`trigger` ON `db`.`t`), and piping the file unchanged would create
 * them on the live database. Only the CREATE TABLE (renamed into the scratch database) and the
 * rows reach the server; the rest of the backup (schema files) is checked by its sha256 only.
 */
async function restoreMysql(backupDir: string, manifest: BackupManifest, target: Target, options: { signal?: AbortSignal }): Promise<void> {
  const tool = await findMysqlTool('client');
  const dialect = dialectFor('mysql');
  const filters: MysqlTableFilter[] = [];
  async function* sql() {
    for (const t of manifest.tables) {
      const filter = new MysqlTableFilter({ table: t.name, target: dialect.quoteQualified(target.database, t.name) });
      filters.push(filter);
      yield* openSqlFile(join(backupDir, t.file)).pipe(filter);
    }
  }
  const proc = await startTool({
    tool: tool.path,
    args: ['--batch', '--binary-mode', '--default-character-set=utf8mb4', `--database=${target.database}`],
    target,
    stdin: Readable.from(sql(), { objectMode: false }),
    stdout: 'ignore',
    signal: options.signal,
    what: `mysql restore of ${manifest.id}`,
    installHint: INSTALL_HINTS.mysql,
  });
  try {
    await proc.done;
  } catch (err) {
    throw filters.find((f) => f.refusal)?.refusal ?? err;
  }
}
