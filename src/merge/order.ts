import type { Relation } from '../crm/relations.js';

/**
 * Orders tables parents first (a parent's rows must exist before its children's). Relations
 * outside the set are ignored; self-relations do not constrain. A cycle is broken at a table whose
 * declared parents are all placed (implied relations are not enforced by the database, foreign
 * keys are), the first by name; a cycle of foreign keys alone, by name order.
 */
export function parentsFirst<T extends { schema: string; name: string }>(tables: T[], relations: Relation[]): T[] {
  const id = (t: { schema: string; name: string }) => `${t.schema}\0${t.name}`;
  const inSet = new Map(tables.map((t) => [id(t), t]));
  const parentsOf = new Map<string, Set<string>>(tables.map((t) => [id(t), new Set()]));
  const declaredParentsOf = new Map<string, Set<string>>(tables.map((t) => [id(t), new Set()]));
  for (const r of relations) {
    const c = id(r.child);
    const p = id(r.parent);
    if (c === p || !inSet.has(c) || !inSet.has(p)) continue;
    parentsOf.get(c)!.add(p);
    if (r.source === 'declared') declaredParentsOf.get(c)!.add(p);
  }
  const out: T[] = [];
  const done = new Set<string>();
  const remaining = [...tables].sort((a, b) => id(a).localeCompare(id(b)));
  while (remaining.length) {
    let i = remaining.findIndex((t) => [...parentsOf.get(id(t))!].every((p) => done.has(p)));
    if (i < 0) i = remaining.findIndex((t) => [...declaredParentsOf.get(id(t))!].every((p) => done.has(p)));
    if (i < 0) i = 0; // a cycle of foreign keys: take the first by name
    const [t] = remaining.splice(i, 1);
    out.push(t);
    done.add(id(t));
  }
  return out;
}
