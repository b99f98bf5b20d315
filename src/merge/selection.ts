import type { Relation } from '../crm/relations.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';
import { diffConditions } from '../diff/sql.js';
import { planDiff } from '../diff/plan.js';
import { UserError } from '../errors.js';
import { colList, keyJoin, type TableCtx } from './context.js';
import type { MergeRequest } from './model.js';

/**
 * Creates the selection table of every merge table in the staging namespace (never in live):
 * key columns typed as staged, plus crm_rescue_op (insert|update), _kind (full|changed|soft),
 * _reason (why skipped), _live_hash (the live row when selected: "changed since diff" check) and
 * _seq: prefixed, so that a key column named op, kind, reason, live_hash or seq is just a key.
 */
export async function createSelectionTables(conn: Queryable, d: Dialect, tables: TableCtx[]): Promise<void> {
  for (const t of tables) {
    await conn.query(`DROP TABLE IF EXISTS ${t.sel}`);
    await conn.query(
      `CREATE TABLE ${t.sel} AS SELECT ${colList(d, 's', t.key)}, ${d.nullText(10)} AS crm_rescue_op, ${d.nullText(10)} AS crm_rescue_kind, ${d.nullText(200)} AS crm_rescue_reason, ${d.nullText(32)} AS crm_rescue_live_hash FROM ${t.staged} s WHERE 1 = 0`,
    );
    await conn.query(d.addSequenceColumn(t.sel, 'crm_rescue_seq'));
    const idx = d.quoteIdent(`${t.selName}_k`.slice(0, 63));
    await conn.query(`CREATE INDEX ${idx} ON ${t.sel} (${colList(d, null, t.key)})`);
    // Writes, the journal and the outcomes read the selection by ranges of crm_rescue_seq: without
    // an index (PostgreSQL's bigserial has none) each page of 2,000 outcomes scanned and sorted
    // the whole selection (100k rows: 50 scans of 100k, seconds).
    const seqIdx = d.quoteIdent(`${t.selName}_s`.slice(0, 63));
    await conn.query(`CREATE INDEX ${seqIdx} ON ${t.sel} (crm_rescue_seq)`);
  }
}

/** Gives the planner a selection table's real size (see expandRelated). */
export async function analyzeSelection(conn: Queryable, d: Dialect, t: TableCtx): Promise<void> {
  await d.analyzeTable(conn, { schema: t.selNs, name: t.selName });
}

/** Drops the selection tables (after the merge, and on failure). */
export async function dropSelectionTables(conn: Queryable, tables: TableCtx[]): Promise<void> {
  for (const t of tables) await conn.query(`DROP TABLE IF EXISTS ${t.sel}`).catch(() => undefined);
}

/** Fills the root table's selection from the request's selections (a union, no duplicates). */
export async function selectRoot(conn: Queryable, d: Dialect, root: TableCtx, req: MergeRequest): Promise<void> {
  const { staged, live } = root.table;
  const plan = planDiff({ staged, live, key: root.key, softDelete: root.table.softDelete ?? null });
  const cond = diffConditions(d, plan);
  // A row already selected by an earlier selection of the union is not selected twice. The
  // first fills an empty table: the check would only cost (MySQL copies a SELECT that reads the
  // table it inserts into to a temporary table first).
  let filled = false;
  const notYet = () => (filled ? `NOT EXISTS (SELECT 1 FROM ${root.sel} x WHERE ${keyJoin(d, 'x', 's', root.key)})` : '1 = 1');
  const extra = req.where ? ` AND (${req.where})` : '';
  const hash = d.rowHash(
    'l',
    root.writable.map((c) => ({ name: c.name, dataType: c.dataType })),
  );
  const ins = (select: string) => `INSERT INTO ${root.sel} (${colList(d, null, root.key)}, crm_rescue_op, crm_rescue_kind, crm_rescue_live_hash) ${select}`;
  const keysOf = colList(d, 's', root.key);
  const S = `(SELECT * FROM ${root.staged} s0${req.where ? ` WHERE (${req.where})` : ''})`;
  for (const sel of req.selections) {
    switch (sel.kind) {
      case 'deleted':
        // An anti-join as LEFT JOIN … IS NULL: MariaDB runs NOT EXISTS as a dependent subquery
        // per staged row (1M rows: half again as long); PostgreSQL plans both as an anti-join.
        // The key is never NULL in a live row the join found.
        await conn.query(
          ins(
            `SELECT ${keysOf}, 'insert', 'full', NULL FROM ${S} s LEFT JOIN ${root.live} l ON ${cond.on} WHERE l.${d.quoteIdent(root.key[0])} IS NULL AND ${notYet()} ORDER BY ${keysOf}`,
          ),
        );
        break;
      case 'soft-deleted':
        if (!plan.softDelete) {
          throw new UserError(
            `table ${root.display} has no soft-delete column that crm-rescue knows`,
            'Use --changed (optionally --columns) to revert the columns instead',
          );
        }
        await conn.query(
          ins(
            `SELECT ${keysOf}, 'update', 'soft', ${hash} FROM ${S} s JOIN ${root.live} l ON ${cond.on} WHERE ${cond.soft} AND ${notYet()} ORDER BY ${keysOf}`,
          ),
        );
        break;
      case 'changed': {
        const cplan = planDiff({
          staged,
          live,
          key: root.key,
          softDelete: root.table.softDelete ?? null,
          ...(sel.columns?.length && { columns: sel.columns }),
        });
        const c = diffConditions(d, cplan);
        await conn.query(
          ins(
            `SELECT ${keysOf}, 'update', 'changed', ${hash} FROM ${S} s JOIN ${root.live} l ON ${c.on} WHERE ${c.changed} AND NOT ${c.soft} AND ${notYet()} ORDER BY ${keysOf}`,
          ),
        );
        break;
      }
      case 'where':
        await conn.query(ins(`SELECT ${keysOf}, 'insert', 'full', NULL FROM ${root.staged} s WHERE (${sel.where})${extra} AND ${notYet()} ORDER BY ${keysOf}`));
        break;
      case 'keys':
        await loadKeys(conn, d, root, sel.keys, {
          op: 'insert',
          kind: 'full',
          source: root.staged,
          where: `backup's ${root.display}`,
          hint: 'Check the keys (crm-rescue diff lists the deleted ones)',
        });
        break;
      case 'undelete':
        throw new Error('an undelete selects live rows: selectUndelete');
    }
    filled = true;
  }
}

