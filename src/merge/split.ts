import type { Relation } from '../crm/relations.js';
import type { TableRef } from '../crm/flavour.js';
import type { Dialect } from '../dialect/dialect.js';
import type { DiffClass } from '../diff/model.js';
import { UserError } from '../errors.js';
import { parentsFirst } from './order.js';
import type { MergeFlags } from './prepare.js';

/** Rows of one table a person chose to bring back: whole classes, and single rows. */
export interface TableSelection {
  table: TableRef;
  classes: DiffClass[];
  /** Single rows of classes not chosen whole. */
  keys: { class: DiffClass; key: Record<string, unknown> }[];
}

/** One merge to run: its root table and flags (the policy is added by the caller). */
export interface RootMerge {
  table: TableRef;
  flags: Omit<MergeFlags, 'policy'>;
  /** Tables whose deleted rows this merge brings along (`withRelated`). */
  brings: TableRef[];
}

/**
 * Turns per-table selections into merges, parents first. A table whose deleted rows are chosen
 * whole and which is a child of another such table is not merged on its own: the parent's merge
 * brings its rows along (`withRelated`), so a contact's relation rows and notes come back with
 * it, in the same transaction. Single rows become `keys` (deleted) or a key filter (soft-deleted,
 * changed). Rows added since the backup cannot be merged: a merge never deletes live rows.
 */
export function splitSelections(
  selections: TableSelection[],
  relations: Relation[],
  d: Pick<Dialect, 'quoteIdent' | 'quoteLiteral'>,
  keyOf: (t: TableRef) => string[],
): RootMerge[] {
  const id = (t: TableRef) => `${t.schema}\0${t.name}`;
  const chosen = selections.filter((s) => s.classes.length || s.keys.length);
  if (!chosen.length) throw new UserError('no rows selected', 'Select rows in the diff (space for one row, a for a whole class)');
  if (chosen.some((s) => s.classes.includes('added') || s.keys.some((k) => k.class === 'added'))) {
    throw new UserError('rows added since the backup cannot be merged', 'A merge never deletes live rows; unselect the added rows');
  }
  const ordered = parentsFirst(
    chosen.map((s) => ({ ...s.table, s })),
    relations,
  );
  const wholeDeleted = new Set(chosen.filter((s) => s.classes.includes('deleted')).map((s) => id(s.table)));
  const rootOf = new Map<string, string>();
  const brings = new Map<string, TableRef[]>();
  const seen = new Set<string>();
  for (const t of ordered) {
    const me = id(t);
    if (wholeDeleted.has(me)) {
      const parent = relations.find((r) => id(r.child) === me && id(r.parent) !== me && wholeDeleted.has(id(r.parent)) && seen.has(id(r.parent)));
      if (parent) {
        const root = rootOf.get(id(parent.parent)) ?? id(parent.parent);
        rootOf.set(me, root);
        brings.set(root, [...(brings.get(root) ?? []), t.s.table]);
      }
    }
    seen.add(me);
  }
  const out: RootMerge[] = [];
  for (const { s } of ordered) {
    const me = id(s.table);
    const covered = rootOf.has(me);
    const whole = new Set(s.classes);
    const keysOf = (cls: DiffClass) => (whole.has(cls) ? [] : s.keys.filter((k) => k.class === cls).map((k) => k.key));
    const deletedKeys = keysOf('deleted');
    const main: RootMerge['flags'] = {
      deleted: whole.has('deleted') && !covered,
      softDeleted: whole.has('soft-deleted'),
      changed: whole.has('changed'),
      ...(deletedKeys.length && !covered && { keys: deletedKeys.map((k) => JSON.stringify(k)) }),
      withRelated: whole.has('deleted') && !covered && brings.has(me),
    };
    if (main.deleted || main.softDeleted || main.changed || main.keys?.length)
      out.push({ table: s.table, flags: main, brings: main.withRelated ? brings.get(me)! : [] });
    const key = keyOf(s.table);
    const soft = keysOf('soft-deleted');
    if (soft.length) out.push({ table: s.table, flags: { softDeleted: true, where: keyFilter(d, key, soft) }, brings: [] });
    const changed = keysOf('changed');
    if (changed.length) out.push({ table: s.table, flags: { changed: true, where: keyFilter(d, key, changed) }, brings: [] });
  }
  return out;
}

/** `"id" IN ('a', 'b')`, or `("a", "b") IN (('1', '2'), …)` for a composite key. */
export function keyFilter(d: Pick<Dialect, 'quoteIdent' | 'quoteLiteral'>, key: string[], keys: Record<string, unknown>[]): string {
  const lit = (v: unknown) => (v === null || v === undefined ? 'NULL' : d.quoteLiteral(String(v)));
  if (key.length === 1) return `${d.quoteIdent(key[0])} IN (${keys.map((k) => lit(k[key[0]])).join(', ')})`;
  return `(${key.map((k) => d.quoteIdent(k)).join(', ')}) IN (${keys.map((k) => `(${key.map((c) => lit(k[c])).join(', ')})`).join(', ')})`;
}
