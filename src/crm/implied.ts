import type { TableInfo } from '../dialect/model.js';
import type { ImpliedRelation } from './flavour.js';
import { column, refOf } from './schema-index.js';

/** Options of one implied link. */
export interface LinkOptions {
  /** Polymorphic: the link holds only where `column = value` on the child. */
  discriminator?: { column: string; value: string };
}

/**
 * Collects implied relations and refuses invented ones: a link is kept only when both tables and
 * every named column exist in the snapshot, the parent columns are its primary key (unless given),
 * and no foreign key is already declared on the same child columns.
 */
export class ImpliedRelationBuilder {
  private readonly out: ImpliedRelation[] = [];
  private readonly seen = new Set<string>();
  private readonly noParentValues?: string[];

  /** `noParentValues`: the CRM's "no parent" values besides NULL, set on every link ('' or '0'). */
  constructor(options: { noParentValues?: string[] } = {}) {
    this.noParentValues = options.noParentValues;
  }

  /**
   * Adds child(childColumns) → parent(parentColumns); `parentColumns` defaults to the parent's
   * primary key. Returns whether the link was kept.
   */
  link(
    child: TableInfo | undefined,
    childColumns: string[],
    parent: TableInfo | undefined,
    parentColumns: string[] | undefined,
    why: string,
    options: LinkOptions = {},
  ): boolean {
    if (!child || !parent) return false;
    const childCols = childColumns.map((c) => column(child, c)?.name);
    const parentCols = (parentColumns ?? parent.primaryKey?.columns ?? []).map((c) => column(parent, c)?.name);
    if (childCols.length === 0 || childCols.length !== parentCols.length) return false;
    if (childCols.some((c) => c === undefined) || parentCols.some((c) => c === undefined)) return false;
    const cc = childCols as string[];
    const pc = parentCols as string[];
    // A table pointing at its own key through the same columns is no relation.
    if (child === parent && cc.join(',') === pc.join(',')) return false;
    let discriminator: ImpliedRelation['discriminator'];
    if (options.discriminator) {
      const dc = column(child, options.discriminator.column);
      if (!dc) return false;
      discriminator = { column: dc.name, value: options.discriminator.value };
    } else if (declaredOn(child, cc)) {
      return false;
    }
    const key = [child.schema, child.name, cc.join(','), parent.schema, parent.name, discriminator?.value ?? ''].join('\0');
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.out.push({
      child: refOf(child),
      childColumns: cc,
      parent: refOf(parent),
      parentColumns: pc,
      ...(discriminator && { discriminator }),
      why,
      ...(this.noParentValues && { noParentValues: [...this.noParentValues] }),
    });
    return true;
  }

  /** The relations collected so far, in insertion order. */
  list(): ImpliedRelation[] {
    return [...this.out];
  }
}

/** True when a foreign key is declared on exactly these child columns. */
export function declaredOn(table: TableInfo, columns: string[]): boolean {
  const want = columns.map((c) => c.toLowerCase()).join(',');
  return table.foreignKeys.some((fk) => fk.columns.map((c) => c.toLowerCase()).join(',') === want);
}
