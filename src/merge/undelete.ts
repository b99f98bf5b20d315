import type { SoftDeleteMark } from '../crm/flavour.js';
import type { Relation } from '../crm/relations.js';
import type { Dialect } from '../dialect/dialect.js';
import type { ColumnInfo } from '../dialect/model.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import { colList, keyJoin, type TableCtx } from './context.js';
import type { Selection } from './model.js';
import { loadKeys } from './selection.js';

/**
 * Undelete: clears the CRM's soft-delete mark on live rows, with no backup. Only the mark is
 * written; the columns the CRM set with it (date_modified, modified_user_id, …) keep the values
 * the delete wrote. The rows' previous values go to the journal as with any merge, so undo puts
 * the marks back.
 */

/** Related rows whose deletion time is this close to their parent's went with the same deletion. */
export const SAME_DELETION_SECONDS = 60;

/** The table's own mark (not one kept on another table's row), or null. */
export function ownMark(t: TableCtx): SoftDeleteMark | null {
  const mark = t.table.softDelete;
  if (!mark || mark.via || !t.table.live.columns.some((c) => c.name === mark.column)) return null;
  return mark;
}

function columnOf(t: TableCtx, name: string): ColumnInfo | undefined {
  return t.table.live.columns.find((c) => c.name === name);
}

/** True (SQL) when the row of `alias` carries the mark. */
export function markedSql(d: Dialect, alias: string, t: TableCtx, mark: SoftDeleteMark): string {
  const col = columnOf(t, mark.column)!;
  const e = `${alias}.${d.quoteIdent(mark.column)}`;
  if (mark.kind === 'timestamp') return `(${e} IS NOT NULL)`;
  if (mark.kind === 'active') return `(${e} IS NOT NULL AND NOT ${d.truthy(e, col.dataType)})`;
  return d.truthy(e, col.dataType);
}

/** The value that means "not deleted" for the mark. */
export function clearedValue(t: TableCtx, mark: SoftDeleteMark): string {
  const bool = /bool/i.test(columnOf(t, mark.column)!.dataType);
  if (mark.kind === 'timestamp') return 'NULL';
  if (mark.kind === 'active') return bool ? 'TRUE' : '1';
  return bool ? 'FALSE' : '0';
}

/** When the row was deleted (SQL over `alias`), when the table records it in a date/time column. */
function deletedAtSql(d: Dialect, alias: string, t: TableCtx, mark: SoftDeleteMark): string | null {
  const name = mark.kind === 'timestamp' ? mark.column : mark.timeColumn;
  const col = name ? columnOf(t, name) : undefined;
  if (!col || !/date|time/i.test(col.dataType)) return null;
  return `${alias}.${d.quoteIdent(col.name)}`;
}

/**
 * Selects the root's marked live rows named by the undelete selection: its keys (each must be a
 * live row carrying the mark, else a UserError names them) and/or its condition.
 */