/**
 * Loads explicit keys into a selection table (op and kind as given); every key must be a row of
 * `source` (staging, or live for an undelete), else a UserError names the first ones.
 */
export async function loadKeys(
  conn: Queryable,
  d: Dialect,
  root: TableCtx,
  keys: Record<string, unknown>[],
  as: { op: 'insert' | 'update'; kind: 'full' | 'undelete'; source: string; where: string; hint: string },
): Promise<void> {
  const batch = 500;
  for (let i = 0; i < keys.length; i += batch) {
    const part = keys.slice(i, i + batch);
    const params: unknown[] = [];
    const rows = part.map(
      (k) =>
        `(${root.key
          .map((c) => {
            if (!(c in k)) throw new UserError(`key ${JSON.stringify(k)} has no value for "${c}"`, `Keys of ${root.display} are (${root.key.join(', ')})`);
            params.push(k[c]);
            return d.placeholder(params.length);
          })
          .join(', ')}, '${as.op}', '${as.kind}')`,
    );
    await conn.query(`INSERT INTO ${root.sel} (${colList(d, null, root.key)}, crm_rescue_op, crm_rescue_kind) VALUES ${rows.join(', ')}`, params);
  }
  // Duplicates given twice are harmless but would be written twice: keep the first.
  const missing = await conn.query<Record<string, unknown>>(
    `SELECT ${colList(d, 'x', root.key)} FROM ${root.sel} x WHERE NOT EXISTS (SELECT 1 FROM ${as.source} s WHERE ${keyJoin(d, 's', 'x', root.key)}) LIMIT 5`,
  );
  if (missing.length) {
    throw new UserError(
      `${missing.length === 5 ? 'at least 5 keys are' : `${missing.length} key(s) ${missing.length === 1 ? 'is' : 'are'}`} not in the ${as.where}: ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
      as.hint,
    );
  }
  const dups = await conn.query(`SELECT 1 FROM ${root.sel} GROUP BY ${colList(d, null, root.key)} HAVING count(*) > 1 LIMIT 1`);
  if (dups.length) throw new UserError('the same key is given more than once', 'Give each key once');
}

/**
 * --with-related: brings rows of related staged tables along, until nothing changes: children
 * of selected rows that are gone from live (a contact's relation rows and notes), children of
 * rows being brought back that live only flagged as deleted (the relation rows a CRM flags with
 * the record, SuiteCRM's `accounts_contacts.deleted`: their mark comes back as with
 * --soft-deleted), and parents of brought-back rows that are gone from live too (the other side
 * of a relation table).
 */
export async function expandRelated(conn: Queryable, d: Dialect, tables: TableCtx[], relations: Relation[]): Promise<number> {
  const byId = new Map(tables.map((t) => [`${t.table.live.schema}\0${t.table.live.name}`, t]));
  const find = (r: { schema: string; name: string }) => byId.get(`${r.schema}\0${r.name}`);
  // Rows selected per table, kept current: a relation whose source selection is empty cannot
  // bring anything, so its statements are skipped (with many staged tables, most relations).
  const size = new Map<TableCtx, number>();
  const recount = async (t: TableCtx) => {
    const n = Number((await conn.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.sel}`))[0].n);
    // A selection table is new and has no statistics: the planner takes it for a few rows and
    // joins the next relation's thousands of staged rows to it by nested loop over a seq scan
    // (the demo's 2,331 contacts: 11 s for one INSERT). Statistics once it holds rows: ~1 ms.
    if (n && n !== size.get(t)) await analyzeSelection(conn, d, t);
    size.set(t, n);
  };
  for (const t of tables) await recount(t);
  const count = () => [...size.values()].reduce((a, b) => a + b, 0);
  let before = count();
  const start = before;
  for (let round = 0; round < 6; round++) {
    for (const r of relations) {
      const parent = find(r.parent);
      const child = find(r.child);
      if (!parent || !child) continue;
      const fk = r.childColumns.map((c, i) => `c.${d.quoteIdent(c)} = p.${d.quoteIdent(r.parentColumns[i])}`).join(' AND ');
      const disc = r.discriminator ? ` AND c.${d.quoteIdent(r.discriminator.column)} = ${d.quoteLiteral(r.discriminator.value)}` : '';
      if (size.get(parent)) {
        // Children of selected parents, missing from live.
        await conn.query(
          `INSERT INTO ${child.sel} (${colList(d, null, child.key)}, crm_rescue_op, crm_rescue_kind)
           SELECT DISTINCT ${colList(d, 'c', child.key)}, 'insert', 'full'
           FROM ${child.staged} c JOIN ${parent.staged} p ON ${fk}${disc} JOIN ${parent.sel} sp ON ${keyJoin(d, 'sp', 'p', parent.key)}
           WHERE NOT EXISTS (SELECT 1 FROM ${child.live} l WHERE ${keyJoin(d, 'l', 'c', child.key)})
             AND NOT EXISTS (SELECT 1 FROM ${child.sel} x WHERE ${keyJoin(d, 'x', 'c', child.key)})`,
        );
        // Children of rows being brought back (inserted, or their own mark restored) that live
        // only flagged as deleted since the backup: restore the mark as --soft-deleted does.
        const soft = softChildren(d, child);
        if (soft) {
          const sfk = r.childColumns.map((c, i) => `s.${d.quoteIdent(c)} = p.${d.quoteIdent(r.parentColumns[i])}`).join(' AND ');
          const sdisc = r.discriminator ? ` AND s.${d.quoteIdent(r.discriminator.column)} = ${d.quoteLiteral(r.discriminator.value)}` : '';
          await conn.query(
            `INSERT INTO ${child.sel} (${colList(d, null, child.key)}, crm_rescue_op, crm_rescue_kind, crm_rescue_live_hash)
             SELECT DISTINCT ${colList(d, 's', child.key)}, 'update', 'soft', ${soft.hash}
             FROM ${child.staged} s JOIN ${parent.staged} p ON ${sfk}${sdisc} JOIN ${parent.sel} sp ON ${keyJoin(d, 'sp', 'p', parent.key)}
               JOIN ${child.live} l ON ${soft.on}
             WHERE (sp.crm_rescue_op = 'insert' OR sp.crm_rescue_kind = 'soft') AND ${soft.cond}
               AND NOT EXISTS (SELECT 1 FROM ${child.sel} x WHERE ${keyJoin(d, 'x', 's', child.key)})`,
          );
        }
        await recount(child);
      }
      if (size.get(child)) {
        // Parents of rows being inserted, missing from live (but in the backup).
        await conn.query(
          `INSERT INTO ${parent.sel} (${colList(d, null, parent.key)}, crm_rescue_op, crm_rescue_kind)
           SELECT DISTINCT ${colList(d, 'p', parent.key)}, 'insert', 'full'
           FROM ${child.sel} sc JOIN ${child.staged} c ON ${keyJoin(d, 'sc', 'c', child.key)} JOIN ${parent.staged} p ON ${fk}${disc}
           WHERE sc.crm_rescue_op = 'insert'
             AND NOT EXISTS (SELECT 1 FROM ${parent.live} l WHERE ${keyJoin(d, 'l', 'p', parent.key)})
             AND NOT EXISTS (SELECT 1 FROM ${parent.sel} x WHERE ${keyJoin(d, 'x', 'p', parent.key)})`,
        );
        await recount(parent);
      }
    }
    const now = count();
    if (now === before) break;
    before = now;
  }
  return before - start;
}

/**
 * The soft-delete condition of a related table over aliases `s` (staged) and `l` (live), when
 * the table carries its own mark (not one kept on another row, like vtiger's module tables).
 */
function softChildren(d: Dialect, t: TableCtx): { on: string; cond: string; hash: string } | null {
  const mark = t.table.softDelete;
  if (!mark || mark.via) return null;
  const plan = planDiff({ staged: t.table.staged, live: t.table.live, key: t.key, softDelete: mark });
  if (!plan.softDelete) return null;
  const c = diffConditions(d, plan);
  return {
    on: c.on,
    cond: c.soft,
    hash: d.rowHash(
      'l',
      t.writable.map((x) => ({ name: x.name, dataType: x.dataType })),
    ),
  };
}
