/**
 * What the demo needs from an engine beyond the Dialect: creating the sandbox database, bulk
 * loading, and the formats of parameters. One implementation per engine, chosen once.
 */
import type { Db } from '../connect/open.js';
import type { Engine, Target } from '../connect/target.js';
import type { Queryable } from '../dialect/index.js';
import { UserError } from '../errors.js';
import type { Row } from './rows.js';
import type { DemoColumn } from './tables.js';

/** The comment that marks a database as a crm-rescue demo, which `demo` may replace. */
export const DEMO_MARKER = 'crm-rescue demo CRM';

/** One SQL file of the load (`sql/demo/<engine>/<file>.sql`) and what it does, for humans. */
export interface DemoStep {
  file: string;
  describe: string;
}

/** Engine-specific parts of the demo. */
export interface DemoEngine {
  readonly engine: Engine;
  /** Human name for messages. */
  readonly displayName: string;
  /** How to start a local server of this engine, for the "no server answers" hint. */
  readonly startHint: string;
  /** Rows per bulk INSERT statement. */
  readonly batchRows: number;
  /**
   * The local server of this engine, as the demo reaches it when no URL or profile names one
   * (the database part left empty for `serverDatabase`).
   */
  localServer(env: NodeJS.ProcessEnv): Target;
  /** The database part of the server target, from the one its URL gave: PostgreSQL's admin database, MySQL's information_schema. */
  serverDatabase(given: string): string;
  /** The admin target to connect to for DROP/CREATE DATABASE, from the server target. */
  adminTarget(server: Target, database: string): Target;
  /**
   * Drops `database` if it is a demo (or empty) and creates it afresh, marked as a demo.
   * Refuses to touch a database that holds tables but no demo marker.
   */
  recreateDatabase(admin: Db, database: string): Promise<void>;
  /**
   * The load, as steps around the generated inserts: SQL files under sql/demo/<engine>/ run
   * before the rows are inserted, after (before the change log is built from the tables), and
   * at the end. Each step has a description for the progress lines.
   */
  readonly steps: { beforeLoad: readonly DemoStep[]; afterLoad: readonly DemoStep[]; afterHistory: readonly DemoStep[] };
  /** The table the generated rows of `table` are inserted into (itself, or a staging twin). */
  loadTableOf(table: string): string;
  /** Session settings for a bulk load on one pinned connection, and how to undo them. */
  readonly loadSessionSql: readonly string[];
  readonly endLoadSessionSql: readonly string[];
  /** Inserts rows (values in `columns` order; `ts` as epoch ms) with one statement. */
  insertRows(q: Queryable, table: string, columns: readonly DemoColumn[], rows: readonly Row[]): Promise<void>;
  /** An epoch-ms instant as a query parameter for a timestamp column. */
  timestampParam(ms: number): string;
  /** Refreshes the planner statistics of the tables. */
  analyze(q: Queryable, tables: readonly string[]): Promise<void>;
}

/** The refusal to replace a database the demo did not create. */
export function notADemo(database: string, tables: number): UserError {
  return new UserError(
    `database "${database}" already exists, holds ${tables} table(s) and was not created by crm-rescue demo: refusing to drop it`,
    'Choose another name with --db, or drop it yourself if it is really disposable',
  );
}