export async function selectUndelete(conn: Queryable, d: Dialect, root: TableCtx, sel: Extract<Selection, { kind: 'undelete' }>): Promise<void> {
  const mark = ownMark(root);
  if (!mark)
    throw new UserError(
      `table ${root.display} has no soft-delete column that crm-rescue knows`,
      'Deleted rows of this table come back from a backup: crm-rescue merge --backup ID --deleted',
    );
  const marked = markedSql(d, 'l', root, mark);
  const hash = d.rowHash(
    'l',
    root.writable.map((c) => ({ name: c.name, dataType: c.dataType })),
  );
  // --where is about the table asked for: the root itself, or the table whose mark the root keeps.
  const where = sel.where
    ? sel.via
      ? `EXISTS (SELECT 1 FROM ${d.quoteQualified(sel.via.table.schema, sel.via.table.name)} m WHERE ${sel.via.columns.map((c, i) => `m.${d.quoteIdent(c)} = l.${d.quoteIdent(sel.via!.refColumns[i])}`).join(' AND ')} AND (${sel.where}))`
      : `(${sel.where})`
    : null;
  if (sel.keys?.length) {
    await loadKeys(conn, d, root, sel.keys, {
      op: 'update',
      kind: 'undelete',
      source: root.live,
      where: `live ${root.display}`,
      hint: 'Check the keys (crm-rescue audit deletions lists deleted rows and their keys)',
    });
    const unmarked = await conn.query<Record<string, unknown>>(
      `SELECT ${colList(d, 'x', root.key)} FROM ${root.sel} x JOIN ${root.live} l ON ${keyJoin(d, 'l', 'x', root.key)} WHERE NOT ${marked} ORDER BY x.crm_rescue_seq LIMIT 5`,
    );
    if (unmarked.length) {
      throw new UserError(
        `${unmarked.length === 5 ? 'at least 5 rows' : `${unmarked.length} row(s)`} of ${root.display} ${unmarked.length === 1 ? 'is' : 'are'} not soft-deleted (${mark.column}): ${unmarked.map((m) => JSON.stringify(m)).join(', ')}`,
        'crm-rescue audit deletions lists deleted rows and their keys',
      );
    }
    if (where)
      await conn.query(`DELETE FROM ${root.sel} WHERE NOT EXISTS (SELECT 1 FROM ${root.live} l WHERE ${keyJoin(d, 'l', root.sel, root.key)} AND ${where})`);
    await conn.query(`UPDATE ${root.sel} SET crm_rescue_live_hash = (SELECT ${hash} FROM ${root.live} l WHERE ${keyJoin(d, 'l', root.sel, root.key)})`);
    return;
  }
  if (!where)
    throw new UserError('--undelete needs to know which rows: --keys, --keys-from or --where', 'crm-rescue audit deletions lists deleted rows and their keys');
  await conn.query(
    `INSERT INTO ${root.sel} (${colList(d, null, root.key)}, crm_rescue_op, crm_rescue_kind, crm_rescue_live_hash)
     SELECT ${colList(d, 'l', root.key)}, 'update', 'undelete', ${hash} FROM ${root.live} l WHERE ${marked} AND ${where} ORDER BY ${colList(d, 'l', root.key)}`,
  );
}

/**
 * --with-related for an undelete: rows of related tables that went with the same deletion get
 * their mark cleared too. A related row went with it when it points at a row being undeleted,
 * carries its own mark, and both record when they were deleted (the deletion time, or the time
 * column the CRM sets with the mark) at most SAME_DELETION_SECONDS apart: SuiteCRM flags a
 * record's relation rows in the same request, Twenty sets "deletedAt" on what cascades. A
 * marked row without such a time (EspoCRM relation rows: an unlink, since EspoCRM leaves them
 * as they were on delete) is left as it is; the returned notes count those rows.
 */
