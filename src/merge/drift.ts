import { typeAssignable, type Dialect } from '../dialect/dialect.js';
import type { ColumnInfo } from '../dialect/model.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import type { TableCtx } from './context.js';
import type { MergeRequest } from './model.js';
import { updateColumns } from './write.js';

/**
 * Columns that changed between the backup and live (schema drift), for the tables whose selected
 * rows take their values from the backup (inserts, and updates of every column): never a silent
 * NULL. Refused, naming the columns:
 * - the backup has columns live lacks and live has columns the backup lacks (a rename): unless
 *   they are mapped (--map name=full_name) or the user accepts leaving live's empty
 *   (--leave-new-columns-empty);
 * - rows to insert and a live column that is NOT NULL without a default and not in the backup;
 * - a written column retyped since the backup into a type its values cannot be written to.
 * Everything else is said in the preview (the returned notes): a mapped column, a live column
 * inserted rows get the default of, a backup column that is not written.
 */
export async function columnDrift(conn: Queryable, d: Dialect, tables: TableCtx[], req: MergeRequest): Promise<string[]> {
  const notes: string[] = [];
  const changed = req.selections.find((s) => s.kind === 'changed');
  // --changed --columns writes only the columns named (in both copies, as diff checks).
  const valueKinds = changed?.kind === 'changed' && changed.columns?.length ? ['full'] : ['full', 'changed'];
  for (const t of tables) {
    const counts = await conn.query<{ op: string; kind: string; n: number | string }>(
      `SELECT crm_rescue_op AS op, crm_rescue_kind AS kind, count(*) AS n FROM ${t.sel} GROUP BY crm_rescue_op, crm_rescue_kind`,
    );
    const inserts = counts.filter((c) => c.op === 'insert').reduce((s, c) => s + Number(c.n), 0);
    const kinds = new Set(counts.filter((c) => Number(c.n) > 0).map((c) => c.kind));
    // Overwrite may turn any selected row into an update of every column, once checked.
    if (req.policy === 'overwrite' && kinds.size) kinds.add('full');
    checkWrittenTypes(d, t, kinds, changed?.kind === 'changed' ? changed.columns : undefined);
    const fromBackup = counts.filter((c) => valueKinds.includes(c.kind)).reduce((s, c) => s + Number(c.n), 0);
    if (!fromBackup) continue;
    const liveNames = new Set(t.table.live.columns.map((c) => c.name));
    const stagedNames = new Set(t.table.staged.columns.map((c) => c.name));
    const backupOnly = t.table.staged.columns.filter((c) => !c.generated && !liveNames.has(c.name)).map((c) => c.name);
    const liveOnly = t.table.live.columns.filter((c) => !c.generated && !stagedNames.has(c.name));
    const map = t.table.columnMap ?? {};
    for (const [to, from] of Object.entries(map)) notes.push(`${t.display}: the backup's ${from} is written to ${to} (--map)`);
    if (backupOnly.length && liveOnly.length && !req.leaveNewColumnsEmpty) {
      const prefix = t.table === req.root ? '' : `${t.table.live.name}.`;
      throw new UserError(
        `${t.display}: the backup has ${backupOnly.join(', ')} that live lacks, and live has ${liveOnly.map((c) => c.name).join(', ')} that the backup lacks (renamed since the backup?): the rows would be written without them`,
        `Map a renamed column with --map ${prefix}${backupOnly[0]}=${liveOnly[0].name} (repeatable), or write the rows with ${liveOnly.map((c) => c.name).join(', ')} left empty with --leave-new-columns-empty`,
      );
    }
    if (inserts) {
      for (const c of liveOnly) {
        const filled = fillOf(c);
        if (filled === null) {
          throw new UserError(
            `${t.display}: live column ${c.name} is NOT NULL without a default and the backup has no such column, so its ${inserts} row(s) cannot be inserted`,
            backupOnly.length
              ? `Map a backup column to it: --map ${backupOnly[0]}=${c.name}`
              : `Give ${c.name} a default, or map a backup column to it with --map COLUMN=${c.name}`,
          );
        }
        const flag = req.leaveNewColumnsEmpty && backupOnly.length ? ' (--leave-new-columns-empty)' : '';
        notes.push(`${t.display}: ${c.name} is not in the backup: inserted rows get ${filled}${flag}`);
      }
    }
    for (const c of backupOnly) notes.push(`${t.display}: the backup's ${c} is not in live and is not written`);
  }
  return notes;
}

/**
 * A column the rows take from the backup but whose type changed since into one the backup's
 * values cannot be written to as they are (varchar → integer, integer → boolean): refused before
 * any write, naming the column and both types, rather than failing halfway or converting.
 */
function checkWrittenTypes(d: Dialect, t: TableCtx, kinds: Set<string>, changedColumns?: string[]): void {
  const written = new Set<string>();
  if (kinds.has('full')) for (const c of t.writable) written.add(c.name);
  if (kinds.has('changed')) for (const c of updateColumns(t, 'changed', changedColumns)) written.add(c);
  if (kinds.has('soft')) for (const c of updateColumns(t, 'soft')) written.add(c);
  const stagedType = new Map(t.table.staged.columns.map((c) => [c.name, c.dataType]));
  for (const c of t.writable) {
    const from = stagedType.get(c.name);
    if (!written.has(c.name) || from === undefined || typeAssignable(d, from, c.dataType)) continue;
    throw new UserError(
      `${t.display}: column ${c.name} is ${from} in the backup and ${c.dataType} in live, and the backup's values cannot be written to it as they are`,
      'Give the live column a type that takes them (or a text type), or leave these rows out',
    );
  }
}

/** What the server fills a column left out of an INSERT with, as the preview says it; null: nothing (NOT NULL, no default). */
function fillOf(c: ColumnInfo): string | null {
  if (c.autoIncrement) return 'a new number from its sequence';
  if (c.default !== null && c.default !== undefined && !/^null$/i.test(c.default.trim())) return `its default (${c.default})`;
  return c.nullable ? 'NULL' : null;
}
