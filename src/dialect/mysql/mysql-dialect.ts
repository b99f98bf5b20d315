import { comparedType, type Dialect } from '../dialect.js';
import { myIntrospect, myPrivileges, myServerVersion } from './mysql-introspection.js';
import { mysqlLive } from './mysql-live.js';
import { mysqlOwnTables } from './mysql-own-tables.js';
import { quoteStringLiteral, quoteWith } from '../quote.js';

/** MySQL 8 and MariaDB 10.6+ behind the Dialect interface. */
export const mysqlDialect: Dialect = {
  engine: 'mysql',
  capabilities: {
    transactionalDdl: false,
    returning: false,
    fullJoin: false,
    stagingIsSchema: false,
    strictKeyCollation: false,
    multiSchema: false,
    transactionLocalSettings: false,
  },
  ...mysqlOwnTables,
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
  typeFamily(dataType) {
    // As COLUMN_TYPE spells them: `bigint(20) unsigned`, `enum('a','b')`; MariaDB's JSON is longtext.
    const t = dataType.toLowerCase();
    if (/^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|double|real|bit|year)\b/.test(t)) return 'number';
    if (/^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)\b/.test(t)) return 'string';
    if (/^(date|datetime|timestamp)\b/.test(t)) return 'datetime';
    if (/^time\b/.test(t)) return 'time';
    if (/^(binary|varbinary|tinyblob|blob|mediumblob|longblob)\b/.test(t)) return 'binary';
    if (/^json\b/.test(t)) return 'json';
    return 'other';
  },
  keyAfter(columns, value, before = false) {
    // Spelled out (MariaDB does not range-scan a row comparison); the leading >= keeps a range.
    const [gt, ge] = before ? ['<', '<='] : ['>', '>='];
    const after = (i: number): string =>
      i === columns.length - 1 ? `${columns[i]} ${gt} ${value(i)}` : `(${columns[i]} ${gt} ${value(i)} OR (${columns[i]} = ${value(i)} AND ${after(i + 1)}))`;
    return columns.length === 1 ? after(0) : `(${columns[0]} ${ge} ${value(0)} AND ${after(0)})`;
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
  async analyzeTable(db, table) {
    const rows = await db.query<{ Msg_type?: string; Msg_text?: string }>(`ANALYZE TABLE ${quoteWith('`', table.schema)}.${quoteWith('`', table.name)}`);
    const failed = rows.find((r) => String(r.Msg_type ?? '').toLowerCase() === 'error');
    if (failed) throw new Error(String(failed.Msg_text ?? 'ANALYZE TABLE failed'));
  },
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

  serverVersion: myServerVersion,

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

  introspect: myIntrospect,
  privileges: myPrivileges,
};
