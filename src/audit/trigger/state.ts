import type { Queryable } from '../../dialect/queryable.js';
import type { Engine } from '../../connect/target.js';
import { dialectFor } from '../../dialect/index.js';
import { internalNamespace } from '../../dialect/namespaces.js';
import { triggerAuditFor } from '../../dialect/trigger-audit.js';

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
  return triggerAuditFor(engine).appUser;
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
  const database = await triggerAuditFor(engine).currentDatabase(db);
  return { database, namespace: internalNamespace(engine, database) };
}

/** Reads the trigger audit's state: which of its tables exist and what the registry lists. */
export async function readTriggerAuditState(db: Queryable, engine: Engine): Promise<TriggerAuditState> {
  const { namespace } = await namespaceOf(db, engine);
  const present = await triggerAuditFor(engine).readableTables(db, namespace, [LOG_TABLE, REGISTRY_TABLE]);
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
  const rows = await db.query<{ table_schema: string; table_name: string; trigger_name: string; operation: string; key_columns: unknown }>(
    `SELECT table_schema, table_name, trigger_name, operation, key_columns FROM ${dialectFor(engine).quoteQualified(namespace, REGISTRY_TABLE)} ORDER BY table_schema, table_name, trigger_name`,
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
