import type { Dialect } from '../dialect/dialect.js';
import type { ColumnInfo } from '../dialect/model.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import type { TableCtx } from './context.js';
import type { MergeRequest } from './model.js';

/**
 * Columns that changed between the backup and live (schema drift), for the tables whose selected
 * rows take their values from the backup (inserts, and updates of every column): never a silent
 * NULL. Refused, naming the columns:
 * - the backup has columns live lacks and live has columns the backup lacks (a rename): unless
 *   they are mapped (--map name=full_name) or the user accepts leaving live's empty
 *   (--leave-new-columns-empty);
 * - rows to insert and a live column that is NOT NULL without a default and not in the backup.
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
            `${t.display}: live column ${c.name} is NOT NULL without a default and is not in the backup, so its ${inserts} row(s) cannot be inserted`,
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

/** What the server fills a column left out of an INSERT with, as the preview says it; null: nothing (NOT NULL, no default). */
function fillOf(c: ColumnInfo): string | null {
  if (c.autoIncrement) return 'a new number from its sequence';
  if (c.default !== null && c.default !== undefined && !/^null$/i.test(c.default.trim())) return `its default (${c.default})`;
  return c.nullable ? 'NULL' : null;
}
