import { loadSql } from '../../util/sql-file.js';
import type { IntrospectOptions } from '../dialect.js';
import type { Privileges, SchemaSnapshot, TableInfo } from '../model.js';
import type { Queryable } from '../queryable.js';

/** The server's version string, e.g. `10.11.19-MariaDB`. */
export async function myServerVersion(db: Queryable): Promise<string> {
  const [row] = await db.query<{ v: string }>('SELECT VERSION() AS v');
  return String(row.v);
}

/** Tables, columns, keys, foreign keys, estimates and sizes of a MySQL/MariaDB database. */
export async function myIntrospect(db: Queryable, options: IntrospectOptions = {}): Promise<SchemaSnapshot> {
  // MySQL reads one database: the connection's, or the one named (a staging database).
  const [{ current }] = await db.query<{ current: string }>('SELECT DATABASE() AS `current`');
  const database = options.schemas?.[0] ?? current;
  const p = [database];
  const [tables, columns, keys, fks, serverVersion] = await Promise.all([
    db.query<{ schema: string; name: string; row_estimate: number | string | null; bytes: number | string }>(loadSql('introspect/mysql/tables'), p),
    db.query<MyColumnRow>(loadSql('introspect/mysql/columns'), p),
    db.query<MyKeyRow>(loadSql('introspect/mysql/keys'), p),
    db.query<MyFkRow>(loadSql('introspect/mysql/foreign-keys'), p),
    myServerVersion(db),
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
}

/** Which crm-rescue actions the connected MySQL/MariaDB user may perform. */
export async function myPrivileges(db: Queryable): Promise<Privileges> {
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
}

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
