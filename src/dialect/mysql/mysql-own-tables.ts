import type { OwnTablesSql } from '../own-tables.js';
import { quoteWith } from '../quote.js';

const q = (schema: string, name: string) => `${quoteWith('`', schema)}.${quoteWith('`', name)}`;

/** crm-rescue's own tables and namespaces on MySQL/MariaDB: databases of the server. */
export const mysqlOwnTables: OwnTablesSql = {
  now: 'CURRENT_TIMESTAMP(6)',
  nowUtc: 'UTC_TIMESTAMP(6)',
  currentUser: 'CURRENT_USER()',
  timestampType: 'datetime(6)',
  namespaceKind: 'database',
  kysely: (k) => ({ adapter: new k.MysqlAdapter(), compiler: new k.MysqlQueryCompiler() }),
  defaultSchema: (database) => database,
  async namespaceExists(db, namespace) {
    return (await db.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [namespace])).length > 0;
  },
  async tableExists(db, namespace, table) {
    return (await db.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [namespace, table])).length > 0;
  },
  async namespacesLike(db, pattern) {
    return (await db.query<{ n: string }>('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1', [pattern])).map(
      (r) => r.n,
    );
  },
  async tablesIn(db, namespaces) {
    const sql = `SELECT TABLE_SCHEMA AS ns, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${namespaces.map(() => '?').join(', ')})`;
    return (await db.query<{ ns: string; t: string }>(sql, namespaces)).map((r) => ({ namespace: r.ns, table: r.t }));
  },
  async replaceTable(db, from, to, aside) {
    // No transactional DDL: one RENAME TABLE moves the new copy in (and the old one out) atomically.
    const exists = await mysqlOwnTables.tableExists(db, to.schema, to.name);
    await db.query(
      exists
        ? `RENAME TABLE ${q(to.schema, to.name)} TO ${q(aside.schema, aside.name)}, ${q(from.schema, from.name)} TO ${q(to.schema, to.name)}`
        : `RENAME TABLE ${q(from.schema, from.name)} TO ${q(to.schema, to.name)}`,
    );
  },
};
