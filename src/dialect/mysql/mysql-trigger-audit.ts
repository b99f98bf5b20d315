import { createHash } from 'node:crypto';
import type { Db } from '../../connect/open.js';
import type { TableInfo } from '../model.js';
import { UserError } from '../../errors.js';
import { loadSql } from '../../util/sql-file.js';
import { keyColumns } from '../../audit/sources/helpers.js';
import { mysqlExactText, mysqlJsonValue } from './mysql-json.js';
import type { InstalledTable, InstallResult, TriggerRef, UninstallResult } from '../../audit/trigger/model.js';
import { renderSql, splitStatements } from '../../audit/trigger/sql-template.js';
import { LOG_TABLE, namespaceOf, REGISTRY_TABLE, TRIGGER_PREFIX } from '../../audit/trigger/state.js';
import type { TriggerAuditDialect } from '../trigger-audit.js';
import { mysqlColumnKinds, rebuildMysql } from './mysql-trigger-rebuild.js';

/**
 * `crm_rescue_audit_<12 hex>_d|u`: MySQL trigger names are per database and limited to 64
 * characters, so the table is named by a hash of schema and name (31 characters in all).
 */
export function mysqlTriggerName(table: { schema: string; name: string }, op: 'DELETE' | 'UPDATE'): string {
  const hash = createHash('sha256').update(`${table.schema}\0${table.name}`).digest('hex').slice(0, 12);
  return `${TRIGGER_PREFIX}${hash}_${op === 'DELETE' ? 'd' : 'u'}`;
}

/**
 * The trigger's statement: one INSERT into the log with the full old row as JSON_OBJECT of every
 * column's exact text (from introspection; keys are string literals, so any column name works;
 * old_row_layout 2), the key columns (typed, as `audit deletions` shows keys), the session user,
 * @crm_rescue_app_user and the connection id.
 */
export function mysqlTriggerStatement(db: Db, namespace: string, table: TableInfo, keys: string[], op: 'DELETE' | 'UPDATE'): string {
  const d = db.dialect;
  const obj = (cols: { name: string; dataType: string }[], value: (ref: string, dataType: string) => string) =>
    `JSON_OBJECT(${cols.map((c) => `${d.quoteLiteral(c.name)}, ${value(`OLD.${d.quoteIdent(c.name)}`, c.dataType)}`).join(', ')})`;
  const keyCols = keys.map((k) => table.columns.find((c) => c.name === k)!);
  const name = d.quoteQualified(table.schema, mysqlTriggerName(table, op));
  return (
    `CREATE TRIGGER ${name} AFTER ${op} ON ${d.quoteQualified(table.schema, table.name)} FOR EACH ROW ` +
    `INSERT INTO ${d.quoteQualified(namespace, LOG_TABLE)} (logged_at, table_schema, table_name, operation, row_key, old_row, old_row_layout, db_user, app_user, txid) ` +
    `VALUES (UTC_TIMESTAMP(6), ${d.quoteLiteral(table.schema)}, ${d.quoteLiteral(table.name)}, '${op}', ${keyCols.length ? obj(keyCols, mysqlJsonValue) : 'NULL'}, ` +
    `${obj(table.columns, mysqlExactText)}, 2, USER(), @crm_rescue_app_user, CONNECTION_ID())`
  );
}

interface Grant {
  privilege: string;
  level: 'global' | 'schema' | 'table';
  db: string | null;
  tbl: string | null;
}

/** A schema-level grant's name is a LIKE pattern (`crm\_%`). */
function likeMatches(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(value);
}

