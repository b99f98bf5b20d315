/** What introspection knows about one column. */
export interface ColumnInfo {
  name: string;
  /** The type as the server spells it with modifiers: `character varying(100)`, `decimal(14,2)`. */
  dataType: string;
  nullable: boolean;
  /** The default expression as text, or null. */
  default: string | null;
  /** 1-based position in the table. */
  ordinal: number;
  /** Filled by the server (identity, auto_increment, serial). */
  autoIncrement: boolean;
  /** A generated (computed) column: never written by merge. */
  generated: boolean;
  /**
   * Whether the type's own equality holds only for identical values: `identity` (integers, text
   * under a deterministic collation, bytea, uuid, dates…), so IS DISTINCT FROM is exact, or `text`
   * (interval '1 day' = '24 hours', citext, a nondeterministic collation, numeric, ranges,
   * composites…), so an exact comparison compares the values' text. From the catalog on
   * PostgreSQL (a domain counts as its base type); absent where introspection does not say.
   */
  equality?: 'identity' | 'text';
}

/** A primary or unique key. */
export interface KeyInfo {
  name: string;
  columns: string[];
}

/** A unique key, and whether any of its columns may be NULL (then it does not identify rows). */
export interface UniqueKeyInfo extends KeyInfo {
  nullable: boolean;
}

/** A declared foreign key. */
export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
  /** CASCADE | SET NULL | SET DEFAULT | RESTRICT | NO ACTION */
  onDelete: string;
}

/** A base table with everything later steps need to read, diff and merge it. */
export interface TableInfo {
  /** PostgreSQL schema, or the MySQL database. */
  schema: string;
  name: string;
  columns: ColumnInfo[];
  primaryKey: KeyInfo | null;
  uniqueKeys: UniqueKeyInfo[];
  foreignKeys: ForeignKeyInfo[];
  /** The planner's estimate (not an exact count); null when the server has none yet. */
  rowEstimate: number | null;
  /** Table plus indexes plus TOAST, in bytes. */
  bytes: number;
  /** PostgreSQL: other tables inherit from it (INHERITS); `Dialect.tableRows` reads its own rows only. */
  hasInheritanceChildren?: boolean;
}

/** One introspection of a target database. */
export interface SchemaSnapshot {
  engine: 'postgres' | 'mysql';
  database: string;
  serverVersion: string;
  /** The namespaces that were read (PostgreSQL schemas; the database on MySQL). */
  schemas: string[];
  tables: TableInfo[];
}

/** The actions crm-rescue performs, and whether the current user may perform them. */
export type Action = 'inspect' | 'backup' | 'stage' | 'merge' | 'auditInstall';

/** The answer of the privilege check for one action. */
export interface ActionPrivilege {
  allowed: boolean;
  /** Why not (or a caveat), in one line. */
  reason?: string;
}

/** The privilege check's result. */
export interface Privileges {
  user: string;
  superuser: boolean;
  actions: Record<Action, ActionPrivilege>;
}

/** A table's name as `schema.name`, for messages and lookups. */
export function qualifiedName(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}
