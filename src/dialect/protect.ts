import type { Db } from '../connect/open.js';
import type { Engine } from '../connect/target.js';
import type { ProtectPlan, ProtectRequest } from '../nobackup/protect-model.js';
import { mysqlProtect } from './mysql/mysql-protect.js';
import { postgresProtect } from './postgres/postgres-protect.js';

/**
 * How an engine keeps the evidence of an incident when there is no backup (`crm-rescue
 * protect`). PostgreSQL keeps deleted rows in the table's pages until VACUUM: protect pauses
 * autovacuum on the tables. MySQL/MariaDB keep them only in the binary log: protect reports what
 * it holds and copies its files. Each plan lists its actions with their exact SQL or command
 * line, run only after the caller has shown them and been told to go on.
 */
export interface ProtectDialect {
  /** The engine's source that needs no backup: its `--backup` name and how people call it. */
  readonly source: { ref: 'binlog' | 'dead-tuples'; name: string };
  /** Protecting changes live tables' settings (PostgreSQL): the session must be read-write. */
  readonly writesLive: boolean;
  /** What a full read of the tables (protect --backup) may cost the evidence, or null. */
  readonly backupCaveat: string | null;
  /** Reads the state and builds the actions; changes nothing. */
  plan(db: Db, request: ProtectRequest): Promise<ProtectPlan>;
}

/** The protect side of an engine: the one place that maps engine → implementation. */
export function protectFor(engine: Engine): ProtectDialect {
  return engine === 'postgres' ? postgresProtect : mysqlProtect;
}
