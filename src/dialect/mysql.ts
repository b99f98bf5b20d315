import { loadSql } from '../util/sql-file.js';
import { comparedType, type Dialect, type IntrospectOptions } from './dialect.js';
import type { Privileges, SchemaSnapshot, TableInfo } from './model.js';
import { mysqlLive } from './mysql-live.js';
import type { Queryable } from './queryable.js';
import { quoteStringLiteral, quoteWith } from './quote.js';

/** MySQL 8 and MariaDB 10.6+ behind the Dialect interface. */
export const mysqlDialect: Dialect = {
  engine: 'mysql',
  capabilities: { transactionalDdl: false, returning: false, fullJoin: false, stagingIsSchema: false, strictKeyCollation: false },
  quoteIdent: (name) => quoteWith('`', name),
  tableRows: (t) => `${quoteWith('`', t.schema)}.${quoteWith('`', t.name)}`,
  quoteQualified: (schema, name) => `${quoteWith('`', schema)}.${quoteWith('`', name)}`,
  quoteLiteral: (value) => quoteStringLiteral(value, true),
  placeholder: () => '?',
  distinct(left, right, leftTyped, rightTyped) {
    // <=> is NULL-safe, but on strings it follows the collation (case, trailing spaces):
    // compare bytes instead. Numbers and dates compare natively when both sides share the type.
    const leftType = comparedType(leftTyped).dataType;
    const rightType = comparedType(rightTyped).dataType;
    const stringy = /^(var)?char|text|enum|set|json|longtext|mediumtext|tinytext/i;
    if (leftType !== rightType) return `NOT (CAST(${left} AS CHAR) <=> CAST(${right} AS CHAR) AND CAST(${left} AS BINARY) <=> CAST(${right} AS BINARY))`;
    if (stringy.test(leftType)) return `NOT (CAST(${left} AS BINARY) <=> CAST(${right} AS BINARY))`;
    if (/^decimal/i.test(leftType)) return `NOT (CAST(${left} AS CHAR) <=> CAST(${right} AS CHAR))`;
    return `NOT (${left} <=> ${right})`;
  },
  distinctValue(left, right, leftType, rightType) {
    // Both numeric: <=> compares an int with a decimal exactly, as numbers.
    const num = /^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|double|real)\b/i;
    if (leftType !== rightType && num.test(leftType) && num.test(rightType)) return `NOT (${left} <=> ${right})`;
    return this.distinct(left, right, leftType, rightType);
  },
  keyAfter(columns, value) {
    // Spelled out (MariaDB does not range-scan a row comparison); the leading >= keeps a range.
    const after = (i: number): string =>
      i === columns.length - 1 ? `${columns[i]} > ${value(i)}` : `(${columns[i]} > ${value(i)} OR (${columns[i]} = ${value(i)} AND ${after(i + 1)}))`;
    return columns.length === 1 ? after(0) : `(${columns[0]} >= ${value(0)} AND ${after(0)})`;
  },
  truthy: (expr) => `(COALESCE(${expr}, 0) <> 0)`,
  secondsApart: (a, b) => `ABS(TIMESTAMPDIFF(MICROSECOND, ${a}, ${b}) / 1000000)`,
  textCast: (expr) => `CAST(${expr} AS CHAR)`,
  rowHash(alias, columns) {
    // HEX keeps values unambiguous around the separator; binary columns are hashed as bytes.
    const part = (c: { name: string; dataType: string }) => {
      const e = `${alias}.${quoteWith('`', c.name)}`;
      return /blob|binary/i.test(c.dataType) ? `IFNULL(HEX(${e}), 'N')` : `IFNULL(HEX(CAST(${e} AS CHAR)), 'N')`;
    };
    return `MD5(CONCAT_WS(',', ${columns.map(part).join(', ')}))`;
  },
  updateJoin(u) {
    const joins = u.sources.map((s) => ` JOIN ${s.table} ${s.alias} ON ${s.on}`).join('');
    const set = u.set.map(([c, e]) => `${u.alias}.${quoteWith('`', c)} = ${e}`).join(', ');
    return `UPDATE ${u.target} ${u.alias}${joins} SET ${set}${u.where ? ` WHERE ${u.where}` : ''}`;
  },
  deleteJoin(u) {
    const joins = u.sources.map((s) => ` JOIN ${s.table} ${s.alias} ON ${s.on}`).join('');
    return `DELETE ${u.alias} FROM ${u.target} ${u.alias}${joins}${u.where ? ` WHERE ${u.where}` : ''}`;
  },
  jsonObject: (pairs) => `JSON_OBJECT(${pairs.map(([l, e]) => `${quoteStringLiteral(l, true)}, ${e}`).join(', ')})`,
  sha256Hex: (expr) => `SHA2(${expr}, 256)`,
  nullText: (width) => `CAST(NULL AS CHAR(${width}))`,
  transactionTimeouts: (lockSeconds, statementSeconds, serverVersion) => [
    `SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.round(lockSeconds))}, lock_wait_timeout = ${Math.max(1, Math.round(lockSeconds))}`,
    /mariadb/i.test(serverVersion)
      ? `SET SESSION max_statement_time = ${Math.max(1, Math.round(statementSeconds))}`
      : `SET SESSION max_execution_time = ${Math.max(1, Math.round(statementSeconds * 1000))}`,
  ],
  createShadowTable(qualified, likeQualified, _key, extra) {
    return [
      `CREATE TABLE ${qualified} LIKE ${likeQualified}`,
      // The copy of a system-versioned table is versioned too, and MariaDB refuses to ALTER one
      // unless told to keep its (empty) history; MySQL reads only the variable assignment.
      ...(extra.length ? ['SET /*M!100304 SESSION system_versioning_alter_history = KEEP, */ @crm_rescue_shadow = 1'] : []),
      ...extra.map(([n, t]) => `ALTER TABLE ${qualified} ADD COLUMN ${quoteWith('`', n)} ${t}`),
    ];
  },
  addSequenceColumn: (qualified, column) => `ALTER TABLE ${qualified} ADD COLUMN ${quoteWith('`', column)} bigint NOT NULL AUTO_INCREMENT PRIMARY KEY`,
  readCommitted: () => 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  forUpdateOf: () => 'FOR UPDATE',
  createNamespace: (name) => `CREATE DATABASE IF NOT EXISTS ${quoteWith('`', name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  dropNamespace: (name) => `DROP DATABASE IF EXISTS ${quoteWith('`', name)}`,
  insertOverriding: () => '',
  async fixSequences() {
    // InnoDB moves AUTO_INCREMENT past explicitly inserted keys by itself.
  },

  sessionLockTimeouts: mysqlLive.sessionLockTimeouts,
  lockTimeout: mysqlLive.lockTimeout,
  lockHolders: mysqlLive.lockHolders,
  takeNamedLock: mysqlLive.takeNamedLock,
  releaseNamedLock: mysqlLive.releaseNamedLock,
  namedLockHolder: mysqlLive.namedLockHolder,
  tableTriggers: mysqlLive.tableTriggers,
  triggerBypass: mysqlLive.triggerBypass,
  checkDeferredNow: mysqlLive.checkDeferredNow,

  async serverVersion(db) {
    const [row] = await db.query<{ v: string }>('SELECT VERSION() AS v');
    return String(row.v);
  },

  async serverIdentity(db) {
    // MariaDB has no @@server_uuid: the host name, port and server id the server reports about
    // itself (a replica needs a server id of its own).
    const source = '@@hostname:@@port:@@server_id';
    try {
      const [row] = await db.query<{ h: string; p: number | string; s: number | string }>('SELECT @@hostname AS h, @@port AS p, @@server_id AS s');
      return { value: row ? `${String(row.h)}:${String(row.p)}:${String(row.s)}` : null, source };
    } catch {
      return { value: null, source };
    }
  },

  async introspect(db: Queryable, options: IntrospectOptions = {}): Promise<SchemaSnapshot> {
    // MySQL reads one database: the connection's, or the one named (a staging database).
    const [{ current }] = await db.query<{ current: string }>('SELECT DATABASE() AS `current`');
    const database = options.schemas?.[0] ?? current;
    const p = [database];
    const [tables, columns, keys, fks, serverVersion] = await Promise.all([
      db.query<{ schema: string; name: string; row_estimate: number | string | null; bytes: number | string }>(loadSql('introspect/mysql/tables'), p),
      db.query<MyColumnRow>(loadSql('introspect/mysql/columns'), p),
      db.query<MyKeyRow>(loadSql('introspect/mysql/keys'), p),
      db.query<MyFkRow>(loadSql('introspect/mysql/foreign-keys'), p),
      this.serverVersion(db),
    ]);
    const byName = new Map<string, TableInfo>();
    const out = tables.map((t) => {
      const info: TableInfo = {
        schema: t.schema,
        name: t.name,
        columns: [],
        primaryKey: null,
        uniqueKeys: [],
        foreignKeys: [],
        rowEstimate: t.row_estimate === null ? null : Number(t.row_estimate),
        bytes: Number(t.bytes),
      };
      byName.set(t.name, info);
      return info;
    });
    for (const c of columns) {
      byName.get(c.table_name)?.columns.push({
        name: c.name,
        dataType: c.data_type,
        nullable: Boolean(Number(c.nullable)),
        default: c.column_default,
        ordinal: Number(c.ordinal),
        autoIncrement: Boolean(Number(c.auto_increment)),
        generated: Boolean(Number(c.generated)),
      });
    }
    // Rows arrive one per key column, in order: fold them into keys.
    const keyMap = new Map<string, { table: TableInfo; name: string; primary: boolean; columns: string[]; nullable: boolean; prefix: boolean }>();
    for (const k of keys) {
      const table = byName.get(k.table_name);
      if (!table) continue;
      const id = `${k.table_name}\0${k.key_name}`;
      let key = keyMap.get(id);
      if (!key) {
        key = { table, name: k.key_name, primary: Boolean(Number(k.is_primary)), columns: [], nullable: false, prefix: false };
        keyMap.set(id, key);
      }
      key.columns.push(k.column_name);
      key.nullable ||= Boolean(Number(k.nullable));
      // A unique prefix index (col(10)) does not make the whole value unique.
      key.prefix ||= k.sub_part !== null;
    }
    for (const key of keyMap.values()) {
      if (key.primary) key.table.primaryKey = { name: key.name, columns: key.columns };
      else if (!key.prefix) key.table.uniqueKeys.push({ name: key.name, columns: key.columns, nullable: key.nullable });
    }
    const fkMap = new Map<string, TableInfo['foreignKeys'][number]>();
    for (const f of fks) {
      const table = byName.get(f.table_name);
      if (!table) continue;
      const id = `${f.table_name}\0${f.name}`;
      let fk = fkMap.get(id);
      if (!fk) {
        fk = { name: f.name, columns: [], refSchema: f.ref_schema, refTable: f.ref_table, refColumns: [], onDelete: f.on_delete };
        fkMap.set(id, fk);
        table.foreignKeys.push(fk);
      }
      fk.columns.push(f.column_name);
      fk.refColumns.push(f.ref_column);
    }
    return { engine: 'mysql', database, serverVersion, schemas: [database], tables: out };
  },

  async privileges(db): Promise<Privileges> {
    const [{ user }] = await db.query<{ user: string }>('SELECT CURRENT_USER() AS `user`');
    const rows = await db.query<{ privilege: string; level: string }>(loadSql('introspect/mysql/privileges'));
    const has = new Set(rows.map((r) => r.privilege.toUpperCase()));
    const all = has.has('ALL PRIVILEGES');
    const can = (...ps: string[]) => all || ps.every((p) => has.has(p));
    const superuser = rows.some((r) => r.level === 'global' && (r.privilege === 'SUPER' || r.privilege === 'ALL PRIVILEGES')) || has.has('SUPER');
    const missing = (...ps: string[]) => ps.filter((p) => !can(p)).join(', ');
    return {
      user,
      superuser,
      actions: {
        inspect: { allowed: true },
        backup: can('SELECT', 'SHOW VIEW', 'TRIGGER')
          ? { allowed: true }
          : can('SELECT')
            ? { allowed: true, reason: `missing ${missing('SHOW VIEW', 'TRIGGER')}: views or triggers may be left out of the dump` }
            : { allowed: false, reason: 'no SELECT on the database' },
        stage: can('CREATE', 'DROP', 'INSERT')
          ? { allowed: true }
          : { allowed: false, reason: `missing ${missing('CREATE', 'DROP', 'INSERT')} (staging needs its own database)` },
        merge: can('SELECT', 'INSERT', 'UPDATE') ? { allowed: true } : { allowed: false, reason: `missing ${missing('SELECT', 'INSERT', 'UPDATE')}` },
        auditInstall: can('TRIGGER', 'CREATE') ? { allowed: true } : { allowed: false, reason: `missing ${missing('TRIGGER', 'CREATE')}` },
      },
    };
  },
};

interface MyColumnRow {
  schema: string;
  table_name: string;
  name: string;
  data_type: string;
  nullable: number | string;
  column_default: string | null;
  ordinal: number;
  auto_increment: number | string;
  generated: number | string;
}
interface MyKeyRow {
  schema: string;
  table_name: string;
  key_name: string;
  is_primary: number | string;
  column_name: string;
  seq: number;
  nullable: number | string;
  sub_part: number | null;
}
interface MyFkRow {
  schema: string;
  table_name: string;
  name: string;
  ref_schema: string;
  ref_table: string;
  column_name: string;
  ref_column: string;
  on_delete: string;
}