async function precheck(db: Db, namespace: string, tables: TableInfo[]): Promise<void> {
  const grants = await db.query<Grant>(loadSql('audit/mysql/privileges'));
  const [{ user }] = await db.query<{ user: string }>('SELECT CURRENT_USER() AS `user`');
  const can = (priv: string, schema: string, table?: string) =>
    grants.some(
      (g) =>
        (g.privilege === priv || g.privilege === 'ALL PRIVILEGES') &&
        (g.level === 'global' ||
          (g.level === 'schema' && g.db !== null && likeMatches(g.db, schema)) ||
          (g.level === 'table' && g.db === schema && g.tbl === table)),
    );
  const without = tables.filter((t) => !can('TRIGGER', t.schema, t.name)).map((t) => `${t.schema}.${t.name}`);
  if (without.length > 0) {
    throw new UserError(
      `cannot install the trigger audit: ${user} lacks the TRIGGER privilege on ${without.slice(0, 5).join(', ')}${without.length > 5 ? ` and ${without.length - 5} more` : ''}; nothing was installed`,
      `GRANT TRIGGER ON ${tables[0].schema}.* TO ${user}`,
    );
  }
  // The log database (created now or earlier) needs CREATE for its tables and INSERT for the triggers.
  const missing = ['CREATE', 'INSERT'].filter((p) => !can(p, namespace));
  if (missing.length > 0) {
    throw new UserError(
      `cannot install the trigger audit: ${user} lacks ${missing.join(', ')} on the database ${namespace} that holds the log; nothing was installed`,
      `GRANT CREATE, INSERT, SELECT, DELETE, DROP ON \`${namespace}\`.* TO ${user}`,
    );
  }
}

async function nsObjects(db: Db, namespace: string): Promise<{ exists: boolean; log: boolean; registry: boolean; objects: number }> {
  const [row] = await db.query<{ ns: unknown; log: unknown; reg: unknown; objects: unknown }>(
    `SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) AS ns,
            (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?) AS log,
            (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?) AS reg,
            (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?)
              + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?)
              + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?)
              + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?) AS objects`,
    [namespace, namespace, LOG_TABLE, namespace, REGISTRY_TABLE, namespace, namespace, namespace, namespace],
  );
  return { exists: Number(row.ns) > 0, log: Number(row.log) > 0, registry: Number(row.reg) > 0, objects: Number(row.objects) };
}

async function countRows(db: Db, namespace: string, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${db.dialect.quoteQualified(namespace, table)}`);
  return Number(n);
}

/**
 * Installs on MySQL/MariaDB, where DDL commits by itself: the log first, then the triggers one
 * by one; when a step fails, the triggers created so far are dropped, and the log, registry and
 * database too if this run created them and they are still empty. So a failure leaves nothing.
 */
export async function installMysql(db: Db, tables: TableInfo[], updates: boolean): Promise<InstallResult> {
  const d = db.dialect;
  const { namespace } = await namespaceOf(db, 'mysql');
  const before = await nsObjects(db, namespace);
  await precheck(db, namespace, tables);
  const registry = d.quoteQualified(namespace, REGISTRY_TABLE);
  const created: TriggerRef[] = [];
  const installed: InstalledTable[] = [];
  try {
    for (const stmt of splitStatements(renderSql(loadSql('audit/mysql/install'), { ns: d.quoteIdent(namespace) }))) await db.query(stmt);
    await dropRetiredIndexes(db, namespace);
    await addLayoutColumn(db, namespace);
    for (const table of tables) {
      const keys = keyColumns(table) ?? [];
      const ops: ('DELETE' | 'UPDATE')[] = updates ? ['DELETE', 'UPDATE'] : ['DELETE'];
      for (const op of ['DELETE', 'UPDATE'] as const) {
        const name = mysqlTriggerName(table, op);
        await db.query(`DROP TRIGGER IF EXISTS ${d.quoteQualified(table.schema, name)}`);
        await db.query(`DELETE FROM ${registry} WHERE table_schema = ? AND table_name = ? AND trigger_name = ?`, [table.schema, table.name, name]);
      }
      for (const op of ops) {
        const name = mysqlTriggerName(table, op);
        await db.query(mysqlTriggerStatement(db, namespace, table, keys, op));
        created.push({ schema: table.schema, table: table.name, trigger: name });
        await db.query(
          `INSERT INTO ${registry} (table_schema, table_name, trigger_name, operation, key_columns, installed_at, installed_by) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6), CURRENT_USER())`,
          [table.schema, table.name, name, op, JSON.stringify(keys)],
        );
      }
      installed.push({
        schema: table.schema,
        name: table.name,
        triggers: ops.map((op) => ({ name: mysqlTriggerName(table, op), operation: op })),
        keyColumns: keys,
        level: 'row',
      });
    }
  } catch (err) {
    await undoInstall(db, namespace, before, created);
    const message = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot install the trigger audit: ${message}; what this run had created was removed`, 'Check the privileges with crm-rescue inspect', {
      cause: err,
    });
  }
  return { namespace, tables: installed, createdNamespace: !before.exists };
}

