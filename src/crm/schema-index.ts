import type { ColumnInfo, SchemaSnapshot, TableInfo } from '../dialect/model.js';
import type { TableRef } from './flavour.js';

/**
 * Fast, case-tolerant lookups over a snapshot for the flavour modules. Names are matched exactly
 * first, then case-insensitively (MySQL on Windows/macOS may lower-case table names).
 */
export class SchemaIndex {
  readonly snapshot: SchemaSnapshot;
  private readonly exact = new Map<string, TableInfo>();
  private readonly lower = new Map<string, TableInfo>();
  private readonly bySchema = new Map<string, TableInfo[]>();

  constructor(snapshot: SchemaSnapshot) {
    this.snapshot = snapshot;
    for (const t of snapshot.tables) {
      this.exact.set(`${t.schema}\0${t.name}`, t);
      const low = `${t.schema}\0${t.name.toLowerCase()}`;
      if (!this.lower.has(low)) this.lower.set(low, t);
      const list = this.bySchema.get(t.schema) ?? [];
      list.push(t);
      this.bySchema.set(t.schema, list);
    }
  }

  /** The schemas that hold at least one table. */
  get schemas(): string[] {
    return [...this.bySchema.keys()];
  }

  /** The tables of one schema. */
  tablesIn(schema: string): TableInfo[] {
    return this.bySchema.get(schema) ?? [];
  }

  /** A table of `schema` by name (exact, then case-insensitive). */
  table(schema: string, name: string): TableInfo | undefined {
    return this.exact.get(`${schema}\0${name}`) ?? this.lower.get(`${schema}\0${name.toLowerCase()}`);
  }

  /** The table a reference points at. */
  get(ref: TableRef): TableInfo | undefined {
    return this.table(ref.schema, ref.name);
  }

  /**
   * The schema holding most of `names` (ties: the first schema in snapshot order). Every flavour
   * but Twenty lives in one schema; on PostgreSQL the snapshot may hold several.
   */
  homeSchema(names: string[]): string | undefined {
    let best: { schema: string; hits: number } | undefined;
    for (const schema of this.schemas) {
      const hits = names.filter((n) => this.table(schema, n)).length;
      if (hits > 0 && (!best || hits > best.hits)) best = { schema, hits };
    }
    return best?.schema;
  }
}

/** A column of a table by name (exact, then case-insensitive). */
export function column(table: TableInfo | undefined, name: string): ColumnInfo | undefined {
  if (!table) return undefined;
  return table.columns.find((c) => c.name === name) ?? table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/** True when the table exists and has every column. */
export function hasColumns(table: TableInfo | undefined, ...names: string[]): table is TableInfo {
  return table !== undefined && names.every((n) => column(table, n) !== undefined);
}

/** The reference of a table. */
export function refOf(t: { schema: string; name: string }): TableRef {
  return { schema: t.schema, name: t.name };
}

/** A coarse type family, to avoid implying a link between a text column and an integer key. */
export function typeFamily(dataType: string): 'number' | 'text' | 'uuid' | 'other' {
  const t = dataType.toLowerCase();
  if (t.startsWith('uuid')) return 'uuid';
  if (/int|serial|numeric|decimal|number/.test(t)) return 'number';
  if (/char|text|string/.test(t)) return 'text';
  return 'other';
}

/** True when a value of `a` can hold a key of `b` (same family, or one we cannot judge). */
export function typesCompatible(a: ColumnInfo, b: ColumnInfo): boolean {
  const fa = typeFamily(a.dataType);
  const fb = typeFamily(b.dataType);
  return fa === fb || fa === 'other' || fb === 'other';
}

/** "a, b, c" with at most `max` names, then "and N more". */
export function listNames(names: string[], max = 6): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
