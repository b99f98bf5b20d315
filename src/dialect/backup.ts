import type { DumpDriver } from '../backup/driver.js';
import type { BackupLayout, BackupManifest } from '../backup/manifest.js';
import { findMysqlTool, findPgTool } from '../backup/tools.js';
import type { Engine, Target } from '../connect/target.js';
import type { ToolVersion } from '../exec/tool-version.js';
import type { Dialect } from './dialect.js';
import { dumpMysql } from './mysql/mysql-dump.js';
import { restoreMysql } from './mysql/mysql-restore-test.js';
import { dumpPostgres } from './postgres/postgres-dump.js';
import { restorePostgres } from './postgres/postgres-restore-test.js';

/**
 * How an engine's backups are taken and test-restored: the dump tool and driver, the layout they
 * write, and the scratch database a restore test creates, fills and drops.
 */
export interface BackupDialect {
  /** The layout of the backups the driver writes. */
  readonly layout: BackupLayout;
  /** Finds the dump tool that can handle the server (its version may still be on its way). */
  findDumpTool(serverVersion: Promise<string>, env: NodeJS.ProcessEnv): Promise<ToolVersion>;
  /** Dumps the target into the backup's folder. */
  readonly dump: DumpDriver;
  /** Databases an administrative session may open (CREATE/DROP DATABASE), in order of preference: never the CRM's own. */
  readonly adminDatabases: string[];
  /** CREATE DATABASE of a scratch database (`quoted`), fit for any table of a backup. */
  createScratchDatabase(quoted: string): string;
  /** DROP DATABASE of a scratch database: each statement is tried when the one before it failed. */
  dropScratchDatabase(quoted: string): string[];
  /** Restores the whole backup into the (new, empty) database of `target`. */
  restoreInto(backupDir: string, manifest: BackupManifest, target: Target, options: { jobs?: number; signal?: AbortSignal }): Promise<void>;
  /**
   * The FROM item that reads a restored table's own rows: PostgreSQL's `ONLY schema.name` (not
   * its children's), MySQL's bare name in the scratch database.
   */
  restoredTable(t: { schema: string; name: string }, d: Dialect): string;
}

const postgresBackup: BackupDialect = {
  layout: 'pg-directory',
  findDumpTool: (serverVersion, env) => findPgTool('pg_dump', serverVersion, env),
  dump: dumpPostgres,
  adminDatabases: ['postgres', 'template1'],
  createScratchDatabase: (q) => `CREATE DATABASE ${q} TEMPLATE template0`,
  // WITH (FORCE) ends other sessions first (PostgreSQL 13+); an older server takes the plain form.
  dropScratchDatabase: (q) => [`DROP DATABASE IF EXISTS ${q} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${q}`],
  restoreInto: restorePostgres,
  restoredTable: (t, d) => `ONLY ${d.quoteQualified(t.schema, t.name)}`,
};

const mysqlBackup: BackupDialect = {
  layout: 'mysql-split',
  findDumpTool: (_serverVersion, env) => findMysqlTool('dump', env),
  dump: dumpMysql,
  adminDatabases: ['information_schema'],
  createScratchDatabase: (q) => `CREATE DATABASE ${q} CHARACTER SET utf8mb4`,
  dropScratchDatabase: (q) => [`DROP DATABASE IF EXISTS ${q}`],
  restoreInto: restoreMysql,
  restoredTable: (t, d) => d.quoteIdent(t.name),
};

/** The backup side of an engine: the one place that maps engine → implementation. */
export function backupDialectFor(engine: Engine): BackupDialect {
  return engine === 'postgres' ? postgresBackup : mysqlBackup;
}
