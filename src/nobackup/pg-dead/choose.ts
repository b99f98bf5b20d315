import type { Queryable } from '../../dialect/queryable.js';
import { META } from './read.js';

/** Which versions to keep. */
export interface ChooseOptions {
  /** The identifying key's columns, quoted. */
  key: string[];
  /** The same columns unquoted, for messages. */
  keyNames: string[];
  /** Filter by the deleting transaction's commit time (track_commit_timestamp on). */
  window: { since: string | null; until: string | null } | null;
  /** Old versions of updated rows too (the row before the UPDATE), not only deleted rows. */
  updates: boolean;
}

/** What was chosen. */
export interface Chosen {
  /** Versions kept (one per key), bad ones included. */
  rows: number;
  /** Dead versions whose xmax committed (deleted or updated), before any other filter. */
  committed: number;
  /** Up to 5 keys whose newest version cannot be given back, with why; and how many there are. */
  bad: { key: string; reason: string }[];
  badCount: number;
}

/** `(n >> 32 << 32) + x`, one epoch back when x is past the next xid's low half: the full 64-bit xid. */
function fullXid(col: string): string {
  const x = `${col}::text::int8`;
  return `(((nx.n >> 32) << 32) + ${x} - CASE WHEN ${x} > (nx.n & 4294967295) THEN 4294967296 ELSE 0 END)`;
}

/**
 * From the work table of dead versions, builds `chosen`: the newest version per key among those
 * whose xmax is a plain (not lock-only, not multixact) transaction that committed, in the window
 * when there is one; unless `updates`, only deleted rows: not a version an UPDATE superseded
 * (pageinspect: t_ctid points elsewhere; both paths: another version of the same key was
 * written by the transaction that ended this one) and not a key that is live. Liveness comes from
 * the copied versions themselves, never from the live table: an index lookup or a scan of a
 * nearly full page prunes its dead tuples, and a later read (diff, then merge) would miss them.
 */
export async function chooseVersions(db: Queryable, work: string, chosen: string, opts: ChooseOptions): Promise<Chosen> {
  const k = opts.key;
  const byKey = k.map((c) => `s.${c}`).join(', ');
  const where = [`s.st = 'committed'`, `s.xmin_st IS DISTINCT FROM 'aborted'`];
  const params: unknown[] = [];
  if (opts.window?.since) where.push(`pg_xact_commit_timestamp(s.${META.xmax}) >= $${params.push(opts.window.since)}::timestamptz`);
  if (opts.window?.until) where.push(`pg_xact_commit_timestamp(s.${META.xmax}) <= $${params.push(opts.window.until)}::timestamptz`);
  if (!opts.updates) {
    where.push(`NOT (s.${META.next} IS NOT NULL AND s.${META.next} <> s.${META.ctid})`);
    // Another version of the key was written by the transaction that ended this one (itself aside).
    where.push(`(SELECT count(*) FROM unnest(s._crm_xmins) AS x(x) WHERE x.x = s.${META.xmax}) = CASE WHEN s.${META.xmin} = s.${META.xmax} THEN 1 ELSE 0 END`);
    where.push('NOT s._crm_live');
  }
  // Only the keys that have a version something ended (a hash semi-join: in a large table with a
  // few rows deleted, the sort below sees those few keys, not every live row's). Per key (one
  // sort, no self-join): is a version of it live (its insert did not abort and nothing committed
  // ended it), and which xids wrote its versions.
  await db.query(
    `CREATE UNLOGGED TABLE ${chosen} AS
     WITH nx AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8 AS n),
     v AS (SELECT w.*, ${fullXid(`w.${META.xmax}`)} AS _crm_xmax8, ${fullXid(`w.${META.xmin}`)} AS _crm_xmin8 FROM ${work} w, nx
            WHERE w.${META.xmax}::text <> '0'
               OR (${k.map((c) => `w.${c}`).join(', ')}) IN (SELECT ${k.join(', ')} FROM ${work} WHERE ${META.xmax}::text <> '0')),
     t AS (
       SELECT v.*, CASE WHEN v.${META.xmax}::text = '0' OR coalesce(v.${META.multi}, false) THEN NULL ELSE pg_xact_status(v._crm_xmax8::text::xid8) END AS st,
              pg_xact_status(v._crm_xmin8::text::xid8) AS xmin_st
         FROM v),
     s AS (
       SELECT t.*,
              bool_or(t.xmin_st IS DISTINCT FROM 'aborted'
                      AND (t.${META.xmax}::text = '0' OR t.st IS DISTINCT FROM 'committed' OR coalesce(t.${META.lockOnly}, false) OR coalesce(t.${META.multi}, false)))
                OVER k AS _crm_live,
              array_agg(t.${META.xmin}) OVER k AS _crm_xmins
         FROM t WINDOW k AS (PARTITION BY ${k.map((c) => `t.${c}`).join(', ')}))
     SELECT DISTINCT ON (${byKey}) s.*
       FROM s
      WHERE NOT coalesce(s.${META.lockOnly}, false) AND NOT coalesce(s.${META.multi}, false)
        AND ${where.join('\n        AND ')}
      ORDER BY ${byKey}, s._crm_xmax8 DESC, s._crm_xmin8 DESC, s.${META.ctid} DESC`,
    params,
  );
  const [{ n, bad }] = await db.query<{ n: string | number; bad: string | number }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE ${META.bad} IS NOT NULL) AS bad FROM ${chosen}`,
  );
  const label = opts.keyNames.map((name, i) => `'${name.replace(/'/g, "''")}=' || coalesce(${k[i]}::text, 'NULL')`).join(` || ',' || `);
  const badRows = Number(bad)
    ? await db.query<{ key: string; reason: string }>(
        `SELECT ${label} AS key, ${META.bad} AS reason FROM ${chosen} WHERE ${META.bad} IS NOT NULL ORDER BY ${k.join(', ')} LIMIT 5`,
      )
    : [];
  const [{ c }] = await db.query<{ c: string | number }>(
    `WITH nx AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8 AS n)
     SELECT count(*) AS c FROM ${work} w, nx
      WHERE NOT coalesce(w.${META.lockOnly}, false) AND NOT coalesce(w.${META.multi}, false)
        AND w.${META.xmax}::text <> '0' AND pg_xact_status(${fullXid(`w.${META.xmax}`)}::text::xid8) = 'committed'`,
  );
  return { rows: Number(n), committed: Number(c), bad: badRows, badCount: Number(bad) };
}
