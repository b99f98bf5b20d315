import { comparedType, type Dialect } from '../dialect.js';
import { pgIntrospect, pgPrivileges, pgServerVersion } from './postgres-introspection.js';
import { postgresLive } from './postgres-live.js';
import { postgresOwnTables } from './postgres-own-tables.js';
import { quoteStringLiteral, quoteWith } from '../quote.js';

/** PostgreSQL 12+ behind the Dialect interface. */
export const postgresDialect: Dialect = {
  engine: 'postgres',
  capabilities: {
    transactionalDdl: true,
    returning: true,
    fullJoin: true,
    stagingIsSchema: true,
    strictKeyCollation: true,
    multiSchema: true,
    transactionLocalSettings: true,
  },
  ...postgresOwnTables,
  quoteIdent: (name) => quoteWith('"', name),
  quoteQualified: (schema, name) => `${quoteWith('"', schema)}.${quoteWith('"', name)}`,
  tableRows: (t) => `${t.hasInheritanceChildren ? 'ONLY ' : ''}${quoteWith('"', t.schema)}.${quoteWith('"', t.name)}`,
  quoteLiteral: (value) => quoteStringLiteral(value, false),
  placeholder: (i) => `$${i}`,
  distinct(left, right, leftType, rightType) {
    // IS DISTINCT FROM is exact only where the type's equality is identity. Elsewhere ('1 day' =
    // '24 hours', 1.5 = 1.50, -0 = 0, citext, a nondeterministic collation, json, ranges,
    // composites) the values' text is compared, under "C": a cast to text keeps the column's
    // collation, and a nondeterministic one would call 'abc' and 'ABC' equal again.
    const l = comparedType(leftType);
    const r = comparedType(rightType);
    if (l.dataType === r.dataType && pgIdentity(l) && pgIdentity(r)) {
      // Without the catalog's word on the collation, string types compare under "C" (memcmp).
      const c = l.equality === undefined && PG_COLLATABLE.test(l.dataType) ? ' COLLATE "C"' : '';
      return `((${left})${c} IS DISTINCT FROM (${right})${c})`;
    }
    return `((${left})::text COLLATE "C" IS DISTINCT FROM (${right})::text COLLATE "C")`;
  },
  distinctValue(left, right, leftType, rightType) {
    // Both numeric: PostgreSQL compares int, numeric and floats by value across types.
    const num = /^(smallint|integer|bigint|numeric|real|double precision)\b/;
    if (leftType !== rightType && num.test(leftType) && num.test(rightType)) return `((${left}) IS DISTINCT FROM (${right}))`;
    return this.distinct(left, right, leftType, rightType);
  },
  typeFamily(dataType) {
    // As format_type spells them: `numeric(10,2)`, `timestamp(3) with time zone`, `integer[]`.
    const t = dataType.toLowerCase();
    if (t.endsWith(']')) return 'other';
    if (/^(smallint|integer|bigint|numeric|decimal|real|double precision)\b/.test(t)) return 'number';
    if (/^(character varying|character|varchar|char|text|name|"char")\b/.test(t)) return 'string';
    if (/^(date|timestamp)\b/.test(t)) return 'datetime';
    if (/^time\b/.test(t)) return 'time';
    if (t === 'boolean') return 'boolean';
    if (t === 'bytea') return 'binary';
    if (t === 'json' || t === 'jsonb') return 'json';
    return 'other';
  },
  // A row comparison is one index condition for a btree.
  keyAfter: (columns, value, before = false) => `(${columns.join(', ')}) ${before ? '<' : '>'} (${columns.map((_, i) => value(i)).join(', ')})`,
  truthy: (expr, dataType) => (dataType === 'boolean' ? `((${expr}) IS TRUE)` : `(COALESCE((${expr})::numeric, 0) <> 0)`),
  secondsApart: (a, b) => `abs(extract(epoch FROM ((${a})::timestamp - (${b})::timestamp)))`,
  textCast: (expr) => `(${expr})::text`,
  rowHash: (alias, columns) => `md5(ROW(${columns.map((c) => `${alias}.${quoteWith('"', c.name)}`).join(', ')})::text)`,
  updateJoin(u) {
    const [first, ...rest] = u.sources;
    const set = u.set.map(([c, e]) => `${quoteWith('"', c)} = ${e}`).join(', ');
    const joins = rest.map((s) => ` JOIN ${s.table} ${s.alias} ON ${s.on}`).join('');
    const where = [first.on, u.where].filter(Boolean).join(' AND ');
    return `UPDATE ${u.target} AS ${u.alias} SET ${set} FROM ${first.table} ${first.alias}${joins} WHERE ${where}`;
  },
  deleteJoin(u) {
    const [first, ...rest] = u.sources;
    const joins = rest.map((s) => ` JOIN ${s.table} ${s.alias} ON ${s.on}`).join('');
    const where = [first.on, u.where].filter(Boolean).join(' AND ');
    return `DELETE FROM ${u.target} AS ${u.alias} USING ${first.table} ${first.alias}${joins} WHERE ${where}`;
  },
  jsonObject: (pairs) => `json_build_object(${pairs.map(([l, e]) => `${quoteStringLiteral(l, false)}, ${e}`).join(', ')})::text`,
  sha256Hex: (expr) => `encode(sha256(convert_to(${expr}, 'UTF8')), 'hex')`,
  nullText: (width) => `CAST(NULL AS varchar(${width}))`,
  transactionTimeouts: (lockSeconds, statementSeconds) => [
    `SET LOCAL lock_timeout = '${Math.round(lockSeconds * 1000)}ms'`,
    `SET LOCAL statement_timeout = '${Math.round(statementSeconds * 1000)}ms'`,
  ],
  createShadowTable(qualified, likeQualified, key, extra) {
    const cols = extra.map(([n, t]) => `, ${quoteWith('"', n)} ${t}`).join('');
    return [`CREATE TABLE ${qualified} (LIKE ${likeQualified}${cols}, PRIMARY KEY (${key.map((k) => quoteWith('"', k)).join(', ')}))`];
  },
  addSequenceColumn: (qualified, column) => `ALTER TABLE ${qualified} ADD COLUMN ${quoteWith('"', column)} bigserial`,
  readCommitted: () => 'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED',
  forUpdateOf: (alias) => `FOR UPDATE OF ${alias}`,
  createNamespace: (name) => `CREATE SCHEMA IF NOT EXISTS ${quoteWith('"', name)}`,
  dropNamespace: (name) => `DROP SCHEMA IF EXISTS ${quoteWith('"', name)} CASCADE`,
  insertOverriding: (columns) => (columns.some((c) => c.autoIncrement) ? 'OVERRIDING SYSTEM VALUE ' : ''),
  async analyzeTable(db, table) {
    await db.query(`ANALYZE ${quoteWith('"', table.schema)}.${quoteWith('"', table.name)}`);
  },
  async fixSequences(db, table) {
    for (const c of table.columns.filter((x) => x.autoIncrement)) {
      const qualified = `${quoteWith('"', table.schema)}.${quoteWith('"', table.name)}`;
      const [row] = await db.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [qualified, c.name]);
      if (!row?.seq) continue;
      // Only ever move a sequence forward, and only past keys that are really there.
      await db.query(
        `SELECT setval($1::regclass, GREATEST((SELECT max(${quoteWith('"', c.name)}) FROM ${qualified}), (SELECT last_value FROM ${row.seq})))
         WHERE (SELECT max(${quoteWith('"', c.name)}) FROM ${qualified}) > (SELECT last_value FROM ${row.seq})`,
        [row.seq],
      );
    }
  },

  sessionLockTimeouts: postgresLive.sessionLockTimeouts,
  lockTimeout: postgresLive.lockTimeout,
  lockHolders: postgresLive.lockHolders,
  takeNamedLock: postgresLive.takeNamedLock,
  releaseNamedLock: postgresLive.releaseNamedLock,
  namedLockHolder: postgresLive.namedLockHolder,
  tableTriggers: postgresLive.tableTriggers,
  triggerBypass: postgresLive.triggerBypass,
  checkDeferredNow: postgresLive.checkDeferredNow,

  serverVersion: pgServerVersion,

  async serverIdentity(db) {
    const source = 'system_identifier';
    try {
      // Every cluster gets its own at initdb; physical replicas share their primary's.
      const [row] = await db.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
      return { value: row?.id ? String(row.id) : null, source };
    } catch {
      // EXECUTE revoked: the caller compares what it can and says so.
      return { value: null, source };
    }
  },

  introspect: pgIntrospect,
  privileges: pgPrivileges,
};

const PG_IDENTITY =
  /^(smallint|integer|bigint|boolean|oid|"char"|name|text|bytea|uuid|date|character varying(\(\d+\))?|character(\(\d+\))?|time(\(\d\))? without time zone|timestamp(\(\d\))? with(out)? time zone)$/;
/** Of those, the ones with a collation. */
const PG_COLLATABLE = /^(name|text|character varying|character)\b/;

function pgIdentity(t: { dataType: string; equality?: 'identity' | 'text' }): boolean {
  return t.equality !== undefined ? t.equality === 'identity' : PG_IDENTITY.test(t.dataType);
}
