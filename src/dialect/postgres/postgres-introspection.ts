import { loadSql } from '../../util/sql-file.js';
import type { IntrospectOptions } from '../dialect.js';
import type { ColumnInfo, ForeignKeyInfo, Privileges, SchemaSnapshot, TableInfo, UniqueKeyInfo } from '../model.js';
import { isInternalNamespace } from '../namespaces.js';
import type { Queryable } from '../queryable.js';

/** The server's version string, e.g. `15.19`. */
export async function pgServerVersion(db: Queryable): Promise<string> {
  const [row] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return String(row.v).split(' ')[0];
}

/** Tables, columns, keys, foreign keys, estimates and sizes of a PostgreSQL database. */
export async function pgIntrospect(db: Queryable, options: IntrospectOptions = {}): Promise<SchemaSnapshot> {
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
    pgServerVersion(db),
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
}

/** Which crm-rescue actions the connected PostgreSQL user may perform. */
export async function pgPrivileges(db: Queryable): Promise<Privileges> {
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
}

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
