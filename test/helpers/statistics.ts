import type { TempDb } from './temp-db.js';

/** The planner's row count of a table: pg_class.reltuples, or InnoDB's persistent n_rows. */
export async function statRows(live: TempDb, table: string): Promise<number> {
  if (live.engine === 'postgres') {
    const [r] = await live.query<{ n: string }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass`, [`public.${table}`]);
    return Number(r.n);
  }
  const [r] = await live.query<{ n: string }>(`SELECT n_rows AS n FROM mysql.innodb_table_stats WHERE database_name = ? AND table_name = ?`, [
    live.name,
    table,
  ]);
  return Number(r.n);
}

/** Statistics that change only when asked (no autovacuum, no InnoDB auto recalculation), refreshed now. */
export async function freezeStatistics(live: TempDb, table: string): Promise<void> {
  if (live.engine === 'postgres') {
    await live.exec(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await live.exec(`ANALYZE ${table}`);
  } else {
    await live.exec(`ALTER TABLE ${table} STATS_AUTO_RECALC = 0`);
    await live.exec(`ANALYZE TABLE ${table}`);
  }
}
