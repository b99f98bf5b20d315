import type { Dialect } from '../dialect/dialect.js';
import { describeTrigger, triggerFires, type TriggerBypass, type TriggerInfo } from '../dialect/live.js';
import type { ForeignKeyInfo } from '../dialect/model.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';
import { colList, keyJoin, type TableCtx } from './context.js';
import type { TriggerUse } from './model.js';
import { verifyUndelete, ownMark } from './undelete.js';
import { updateColumns } from './write.js';

/** Rows of one table that do not hold what was written. */
export interface Mismatch {
  table: string;
  rows: number;
  /** Columns that differ, most rows first. */
  columns: string[];
  /** The first such row's key. */
  first: Record<string, unknown> | null;
}

/** What the in-transaction check found. */
export interface WriteCheck {
  checked: number;
  mismatched: number;
  details: Mismatch[];
}

/**
 * Inside the write transaction, after every write and before COMMIT (or the dry run's
 * ROLLBACK): every written row must equal its source in the columns written — the backup's
 * values, or for an undelete the cleared mark. Whatever changed them (a trigger, a rule, a
 * column type) shows here, while the transaction can still be rolled back.
 */
export async function verifyWrites(conn: Queryable, d: Dialect, tables: TableCtx[], changedColumns?: string[]): Promise<WriteCheck> {
  const out: WriteCheck = { checked: 0, mismatched: 0, details: [] };
  for (const t of tables) {
    const u = await verifyUndelete(conn, d, t);
    out.checked += u.checked;
    if (u.mismatched) {
      out.mismatched += u.mismatched;
      out.details.push({ table: t.display, rows: u.mismatched, columns: [ownMark(t)?.column ?? '?'], first: null });
    }
    for (const kind of ['full', 'changed', 'soft'] as const) {
      const names = kind === 'full' ? t.writable.map((c) => c.name) : updateColumns(t, kind, changedColumns);
      const cols = t.writable.filter((c) => names.includes(c.name));
      const stagedType = new Map(t.table.staged.columns.map((c) => [c.name, c.dataType]));
      const differs = cols.map((c) =>
        d.distinctValue(`s.${d.quoteIdent(c.name)}`, `l.${d.quoteIdent(c.name)}`, stagedType.get(c.name) ?? c.dataType, c.dataType),
      );
      const missing = `l.${d.quoteIdent(t.key[0])} IS NULL`;
      const bad = `(${[missing, ...differs].join(' OR ')})`;
      const from = `FROM ${t.sel} x JOIN ${t.staged} s ON ${keyJoin(d, 's', 'x', t.key)} LEFT JOIN ${t.live} l ON ${keyJoin(d, 'l', 'x', t.key)}
        WHERE x.crm_rescue_reason IS NULL AND x.crm_rescue_kind = '${kind}'`;
      // A key may match several live rows (a table without a primary key): rows are counted once.
      const [r] = await conn.query<{ n: number; bad: number }>(
        `SELECT count(DISTINCT x.crm_rescue_seq) AS n, count(DISTINCT CASE WHEN ${bad} THEN x.crm_rescue_seq END) AS bad ${from}`,
      );
      out.checked += Number(r.n);
      if (!Number(r.bad)) continue;
      out.mismatched += Number(r.bad);
      const [per] = await conn.query<Record<string, unknown>>(
        `SELECT SUM(CASE WHEN ${missing} THEN 1 ELSE 0 END) AS m_missing${differs.map((e, i) => `, SUM(CASE WHEN NOT ${missing} AND ${e} THEN 1 ELSE 0 END) AS m_${i}`).join('')} ${from}`,
      );
      const columns = cols
        .map((c, i) => ({ name: c.name, n: Number(per[`m_${i}`] ?? 0) }))
        .filter((c) => c.n > 0)
        .sort((a, b) => b.n - a.n)
        .map((c) => c.name);
      if (Number(per.m_missing)) columns.unshift('(row missing)');
      const [first] = await conn.query<Record<string, unknown>>(`SELECT ${colList(d, 'x', t.key)} ${from} AND ${bad} ORDER BY x.crm_rescue_seq LIMIT 1`);
      out.details.push({ table: t.display, rows: Number(r.bad), columns, first: first ? Object.fromEntries(t.key.map((k) => [k, first[k]])) : null });
    }
  }
  return out;
}

/** The table's triggers on these events: fired, or skipped when `skipping` (those that fire even then are fired). */
export function triggerUses(triggers: TriggerInfo[], events: ('INSERT' | 'UPDATE' | 'DELETE')[], skipping: boolean): TriggerUse[] {
  const out: TriggerUse[] = [];
  for (const t of triggers) {
    const on = events.filter((e) => t.events.includes(e));
    if (!on.length || t.firing === 'never') continue;
    const fired = on.some((e) => triggerFires(t, e, skipping));
    if (!fired && !skipping) continue;
    out.push({ name: t.name, timing: t.timing, events: on, fired });
  }
  return out;
}

