import type { Queryable } from '../../dialect/queryable.js';
import type { Engine } from '../../connect/target.js';
import { internalNamespace } from '../../dialect/namespaces.js';

/** The log table of crm-rescue's trigger audit, in the internal namespace. */
export const LOG_TABLE = 'audit_log';
/** The registry of installed triggers, in the internal namespace. */
export const REGISTRY_TABLE = 'audit_triggers';
/** PostgreSQL: the one trigger function (statement-level, reads the transition table). */
export const PG_FUNCTION = 'audit_rows';
/** Every trigger crm-rescue creates is named with this prefix. */
export const TRIGGER_PREFIX = 'crm_rescue_audit_';

/**
 * How an application tells the trigger audit who its user is (the log's app_user), as the
 * triggers read it: PostgreSQL a transaction-scoped setting, MySQL a user variable, which
 * outlives the transaction and must be cleared on a pooled connection.
 */
export function appUserStatements(engine: Engine): { set: string; clear: string | null } {
  return engine === 'postgres'
    ? { set: `SELECT set_config('crm_rescue.app_user', $1, true)`, clear: null }
    : { set: 'SET @crm_rescue_app_user = ?', clear: 'SET @crm_rescue_app_user = NULL' };
}

/** One audited table, from the registry. */
export interface AuditedTable {
  schema: string;
  name: string;
  /** Trigger names and the operation each one logs (DELETE or UPDATE). */
  triggers: { name: string; operation: 'DELETE' | 'UPDATE' }[];
  /** The key columns the log's row_key holds. */
  keyColumns: string[];
}

/** What the trigger audit looks like on a database right now. */
export interface TriggerAuditState {
  /** The internal namespace (schema `crm_rescue` / database `crm_rescue__<db>`). */
  namespace: string;
  /** The log table exists (and is visible to this user). */
  logPresent: boolean;
  registryPresent: boolean;
  /** Tables with triggers, per the registry. */
  tables: AuditedTable[];
  /** The planner's estimate of the log's rows, or null. */
  logRowEstimate: number | null;
}

/** The namespace of a connection's database. */
export async function namespaceOf(db: Queryable, engine: Engine): Promise<{ database: string; namespace: string }> {
  const [row] = await db.query<{ d: string }>(engine === 'postgres' ? 'SELECT current_database() AS d' : 'SELECT DATABASE() AS d');
  return { database: row.d, namespace: internalNamespace(engine, row.d) };
}

/** Reads the trigger audit's state: which of its tables exist and what the registry lists. */
export async function readTriggerAuditState(db: Queryable, engine: Engine): Promise<TriggerAuditState> {
  const { namespace } = await namespaceOf(db, engine);
  const present =
    engine === 'postgres'
      ? await db.query<{ name: string; estimate: unknown }>(
          // A log this user may not read does not count as present (MySQL hides such tables itself).
          `SELECT c.relname AS name, c.reltuples AS estimate FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relname IN ($2, $3) AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT')`,
          [namespace, LOG_TABLE, REGISTRY_TABLE],
        )
      : await db.query<{ name: string; estimate: unknown }>(
          `SELECT TABLE_NAME AS name, TABLE_ROWS AS estimate FROM information_schema.TABLES
           WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)`,
          [namespace, LOG_TABLE, REGISTRY_TABLE],
        );
  const log = present.find((r) => r.name === LOG_TABLE);
  const registryPresent = present.some((r) => r.name === REGISTRY_TABLE);
  const state: TriggerAuditState = {
    namespace,
    logPresent: log !== undefined,
    registryPresent,
    tables: [],
    logRowEstimate: log && log.estimate !== null && Number(log.estimate) >= 0 ? Number(log.estimate) : null,
  };
  if (registryPresent) state.tables = await readRegistry(db, engine, namespace).catch(() => []);
  return state;
}

/** The registry's rows, grouped by table. */
export async function readRegistry(db: Queryable, engine: Engine, namespace: string): Promise<AuditedTable[]> {
  const q = (n: string) => (engine === 'postgres' ? `"${n.replace(/"/g, '""')}"` : `\`${n.replace(/`/g, '``')}\``);
  const rows = await db.query<{ table_schema: string; table_name: string; trigger_name: string; operation: string; key_columns: unknown }>(
    `SELECT table_schema, table_name, trigger_name, operation, key_columns FROM ${q(namespace)}.${q(REGISTRY_TABLE)} ORDER BY table_schema, table_name, trigger_name`,
  );
  const out = new Map<string, AuditedTable>();
  for (const r of rows) {
    const id = `${r.table_schema}\0${r.table_name}`;
    let t = out.get(id);
    if (!t) {
      const keys = typeof r.key_columns === 'string' ? (JSON.parse(r.key_columns) as string[]) : ((r.key_columns as string[] | null) ?? []);
      t = { schema: r.table_schema, name: r.table_name, triggers: [], keyColumns: keys };
      out.set(id, t);
    }
    t.triggers.push({ name: r.trigger_name, operation: r.operation === 'UPDATE' ? 'UPDATE' : 'DELETE' });
  }
  return [...out.values()];
}