/** Secondary indexes of older installs' logs that cost an insert per logged row and are no longer used. */
const RETIRED_INDEXES = ['audit_log_table_time'];

/** Upgrade of an older log: drops its retired indexes (in place; the rows stay). */
async function dropRetiredIndexes(db: Db, namespace: string): Promise<void> {
  const rows = await db.query<{ name: string }>(
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME IN (${RETIRED_INDEXES.map(() => '?').join(', ')})`,
    [namespace, LOG_TABLE, ...RETIRED_INDEXES],
  );
  for (const r of rows) await db.query(`ALTER TABLE ${db.dialect.quoteQualified(namespace, LOG_TABLE)} DROP INDEX ${db.dialect.quoteIdent(r.name)}`);
}

/**
 * Upgrade of a log made before old_row_layout existed (in place, instant on MariaDB 10.3+ and
 * MySQL 8): its rows keep NULL, the older layout, and are read as such.
 */
async function addLayoutColumn(db: Db, namespace: string): Promise<void> {
  const [row] = await db.query<{ n: unknown }>(
    `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'old_row_layout'`,
    [namespace, LOG_TABLE],
  );
  if (Number(row.n) === 0) await db.query(`ALTER TABLE ${db.dialect.quoteQualified(namespace, LOG_TABLE)} ADD COLUMN old_row_layout smallint AFTER old_row`);
}

async function undoInstall(db: Db, namespace: string, before: { exists: boolean; log: boolean; registry: boolean }, created: TriggerRef[]): Promise<void> {
  const d = db.dialect;
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  for (const t of created) await quiet(db.query(`DROP TRIGGER IF EXISTS ${d.quoteQualified(t.schema, t.trigger)}`));
  const now = await nsObjects(db, namespace).catch(() => null);
  if (!now) return;
  if (now.registry) {
    for (const t of created) {
      await quiet(
        db.query(`DELETE FROM ${d.quoteQualified(namespace, REGISTRY_TABLE)} WHERE table_schema = ? AND table_name = ? AND trigger_name = ?`, [
          t.schema,
          t.table,
          t.trigger,
        ]),
      );
    }
    if (!before.registry && (await countRows(db, namespace, REGISTRY_TABLE).catch(() => 1)) === 0)
      await quiet(db.query(`DROP TABLE ${d.quoteQualified(namespace, REGISTRY_TABLE)}`));
  }
  if (now.log && !before.log && (await countRows(db, namespace, LOG_TABLE).catch(() => 1)) === 0)
    await quiet(db.query(`DROP TABLE ${d.quoteQualified(namespace, LOG_TABLE)}`));
  if (!before.exists && (await nsObjects(db, namespace).catch(() => ({ objects: 1 }))).objects === 0)
    await quiet(db.query(`DROP DATABASE ${d.quoteIdent(namespace)}`));
}

/** Our triggers in the current database, found by name prefix. */
async function ourTriggers(db: Db): Promise<TriggerRef[]> {
  const rows = await db.query<{ schema: string; table: string; trigger: string }>(
    "SELECT TRIGGER_SCHEMA AS `schema`, EVENT_OBJECT_TABLE AS `table`, TRIGGER_NAME AS `trigger` FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'crm\\_rescue\\_audit\\_%'",
  );
  return rows.map((r) => ({ schema: r.schema, table: r.table, trigger: r.trigger }));
}

/**
 * Removes what install created: the triggers first (so nothing writes any more), their registry
 * rows, then — with no trigger left — the registry, the log (when empty or asked to) and the
 * database (when nothing else is in it).
 */
export async function uninstallMysql(db: Db, only: { schema: string; name: string }[] | null, dropLog: boolean): Promise<UninstallResult> {
  const d = db.dialect;
  const { namespace } = await namespaceOf(db, 'mysql');
  const result: UninstallResult = { namespace, removed: [], alreadyGone: [], log: 'absent', logRows: 0, namespaceDropped: false };
  const state = await nsObjects(db, namespace);
  const registry = d.quoteQualified(namespace, REGISTRY_TABLE);
  const listed: TriggerRef[] = state.registry
    ? (
        await db.query<{ schema: string; table: string; trigger: string }>(
          `SELECT table_schema AS \`schema\`, table_name AS \`table\`, trigger_name AS \`trigger\` FROM ${registry}`,
        )
      ).map((r) => ({ schema: r.schema, table: r.table, trigger: r.trigger }))
    : [];
  const live = await ourTriggers(db);
  const wanted = (t: TriggerRef) => !only || only.some((o) => o.schema === t.schema && o.name === t.table);
  const same = (a: TriggerRef, b: TriggerRef) => a.schema === b.schema && a.trigger === b.trigger;
  for (const t of listed.filter(wanted)) {
    if (live.some((l) => same(l, t))) {
      await db.query(`DROP TRIGGER IF EXISTS ${d.quoteQualified(t.schema, t.trigger)}`);
      result.removed.push(t);
    } else result.alreadyGone.push(t);
    await db.query(`DELETE FROM ${registry} WHERE table_schema = ? AND table_name = ? AND trigger_name = ?`, [t.schema, t.table, t.trigger]);
  }
  for (const t of live.filter(wanted).filter((l) => !listed.some((x) => same(x, l)))) {
    await db.query(`DROP TRIGGER IF EXISTS ${d.quoteQualified(t.schema, t.trigger)}`);
    result.removed.push(t);
  }
  if (state.log) {
    result.logRows = await countRows(db, namespace, LOG_TABLE);
    result.log = 'kept';
  }
  if ((await ourTriggers(db)).length > 0) {
    if (state.log) result.log = 'in use';
    return result;
  }
  if (state.registry) await db.query(`DROP TABLE IF EXISTS ${registry}`);
  if (state.log && (dropLog || result.logRows === 0)) {
    await db.query(`DROP TABLE IF EXISTS ${d.quoteQualified(namespace, LOG_TABLE)}`);
    result.log = 'dropped';
  }
  const after = await nsObjects(db, namespace);
  if (after.exists && after.objects === 0 && (state.log || state.registry)) {
    await db.query(`DROP DATABASE ${d.quoteIdent(namespace)}`);
    result.namespaceDropped = true;
  }
  return result;
}