/** `t_norm (BEFORE INSERT)`, for a trigger use. */
export function describeUse(u: TriggerUse): string {
  return describeTrigger({
    name: u.name,
    timing: u.timing as TriggerInfo['timing'],
    events: u.events as TriggerInfo['events'],
    level: 'row',
    firing: 'normally',
  });
}

/**
 * The error of a write whose rows do not hold the source's values: which table, how many rows,
 * which columns, and the triggers that fire on those writes; the hint says how to go on (skip
 * the triggers where the engine and the user can, else what to do instead).
 */
export function mismatchError(
  phase: string,
  check: WriteCheck,
  triggers: Map<string, TriggerUse[]>,
  bypass: TriggerBypass,
  skipping: boolean,
  source: 'backup' | 'journal',
): UserError {
  const worst = check.details[0];
  const others = check.details.length > 1 ? ` (and ${check.details.length - 1} more table/kind(s))` : '';
  const fired = check.details.flatMap((m) => (triggers.get(m.table) ?? []).filter((u) => u.fired).map((u) => ({ table: m.table, use: u })));
  const unique = [...new Map(fired.map((f) => [`${f.table}\0${f.use.name}`, f])).values()];
  const what = `after the write, ${worst.rows} row(s) of ${worst.table} differ from the ${source === 'backup' ? 'backup' : "journal's values"} in ${worst.columns.join(', ')}${worst.first ? ` (first ${JSON.stringify(worst.first)})` : ''}${others}`;
  const cause = unique.length
    ? `trigger(s) that fire on these writes: ${unique.map((f) => `${describeUse(f.use)} on ${f.table}`).join(', ')}`
    : 'no trigger fires on these writes: the server itself changed the values (a rule, a column type or default)';
  const message = `${phase} rolled back, live data is unchanged: ${what}; ${cause}`;
  let hint: string;
  if (!unique.length) {
    hint =
      source === 'backup'
        ? 'crm-rescue diff shows how the backup and live differ; fix the column (or leave these rows out) and run again'
        : "Check the table's rules and column types; nothing was undone";
  } else if (skipping) hint = 'These triggers fire even with --without-triggers (ENABLE ALWAYS); disable them while merging, or leave these rows out';
  else if ('statement' in bypass)
    hint = "Re-run with --without-triggers to write the exact values with the tables' triggers skipped for this transaction (recorded in the journal)";
  else hint = `--without-triggers would skip them, but ${bypass.refused}: disable the trigger(s) while merging, or leave these rows out`;
  return new UserError(message, hint);
}

/**
 * With triggers skipped the server checks no foreign key: before COMMIT, every written row's
 * declared foreign keys (among the columns written) must find their parent row.
 */
export async function checkWrittenForeignKeys(conn: Queryable, d: Dialect, tables: TableCtx[], phase: string): Promise<void> {
  for (const t of tables) {
    const written = new Set(t.writable.map((c) => c.name));
    for (const fk of t.table.live.foreignKeys) {
      if (!fk.columns.every((c) => written.has(c))) continue;
      const n = await orphans(conn, d, fk, `${t.sel} x JOIN ${t.live} c ON ${keyJoin(d, 'c', 'x', t.key)}`, 'x.crm_rescue_reason IS NULL');
      if (n) {
        throw new UserError(
          `${phase} rolled back, live data is unchanged: with triggers skipped the server checks no foreign key, and ${n} written row(s) of ${t.display} have no ${fk.refSchema}.${fk.refTable} row for ${fk.name}`,
          'Bring the parent rows along (--with-related), or leave these rows out',
        );
      }
    }
  }
}

/** Rows of `from` (child alias c) whose foreign key `fk` is set and finds no parent row. */
export async function orphans(conn: Queryable, d: Dialect, fk: ForeignKeyInfo, from: string, where: string): Promise<number> {
  const set = fk.columns.map((c) => `c.${d.quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const match = fk.columns.map((c, i) => `p.${d.quoteIdent(fk.refColumns[i])} = c.${d.quoteIdent(c)}`).join(' AND ');
  const [r] = await conn.query<{ n: number }>(
    `SELECT count(*) AS n FROM ${from} WHERE ${where} AND ${set} AND NOT EXISTS (SELECT 1 FROM ${d.quoteQualified(fk.refSchema, fk.refTable)} p WHERE ${match})`,
  );
  return Number(r.n);
}