export async function expandUndelete(conn: Queryable, d: Dialect, tables: TableCtx[], relations: Relation[]): Promise<string[]> {
  const byId = new Map(tables.map((t) => [`${t.table.live.schema}\0${t.table.live.name}`, t]));
  const find = (r: { schema: string; name: string }) => byId.get(`${r.schema}\0${r.name}`);
  const links = relations.flatMap((r) => {
    const parent = find(r.parent);
    const child = find(r.child);
    const cmark = child && ownMark(child);
    const pmark = parent && ownMark(parent);
    if (!parent || !child || !cmark || !pmark) return [];
    const fk = r.childColumns.map((c, i) => `c.${d.quoteIdent(c)} = p.${d.quoteIdent(r.parentColumns[i])}`).join(' AND ');
    const disc = r.discriminator ? ` AND c.${d.quoteIdent(r.discriminator.column)} = ${d.quoteLiteral(r.discriminator.value)}` : '';
    const ct = deletedAtSql(d, 'c', child, cmark);
    const pt = deletedAtSql(d, 'p', parent, pmark);
    // Rows of `child` (alias c) marked deleted, pointing at a row of `parent` being undeleted.
    const from = `FROM ${parent.live} p JOIN ${parent.sel} sp ON ${keyJoin(d, 'sp', 'p', parent.key)} WHERE ${fk}${disc} AND sp.crm_rescue_kind = 'undelete'`;
    return [{ parent, child, cmark, from, same: ct && pt ? `${d.secondsApart(ct, pt)} <= ${SAME_DELETION_SECONDS}` : null }];
  });
  const count = async (t: TableCtx) => Number((await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.sel}`))[0].n);
  const size = new Map<TableCtx, number>();
  for (const t of tables) size.set(t, await count(t));
  for (let round = 0; round < 6; round++) {
    let grew = false;
    for (const l of links.filter((x) => x.same && size.get(x.parent))) {
      const notYet = `NOT EXISTS (SELECT 1 FROM ${l.child.sel} x WHERE ${keyJoin(d, 'x', 'c', l.child.key)})`;
      const hash = d.rowHash(
        'c',
        l.child.writable.map((c) => ({ name: c.name, dataType: c.dataType })),
      );
      await conn.query(
        `INSERT INTO ${l.child.sel} (${colList(d, null, l.child.key)}, crm_rescue_op, crm_rescue_kind, crm_rescue_live_hash)
         SELECT ${colList(d, 'c', l.child.key)}, 'update', 'undelete', ${hash} FROM ${l.child.live} c
         WHERE ${markedSql(d, 'c', l.child, l.cmark)} AND ${notYet} AND EXISTS (SELECT 1 ${l.from} AND ${l.same})
         ORDER BY ${colList(d, 'c', l.child.key)}`,
      );
      const n = await count(l.child);
      if (n !== size.get(l.child)) grew = true;
      size.set(l.child, n);
    }
    if (!grew) break;
  }
  // Marked rows pointing at undeleted rows with no deletion time to match: left, and said.
  const notes: string[] = [];
  for (const child of new Set(links.filter((l) => !l.same && size.get(l.parent)).map((l) => l.child))) {
    const ors = links.filter((l) => l.child === child && !l.same && size.get(l.parent)).map((l) => `EXISTS (SELECT 1 ${l.from})`);
    const [{ n }] = await conn.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${child.live} c WHERE ${markedSql(d, 'c', child, ownMark(child)!)}
         AND NOT EXISTS (SELECT 1 FROM ${child.sel} x WHERE ${keyJoin(d, 'x', 'c', child.key)}) AND (${ors.join(' OR ')})`,
    );
    if (Number(n)) {
      notes.push(
        `${n} row(s) of ${child.display} point at undeleted rows and are marked deleted, but hold no deletion time to tell whether they went with the same deletion: left as they are (undelete them with --table ${child.table.live.name} --undelete --keys …)`,
      );
    }
  }
  return notes;
}

/** What the preview says an undelete does, table by table: the mark only, never what it touched. */
export function undeleteNotes(tables: TableCtx[], selected: { table: string; rows: number }[]): string[] {
  const out: string[] = [];
  for (const t of tables) {
    const mark = ownMark(t);
    if (!mark || !selected.find((s) => s.table === t.display)?.rows) continue;
    const touched = mark.touches.filter((c) => c !== mark.column && t.table.live.columns.some((x) => x.name === c));
    out.push(
      `${t.display}: clears ${mark.column} (${mark.kind === 'timestamp' ? 'to NULL' : mark.kind === 'active' ? 'to true' : 'to 0'}) and writes nothing else${touched.length ? `; ${touched.join(', ')} ${touched.length === 1 ? 'keeps' : 'keep'} the values the delete wrote` : ''}`,
    );
  }
  return out;
}

/** After commit: every undeleted row is still in live and no longer carries the mark. */
export async function verifyUndelete(conn: Queryable, d: Dialect, t: TableCtx): Promise<{ checked: number; mismatched: number }> {
  const mark = ownMark(t);
  if (!mark) return { checked: 0, mismatched: 0 };
  const [r] = await conn.query<{ n: number; bad: number }>(
    `SELECT count(*) AS n, COALESCE(SUM(CASE WHEN l.${d.quoteIdent(t.key[0])} IS NULL OR ${markedSql(d, 'l', t, mark)} THEN 1 ELSE 0 END), 0) AS bad
     FROM ${t.sel} x LEFT JOIN ${t.live} l ON ${keyJoin(d, 'l', 'x', t.key)} WHERE x.crm_rescue_reason IS NULL AND x.crm_rescue_kind = 'undelete'`,
  );
  return { checked: Number(r.n), mismatched: Number(r.bad) };
}
