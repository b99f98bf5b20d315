import type { Relation } from '../crm/relations.js';

/**
 * Orders tables parents first (a parent's rows must exist before its children's). Relations
 * outside the set are ignored; self-relations do not constrain.
 *
 * Tables that depend on each other in a cycle (Odoo's res_partner ↔ res_users, implied links in
 * SuiteCRM or Dolibarr) form one group, placed after every group they depend on and before every
 * group that depends on them, so a table hanging off a cycle never jumps ahead of it. Inside a
 * group the cycle is broken at a table whose declared parents are all placed (implied relations
 * are not enforced by the database, foreign keys are), the first by name; a cycle of foreign keys
 * alone, by name order.
 */
export function parentsFirst<T extends { schema: string; name: string }>(tables: T[], relations: Relation[]): T[] {
  const id = (t: { schema: string; name: string }) => `${t.schema}\0${t.name}`;
  const byId = new Map(tables.map((t) => [id(t), t]));
  const parentsOf = new Map<string, Set<string>>(tables.map((t) => [id(t), new Set()]));
  const declaredParentsOf = new Map<string, Set<string>>(tables.map((t) => [id(t), new Set()]));
  for (const r of relations) {
    const c = id(r.child);
    const p = id(r.parent);
    if (c === p || !byId.has(c) || !byId.has(p)) continue;
    parentsOf.get(c)!.add(p);
    if (r.source === 'declared') declaredParentsOf.get(c)!.add(p);
  }
  const out: T[] = [];
  for (const group of groupsParentsFirst([...byId.keys()].sort(), parentsOf)) {
    const done = new Set<string>();
    const inGroup = new Set(group);
    const placed = (parents: Set<string>) => [...parents].every((p) => done.has(p) || !inGroup.has(p));
    const remaining = [...group];
    while (remaining.length) {
      let i = remaining.findIndex((t) => placed(parentsOf.get(t)!));
      if (i < 0) i = remaining.findIndex((t) => placed(declaredParentsOf.get(t)!));
      if (i < 0) i = 0; // a cycle of foreign keys: take the first by name
      const [t] = remaining.splice(i, 1);
      out.push(byId.get(t)!);
      done.add(t);
    }
  }
  return out;
}

/**
 * The strongly connected components of the child → parent graph (Tarjan), each sorted by name,
 * parents' components first: Tarjan completes a component only after every component it
 * reaches, that is after its parents.
 */
function groupsParentsFirst(nodes: string[], parentsOf: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...parentsOf.get(v)!].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      groups.push(group.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return groups;
}
