import type { SchemaSnapshot } from '../dialect/model.js';
import type { CrmKnowledge, TableRef } from './flavour.js';

/** A parent→child link between two tables, declared (FK) or implied by the CRM flavour. */
export interface Relation {
  name: string;
  child: TableRef;
  childColumns: string[];
  parent: TableRef;
  parentColumns: string[];
  source: 'declared' | 'implied';
  discriminator?: { column: string; value: string };
  /** For implied relations: why we believe it. For declared ones: the ON DELETE rule. */
  note: string;
  /** Implied relations: child values that mean "no parent" besides NULL ('' in SuiteCRM, 0 in Dolibarr). */
  noParentValues?: string[];
}

/** Every relation of the snapshot: declared foreign keys first, then the flavour's implied ones. */
export function relationsOf(snapshot: SchemaSnapshot, knowledge: CrmKnowledge): Relation[] {
  const out: Relation[] = [];
  for (const t of snapshot.tables) {
    for (const fk of t.foreignKeys) {
      out.push({
        name: fk.name,
        child: { schema: t.schema, name: t.name },
        childColumns: fk.columns,
        parent: { schema: fk.refSchema, name: fk.refTable },
        parentColumns: fk.refColumns,
        source: 'declared',
        note: `ON DELETE ${fk.onDelete}`,
      });
    }
  }
  const declared = new Set(out.map((r) => relationKey(r)));
  for (const r of knowledge.impliedRelations) {
    const rel: Relation = {
      name: `${r.child.name}(${r.childColumns.join(',')})→${r.parent.name}`,
      child: r.child,
      childColumns: r.childColumns,
      parent: r.parent,
      parentColumns: r.parentColumns,
      source: 'implied',
      ...(r.discriminator && { discriminator: r.discriminator }),
      note: r.why,
      ...(r.noParentValues && { noParentValues: r.noParentValues }),
    };
    if (!declared.has(relationKey(rel))) out.push(rel);
  }
  return out;
}

function relationKey(r: Pick<Relation, 'child' | 'childColumns' | 'parent' | 'discriminator'>): string {
  return [r.child.schema, r.child.name, r.childColumns.join(','), r.parent.schema, r.parent.name, r.discriminator?.value ?? ''].join('\0');
}

/** Tables related to `table` in either direction (parents and children), for --with-related. */
export function relatedTables(relations: Relation[], table: TableRef): TableRef[] {
  const same = (a: TableRef, b: TableRef) => a.schema === b.schema && a.name === b.name;
  const seen = new Map<string, TableRef>();
  for (const r of relations) {
    if (same(r.child, table) && !same(r.parent, table)) seen.set(`${r.parent.schema}.${r.parent.name}`, r.parent);
    if (same(r.parent, table) && !same(r.child, table)) seen.set(`${r.child.schema}.${r.child.name}`, r.child);
  }
  return [...seen.values()];
}
