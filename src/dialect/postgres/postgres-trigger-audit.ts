import type { Db } from '../../connect/open.js';
import type { TableInfo } from '../model.js';
import type { Queryable } from '../queryable.js';
import { UserError } from '../../errors.js';
import { loadSql } from '../../util/sql-file.js';
import { keyColumns } from '../../audit/sources/helpers.js';
import type { InstalledTable, InstallResult, TriggerRef, UninstallResult } from '../../audit/trigger/model.js';
import { renderSql } from '../../audit/trigger/sql-template.js';
import { LOG_TABLE, namespaceOf, PG_FUNCTION, REGISTRY_TABLE, TRIGGER_PREFIX } from '../../audit/trigger/state.js';
import type { TriggerAuditDialect } from '../trigger-audit.js';
import { pgColumnKinds, rebuildPostgres } from './postgres-trigger-rebuild.js';

/** PostgreSQL trigger names are per table: one per operation. */
const triggerName = (op: 'DELETE' | 'UPDATE') => `${TRIGGER_PREFIX}${op.toLowerCase()}`;

function exec(q: Queryable, sqlText: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return q.query<Record<string, unknown>>(sqlText, params);
}

/** Refuses early, with the reason, when the user cannot create the schema or lacks TRIGGER. */
async function precheck(db: Db, namespace: string, tables: TableInfo[]): Promise<boolean> {
  const [r] = await db.query<{ user: string; ns_exists: boolean; can_create_schema: boolean; can_create_in_ns: boolean; without_trigger: unknown }>(
    loadSql('audit/postgres/privileges'),
    [namespace, tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  const missing = (typeof r.without_trigger === 'string' ? JSON.parse(r.without_trigger) : r.without_trigger) as [string, string][];
  if (missing.length > 0) {
    const names = missing.map(([s, n]) => `${s}.${n}`);
    throw new UserError(
      `cannot install the trigger audit: ${r.user} lacks the TRIGGER privilege on ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}; nothing was installed`,
      `Run as the tables' owner, or GRANT TRIGGER ON ${names[0]} TO ${r.user}`,
    );
  }
  if (r.ns_exists ? !r.can_create_in_ns : !r.can_create_schema) {
    throw new UserError(
      `cannot install the trigger audit: ${r.user} may not ${r.ns_exists ? `create objects in schema ${namespace}` : 'create schemas in this database'}; nothing was installed`,
      r.ns_exists ? `GRANT CREATE ON SCHEMA ${namespace} TO ${r.user}` : `GRANT CREATE ON DATABASE … TO ${r.user}, or run as the database owner`,
    );
  }
  return !r.ns_exists;
}

/**
 * Installs the log, registry, trigger functions and triggers in ONE transaction: any failure
 * leaves nothing behind. Statement-level triggers with a transition table; a table that cannot
 * have one (partition, inheritance child) gets the row-level function instead.
 */
export async function installPostgres(db: Db, tables: TableInfo[], updates: boolean): Promise<InstallResult> {
  const d = db.dialect;
  const { namespace } = await namespaceOf(db, 'postgres');
  const createdNamespace = await precheck(db, namespace, tables);
  const ns = d.quoteIdent(namespace);
  const registry = d.quoteQualified(namespace, REGISTRY_TABLE);
  const installed: InstalledTable[] = [];
  try {
    await db.transaction(async (trx) => {
      await exec(trx, renderSql(loadSql('audit/postgres/install'), { ns }));
      for (const table of tables) {
        const target = d.quoteQualified(table.schema, table.name);
        const keys = keyColumns(table) ?? [];
        const args = keys.map((k) => d.quoteLiteral(k)).join(', ');
        const ops: ('DELETE' | 'UPDATE')[] = updates ? ['DELETE', 'UPDATE'] : ['DELETE'];
        let level: InstalledTable['level'] = 'statement';
        for (const op of ['DELETE', 'UPDATE'] as const) {
          await exec(trx, `DROP TRIGGER IF EXISTS ${d.quoteIdent(triggerName(op))} ON ${target}`);
          await exec(trx, `DELETE FROM ${registry} WHERE table_schema = $1 AND table_name = $2 AND trigger_name = $3`, [
            table.schema,
            table.name,
            triggerName(op),
          ]);
        }
        for (const op of ops) {
          const name = d.quoteIdent(triggerName(op));
          await exec(trx, 'SAVEPOINT crm_rescue_trigger');
          try {
            await exec(
              trx,
              `CREATE TRIGGER ${name} AFTER ${op} ON ${target} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${ns}.${d.quoteIdent(PG_FUNCTION)}(${args})`,
            );
            await exec(trx, 'RELEASE SAVEPOINT crm_rescue_trigger');
          } catch (err) {
            // 0A000: transition tables are not supported on partitions and inheritance children.
            if ((err as { code?: string }).code !== '0A000') throw err;
            await exec(trx, 'ROLLBACK TO SAVEPOINT crm_rescue_trigger');
            level = 'row';
            const when = op === 'UPDATE' ? ' WHEN (OLD.* IS DISTINCT FROM NEW.*)' : '';
            await exec(trx, `CREATE TRIGGER ${name} AFTER ${op} ON ${target} FOR EACH ROW${when} EXECUTE FUNCTION ${ns}.audit_row(${args})`);
          }
          await exec(trx, `INSERT INTO ${registry} (table_schema, table_name, trigger_name, operation, key_columns) VALUES ($1, $2, $3, $4, $5)`, [
            table.schema,
            table.name,
            triggerName(op),
            op,
            JSON.stringify(keys),
          ]);
        }
        installed.push({
          schema: table.schema,
          name: table.name,
          triggers: ops.map((op) => ({ name: triggerName(op), operation: op })),
          keyColumns: keys,
          level,
        });
      }
    });
  } catch (err) {
    if ((err as { code?: string }).code === '42501') {
      throw new UserError(
        `cannot install the trigger audit: ${(err as Error).message}; nothing was installed`,
        'Run as the tables’ owner or a user with TRIGGER and CREATE',
        { cause: err },
      );
    }
    throw err;
  }
  return { namespace, tables: installed, createdNamespace };
}

/** The triggers that call our functions, whether or not the registry lists them. */
async function ourTriggers(k: Queryable, namespace: string): Promise<TriggerRef[]> {
  const q = `SELECT n.nspname AS schema, c.relname AS "table", t.tgname AS trigger
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
    WHERE NOT t.tgisinternal AND pn.nspname = $1 AND p.proname IN ('${PG_FUNCTION}', 'audit_row')`;
  return (await exec(k, q, [namespace])).map((r) => ({ schema: String(r.schema), table: String(r.table), trigger: String(r.trigger) }));
}

/**
 * Removes, in ONE transaction, the triggers install created (all, or those of some tables), their
 * registry entries, and — when no trigger is left — the functions, the registry, the log (only
 * when empty or asked to) and the schema (only when nothing else is in it).
 */
export async function uninstallPostgres(db: Db, only: { schema: string; name: string }[] | null, dropLog: boolean): Promise<UninstallResult> {
  const d = db.dialect;
  const { namespace } = await namespaceOf(db, 'postgres');
  const ns = d.quoteIdent(namespace);
  const result: UninstallResult = { namespace, removed: [], alreadyGone: [], log: 'absent', logRows: 0, namespaceDropped: false };
  await db.transaction(async (trx) => {
    const tables = await exec(
      trx,
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname IN ($2, $3)`,
      [namespace, LOG_TABLE, REGISTRY_TABLE],
    );
    const hasRegistry = tables.some((t) => t.name === REGISTRY_TABLE);
    const hasLog = tables.some((t) => t.name === LOG_TABLE);
    const registry = d.quoteQualified(namespace, REGISTRY_TABLE);
    const listed: TriggerRef[] = hasRegistry
      ? (await exec(trx, `SELECT table_schema AS schema, table_name AS "table", trigger_name AS trigger FROM ${registry}`)).map((r) => ({
          schema: String(r.schema),
          table: String(r.table),
          trigger: String(r.trigger),
        }))
      : [];
    const live = await ourTriggers(trx, namespace);
    const wanted = (t: { schema: string; table: string }) => !only || only.some((o) => o.schema === t.schema && o.name === t.table);
    const same = (a: TriggerRef, b: TriggerRef) => a.schema === b.schema && a.table === b.table && a.trigger === b.trigger;
    for (const t of listed.filter(wanted)) {
      if (live.some((l) => same(l, t))) {
        await exec(trx, `DROP TRIGGER ${d.quoteIdent(t.trigger)} ON ${d.quoteQualified(t.schema, t.table)}`);
        result.removed.push(t);
      } else result.alreadyGone.push(t);
      await exec(trx, `DELETE FROM ${registry} WHERE table_schema = $1 AND table_name = $2 AND trigger_name = $3`, [t.schema, t.table, t.trigger]);
    }
    // Triggers on our functions that the registry does not list (registry edited or lost).
    for (const t of live.filter(wanted).filter((l) => !listed.some((x) => same(x, l)))) {
      await exec(trx, `DROP TRIGGER ${d.quoteIdent(t.trigger)} ON ${d.quoteQualified(t.schema, t.table)}`);
      result.removed.push(t);
    }
    if (hasLog) {
      const [{ n }] = await exec(trx, `SELECT count(*) AS n FROM ${d.quoteQualified(namespace, LOG_TABLE)}`);
      result.logRows = Number(n);
      result.log = 'kept';
    }
    const left = (await ourTriggers(trx, namespace)).length;
    if (left > 0) {
      if (hasLog) result.log = 'in use';
      return;
    }
    await exec(trx, `DROP FUNCTION IF EXISTS ${ns}.${d.quoteIdent(PG_FUNCTION)}()`);
    await exec(trx, `DROP FUNCTION IF EXISTS ${ns}.audit_row()`);
    if (hasRegistry) await exec(trx, `DROP TABLE ${registry}`);
    if (hasLog && (dropLog || result.logRows === 0)) {
      await exec(trx, `DROP TABLE ${d.quoteQualified(namespace, LOG_TABLE)}`);
      result.log = 'dropped';
    }
    const [{ n: objects }] = await exec(
      trx,
      `SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)
            + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1)
            + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype IN ('d', 'e', 'r', 'm')) AS n`,
      [namespace],
    );
    if (Number(objects) === 0 && (hasLog || hasRegistry)) {
      await exec(trx, `DROP SCHEMA IF EXISTS ${ns}`);
      result.namespaceDropped = true;
    }
  });
  return result;
}

/** The trigger audit on PostgreSQL: one statement-level function, per-table triggers reading the transition table. */
export const postgresTriggerAudit: TriggerAuditDialect = {
  appUser: { set: `SELECT set_config('crm_rescue.app_user', $1, true)`, clear: null },
  async currentDatabase(db) {
    const [row] = await db.query<{ d: string }>('SELECT current_database() AS d');
    return row.d;
  },
  readableTables: (db, namespace, [a, b]) =>
    db.query<{ name: string; estimate: unknown }>(
      // A log this user may not read does not count as present (MySQL hides such tables itself).
      `SELECT c.relname AS name, c.reltuples AS estimate FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relname IN ($2, $3) AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT')`,
      [namespace, a, b],
    ),
  async tableExists(db, schema, name) {
    const [row] = await db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
      [schema, name],
    );
    return Number(row.n) > 0;
  },
  async hasColumn(db, schema, table, column) {
    const [row] = await db.query<{ n: unknown }>(
      `SELECT count(*) AS n FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped`,
      [schema, table, column],
    );
    return Number(row.n) > 0;
  },
  install: installPostgres,
  uninstall: uninstallPostgres,
  pickLogRows: ({ fields, log, where, latestPerKey }) =>
    latestPerKey
      ? `SELECT DISTINCT ON (l.row_key::text) ${fields} FROM ${log} l WHERE ${where} ORDER BY l.row_key::text, l.logged_at DESC, l.id DESC`
      : `SELECT ${fields} FROM ${log} l WHERE ${where}`,
  columnKinds: pgColumnKinds,
  rebuild: rebuildPostgres,
};
