import type { Targeted } from './namespace.js';

export type { Targeted };

/**
 * What a diff or merge on a targeted copy says: that it compared only the keys given, how many
 * of them the source holds, and how to compare the whole table.
 */
export function targetedNote(t: Targeted): string {
  return `targeted: staged and compared only the ${keysFound(t)}; other rows were not looked at (--whole-table compares the whole table)`;
}

/** What `stage --keys` says: only those rows were staged. */
export function targetedStageNote(t: Targeted): string {
  return `targeted: staged only the rows of the ${keysFound(t)} (without --keys the whole table is staged)`;
}

function keysFound(t: Targeted): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const found = t.found === null ? '' : t.found === t.keys ? ', all in the backup' : `, ${n(t.found)} in the backup, ${n(t.keys - t.found)} not in it`;
  return `${n(t.keys)} key${t.keys === 1 ? '' : 's'} given${found}`;
}
