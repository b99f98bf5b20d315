import type { OwnTablesSql } from '../own-tables.js';
import { quoteWith } from '../quote.js';

const q = (schema: string, name: string) => `${quoteWith('"', schema)}.${quoteWith('"', name)}`;

/** crm-rescue's own tables and namespaces on PostgreSQL: schemas of the target database. */
export const postgresOwnTables: OwnTablesSql = {
  now: 'now()',
  nowUtc: 'now()',
  currentUser: 'current_user',
  timestampType: 'timestamptz',
  namespaceKind: 'schema',
  kysely: (k) => ({ adapter: new k.PostgresAdapter(), compiler: new k.PostgresQueryCompiler() }),
  defaultSchema: () => 'public',
  async namespaceExists(db, namespace) {
    return (await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [namespace])).length > 0;
  },
  async tableExists(db, namespace, table) {
    return (await db.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [namespace, table])).length > 0;
  },
  async namespacesLike(db, pattern) {
    return (await db.query<{ n: string }>('SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1', [pattern])).map((r) => r.n);
  },
  async tablesIn(db, namespaces) {
    const sql = `SELECT schemaname AS ns, tablename AS t FROM pg_tables WHERE schemaname IN (${namespaces.map((_, i) => `$${i + 1}`).join(', ')})`;
    return (await db.query<{ ns: string; t: string }>(sql, namespaces)).map((r) => ({ namespace: r.ns, table: r.t }));
  },
  async replaceTable(db, from, to) {
    // DDL is transactional: in the caller's transaction, the old copy is never missing to others.
    await db.query(`DROP TABLE IF EXISTS ${q(to.schema, to.name)}`);
    await db.query(`ALTER TABLE ${q(from.schema, from.name)} RENAME TO ${quoteWith('"', to.name)}`);
  },
};