/** The trigger audit on MySQL/MariaDB: one trigger per table and operation, writing JSON_OBJECT images. */
export const mysqlTriggerAudit: TriggerAuditDialect = {
  appUser: { set: 'SET @crm_rescue_app_user = ?', clear: 'SET @crm_rescue_app_user = NULL' },
  async currentDatabase(db) {
    const [row] = await db.query<{ d: string }>('SELECT DATABASE() AS d');
    return row.d;
  },
  readableTables: (db, namespace, [a, b]) =>
    db.query<{ name: string; estimate: unknown }>(
      `SELECT TABLE_NAME AS name, TABLE_ROWS AS estimate FROM information_schema.TABLES
           WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)`,
      [namespace, a, b],
    ),
  async tableExists(db, schema, name) {
    const [row] = await db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
      schema,
      name,
    ]);
    return Number(row.n) > 0;
  },
  async hasColumn(db, schema, table, column) {
    const [row] = await db.query<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?`,
      [schema, table, column],
    );
    return Number(row.n) > 0;
  },
  install: installMysql,
  uninstall: uninstallMysql,
  pickLogRows: ({ fields, log, where, latestPerKey }) =>
    latestPerKey
      ? `SELECT y.log_id, y.row_key, y.old_row, y.layout FROM (SELECT ${fields}, ROW_NUMBER() OVER (PARTITION BY l.row_key ORDER BY l.logged_at DESC, l.id DESC) AS rn FROM ${log} l WHERE ${where}) y WHERE y.rn = 1`
      : `SELECT ${fields} FROM ${log} l WHERE ${where}`,
  columnKinds: mysqlColumnKinds,
  rebuild: rebuildMysql,
};
