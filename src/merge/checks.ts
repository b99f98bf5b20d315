import type { Relation } from '../crm/relations.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';
import { colList, keyJoin, type TableCtx } from './context.js';
import { MergeConflictError } from './errors.js';
import type { ConflictPolicy, SkipReason } from './model.js';

/** Column names that hold identifiers an erasure request may name. */
const ERASABLE = /e-?mail|^email|mail_?address|phone|mobile/i;

/**
 * Marks every selected row that must not be written, inside the write transaction (so what is
 * checked is what is written), then applies the policy: abort throws, skip keeps the marks,
 * overwrite turns "key exists" / "changed since diff" rows into full updates.
 * Tables must come parents first: a parent row skipped makes its children's parent missing.
 */
export async function checkConflicts(
  conn: Queryable,
  d: Dialect,
  tables: TableCtx[],
  relations: Relation[],
  policy: ConflictPolicy,
  erasures: string | null,
): Promise<void> {
  // Most checks find nothing: a read finds that out for less than an UPDATE that goes through
  // (and on InnoDB locks) every selected row (100k rows to insert on MariaDB: seconds). Only
  // this connection writes the selection table, so what the read found is what the UPDATE marks;
  // a live row that appears in between makes the write fail on its key and roll back, as it
  // would after the UPDATE.
  const mark = async (t: TableCtx, reason: SkipReason, cond: string) => {
    const where = `x.crm_rescue_reason IS NULL AND ${cond}`;
    if (!(await conn.query(`SELECT 1 AS found FROM ${t.sel} x WHERE ${where} LIMIT 1`)).length) return;
    await conn.query(`UPDATE ${t.sel} x SET crm_rescue_reason = ${d.quoteLiteral(reason)} WHERE ${where}`);
  };
  const byId = new Map(tables.map((t) => [`${t.table.live.schema}\0${t.table.live.name}`, t]));

  for (const t of tables) {
    const inLive = `EXISTS (SELECT 1 FROM ${t.live} l WHERE ${keyJoin(d, 'l', 'x', t.key)})`;
    // People who asked to be erased never come back, whatever the policy.
    if (erasures) {
      const cols = t.table.staged.columns.filter((c) => ERASABLE.test(c.name) && /char|text/i.test(c.dataType));
      if (cols.length) {
        const hashes = cols.map((c) => d.sha256Hex(`lower(trim(s.${d.quoteIdent(c.name)}))`)).join(', ');
        await mark(t, 'erasure', `EXISTS (SELECT 1 FROM ${t.staged} s JOIN ${erasures} e ON e.h IN (${hashes}) WHERE ${keyJoin(d, 's', 'x', t.key)})`);
      }
    }
    // Lock the live rows about to be updated, then compare them with what the diff saw.
    await conn.query(`SELECT 1 FROM ${t.live} l JOIN ${t.sel} x ON ${keyJoin(d, 'l', 'x', t.key)} WHERE x.crm_rescue_op = 'update' ${d.forUpdateOf('l')}`);
    const hash = d.rowHash(
      'l',
      t.writable.map((c) => ({ name: c.name, dataType: c.dataType })),
    );
    await mark(
      t,
      'changed-since-diff',
      `x.crm_rescue_op = 'update' AND NOT EXISTS (SELECT 1 FROM ${t.live} l WHERE ${keyJoin(d, 'l', 'x', t.key)} AND ${hash} = x.crm_rescue_live_hash)`,
    );
    await mark(t, 'key-exists', `x.crm_rescue_op = 'insert' AND ${inLive}`);
    if (policy === 'overwrite') {
      // An undelete row edited since the preview still only gets its mark cleared.
      await conn.query(
        `UPDATE ${t.sel} x SET crm_rescue_reason = NULL, crm_rescue_op = 'update', crm_rescue_kind = CASE WHEN x.crm_rescue_kind = 'undelete' THEN x.crm_rescue_kind ELSE 'full' END WHERE x.crm_rescue_reason IN ('key-exists', 'changed-since-diff') AND ${inLive}`,
      );
    }
    // Another unique key of live already holds the values of a row to insert.
    const writes = t.writable.map((c) => c.name);
    for (const uk of [t.table.live.primaryKey, ...t.table.live.uniqueKeys]) {
      if (!uk || sameCols(uk.columns, t.key) || !uk.columns.every((c) => writes.includes(c))) continue;
      const on = uk.columns.map((c) => `l.${d.quoteIdent(c)} = s.${d.quoteIdent(c)}`).join(' AND ');
      await mark(
        t,
        'unique-collision',
        `x.crm_rescue_kind = 'full' AND EXISTS (SELECT 1 FROM ${t.staged} s JOIN ${t.live} l ON ${on} WHERE ${keyJoin(d, 's', 'x', t.key)} AND NOT (${keyJoin(d, 'l', 's', t.key)}))`,
      );
    }
    // A parent row that is neither in live nor written before this table.
    for (const r of relations) {
      if (r.child.schema !== t.table.live.schema || r.child.name !== t.table.live.name) continue;
      if (r.parent.schema === r.child.schema && r.parent.name === r.child.name) continue;
      if (!r.childColumns.every((c) => writes.includes(c))) continue;
      const parent = byId.get(`${r.parent.schema}\0${r.parent.name}`);
      // Implied relations are only trusted where the backup itself had the parent row.
      if (r.source === 'implied' && !parent) continue;
      const parentLive = d.quoteQualified(r.parent.schema, r.parent.name);
      const fk = (alias: string) => r.childColumns.map((c, i) => `${alias}.${d.quoteIdent(r.parentColumns[i])} = s.${d.quoteIdent(c)}`).join(' AND ');
      const notNull = r.childColumns.map((c) => `s.${d.quoteIdent(c)} IS NOT NULL`).join(' AND ');
      const disc = r.discriminator ? ` AND s.${d.quoteIdent(r.discriminator.column)} = ${d.quoteLiteral(r.discriminator.value)}` : '';
      const inPlan = parent
        ? ` AND NOT EXISTS (SELECT 1 FROM ${parent.sel} ps JOIN ${parent.staged} p ON ${keyJoin(d, 'ps', 'p', parent.key)} WHERE ps.crm_rescue_reason IS NULL AND ${fk('p')})`
        : '';
      const backupHadIt = r.source === 'implied' && parent ? ` AND EXISTS (SELECT 1 FROM ${parent.staged} p2 WHERE ${fk('p2')})` : '';
      await mark(
        t,
        'missing-parent',
        `x.crm_rescue_kind NOT IN ('soft', 'undelete') AND EXISTS (SELECT 1 FROM ${t.staged} s WHERE ${keyJoin(d, 's', 'x', t.key)} AND ${notNull}${disc}
           AND NOT EXISTS (SELECT 1 FROM ${parentLive} p WHERE ${fk('p')})${inPlan}${backupHadIt})`,
      );
    }
  }
  if (policy === 'skip') return;
  const conflicts: { table: string; key: Record<string, unknown>; reason: string }[] = [];
  let total = 0;
  for (const t of tables) {
    const [{ n }] = await conn.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${t.sel} x WHERE x.crm_rescue_reason IS NOT NULL AND x.crm_rescue_reason <> 'erasure'`,
    );
    total += Number(n);
    if (Number(n) && conflicts.length < 20) {
      const rows = await conn.query<Record<string, unknown>>(
        `SELECT ${colList(d, 'x', t.key)}, x.crm_rescue_reason FROM ${t.sel} x WHERE x.crm_rescue_reason IS NOT NULL AND x.crm_rescue_reason <> 'erasure' ORDER BY x.crm_rescue_seq LIMIT ${20 - conflicts.length}`,
      );
      for (const r of rows) conflicts.push({ table: t.display, key: Object.fromEntries(t.key.map((k) => [k, r[k]])), reason: String(r.crm_rescue_reason) });
    }
  }
  if (total) {
    const first = conflicts[0];
    throw new MergeConflictError(
      `${total} row(s) conflict (policy ${policy}); nothing was written. First: ${first.table} ${JSON.stringify(first.key)} ${first.reason}`,
      conflicts,
      policy === 'overwrite'
        ? 'Only "key-exists" and "changed-since-diff" rows can be overwritten; use --on-conflict skip to leave the others out'
        : 'Use --on-conflict skip to leave them out, or overwrite to replace live rows with the backup',
    );
  }
}

function sameCols(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
