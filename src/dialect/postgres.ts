import { loadSql } from '../util/sql-file.js';
import { comparedType, type Dialect, type IntrospectOptions } from './dialect.js';
import type { ColumnInfo, ForeignKeyInfo, Privileges, SchemaSnapshot, TableInfo, UniqueKeyInfo } from './model.js';
import { isInternalNamespace } from './namespaces.js';
import { postgresLive } from './postgres-live.js';
import type { Queryable } from './queryable.js';
import { quoteStringLiteral, quoteWith } from './quote.js';

/** PostgreSQL 12+ behind the Dialect interface. */
export const postgresDialect: Dialect = {
  engine: 'postgres',
  capabilities: { transactionalDdl: true, returning: true, fullJoin: true, stagingIsSchema: true, strictKeyCollation: true },
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
  // A row comparison is one index condition for a btree.
  keyAfter: (columns, value) => `(${columns.join(', ')}) > (${columns.map((_, i) => value(i)).join(', ')})`,
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

  async serverVersion(db) {
    const [row] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return String(row.v).split(' ')[0];
  },

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

  async introspect(db: Queryable, options: IntrospectOptions = {}): Promise<SchemaSnapshot> {
    const [{ database }] = await db.query<{ database: string }>('SELECT current_database() AS database');
    const all = (await db.query<{ schema: string }>(loadSql('introspect/postgres/schemas'))).map((r) => r.schema);
    const schemas = options.schemas ?? all.filter((s) => options.includeInternal || !isInternalNamespace(s));
    const [tables, columns, keys, fks, serverVersion] = await Promise.all([
      db.query<{ schema: string; name: string; row_estimate: string | null; bytes: string; has_children: boolean }>(loadSql('introspect/postgres/tables'), [
        schemas,
        options.includePartitions ?? false,
      ]),
      db.query<PgColumnRow>(loadSql('introspect/postgres/columns'), [schemas]),
      db.query<PgKeyRow>(loadSql('introspect/postgres/keys'), [schemas]),
      db.query<PgFkRow>(loadSql('introspect/postgres/foreign-keys'), [schemas]),
      this.serverVersion(db),
    ]);
    const byName = new Map<string, TableInfo>();
    const out: TableInfo[] = tables.map((t) => {
      const info: TableInfo = {
        schema: t.schema,
        name: t.name,
        columns: [],
        primaryKey: null,
        uniqueKeys: [],
        foreignKeys: [],
        rowEstimate: t.row_estimate === null ? null : Number(t.row_estimate),
        bytes: Number(t.bytes),
        ...(t.has_children && { hasInheritanceChildren: true }),
      };
      byName.set(`${t.schema}\0${t.name}`, info);
      return info;
    });
    for (const c of columns) {
      const col: ColumnInfo = {
        name: c.name,
        dataType: c.data_type,
        nullable: c.nullable,
        default: c.column_default,
        ordinal: Number(c.ordinal),
        autoIncrement: c.auto_increment,
        generated: c.generated,
        equality: c.equality,
      };
      byName.get(`${c.schema}\0${c.table_name}`)?.columns.push(col);
    }
    for (const k of keys) {
      const t = byName.get(`${k.schema}\0${k.table_name}`);
      if (!t) continue;
      const cols = pgArray(k.columns);
      if (k.is_primary) t.primaryKey = { name: k.key_name, columns: cols };
      else t.uniqueKeys.push({ name: k.key_name, columns: cols, nullable: k.nullable } satisfies UniqueKeyInfo);
    }
    for (const f of fks) {
      const t = byName.get(`${f.schema}\0${f.table_name}`);
      if (!t) continue;
      const fk: ForeignKeyInfo = {
        name: f.name,
        columns: pgArray(f.columns),
        refSchema: f.ref_schema,
        refTable: f.ref_table,
        refColumns: pgArray(f.ref_columns),
        onDelete: f.on_delete,
      };
      t.foreignKeys.push(fk);
    }
    return { engine: 'postgres', database, serverVersion, schemas, tables: out };
  },

  async privileges(db): Promise<Privileges> {
    const [r] = await db.query<PgPrivRow>(loadSql('introspect/postgres/privileges'));
    const n = (v: string | number) => Number(v);
    const su = r.superuser;
    return {
      user: r.user,
      superuser: su,
      actions: {
        inspect: { allowed: true },
        backup:
          n(r.tables_without_select) === 0
            ? { allowed: true }
            : { allowed: false, reason: `no SELECT on ${n(r.tables_without_select)} of ${n(r.tables)} tables` },
        stage: r.can_create_schema ? { allowed: true } : { allowed: false, reason: 'no CREATE on the database (staging needs its own schema)' },
        merge:
          n(r.tables_without_write) === 0
            ? { allowed: true }
            : { allowed: false, reason: `no INSERT/UPDATE on ${n(r.tables_without_write)} of ${n(r.tables)} tables` },
        auditInstall:
          su || (r.can_create_schema && n(r.tables_without_trigger) === 0)
            ? { allowed: true }
            : { allowed: false, reason: r.can_create_schema ? `no TRIGGER on ${n(r.tables_without_trigger)} tables` : 'no CREATE on the database' },
      },
    };
  },
};

interface PgColumnRow {
  schema: string;
  table_name: string;
  name: string;
  data_type: string;
  nullable: boolean;
  column_default: string | null;
  ordinal: number;
  auto_increment: boolean;
  generated: boolean;
  equality: 'identity' | 'text';
}
interface PgKeyRow {
  schema: string;
  table_name: string;
  key_name: string;
  is_primary: boolean;
  columns: string[] | string;
  nullable: boolean;
}
interface PgFkRow {
  schema: string;
  table_name: string;
  name: string;
  ref_schema: string;
  ref_table: string;
  columns: string[] | string;
  ref_columns: string[] | string;
  on_delete: string;
}
interface PgPrivRow {
  user: string;
  superuser: boolean;
  can_create_schema: boolean;
  tables_without_select: string;
  tables_without_write: string;
  tables_without_trigger: string;
  tables: string;
}

/**
 * Built-in types whose equality is identity, as format_type spells them: what `distinct` goes by
 * when introspection did not classify the column (ColumnInfo.equality).
 */
const PG_IDENTITY =
  /^(smallint|integer|bigint|boolean|oid|"char"|name|text|bytea|uuid|date|character varying(\(\d+\))?|character(\(\d+\))?|time(\(\d\))? without time zone|timestamp(\(\d\))? with(out)? time zone)$/;
/** Of those, the ones with a collation. */
const PG_COLLATABLE = /^(name|text|character varying|character)\b/;

function pgIdentity(t: { dataType: string; equality?: 'identity' | 'text' }): boolean {
  return t.equality !== undefined ? t.equality === 'identity' : PG_IDENTITY.test(t.dataType);
}

/** node-pg returns name[] as a JS array, but arrays of type `name` may arrive as '{a,b}' text. */
function pgArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  if (!inner) return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(inner))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}
