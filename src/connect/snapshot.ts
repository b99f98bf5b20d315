import type * as mysql from 'mysql2';
import type pg from 'pg';
import type { Snapshot } from '../dialect/queryable.js';

const DEFAULT_BATCH = 1000;

/**
 * PostgreSQL: REPEATABLE READ READ ONLY on one pooled client; streams are `DECLARE … CURSOR`
 * + `FETCH FORWARD n`. The planner is told every row will be read (cursor_tuple_fraction = 1),
 * so a stream gets the plan of the plain statement, not a fast-start one.
 */
export async function pgSnapshot(pool: pg.Pool): Promise<Snapshot> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let released = false;
  let cursors = 0;
  const run = async (text: string, values: readonly unknown[] = []) => {
    try {
      return await client.query({ text, values: [...values] });
    } catch (err) {
      broken = err as Error;
      throw err;
    }
  };
  try {
    await run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await run('SET LOCAL cursor_tuple_fraction = 1');
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
  return {
    async query<T>(sqlText: string, params: readonly unknown[] = []) {
      return (await run(sqlText, params)).rows as T[];
    },
    async *stream<T>(sqlText: string, params: readonly unknown[] = [], batchSize = DEFAULT_BATCH) {
      const name = `crm_rescue_cursor_${++cursors}`;
      const n = Math.max(1, Math.floor(batchSize));
      await run(`DECLARE ${name} NO SCROLL CURSOR FOR ${sqlText}`, params);
      const fetch = () => {
        const batch = run(`FETCH FORWARD ${n} FROM ${name}`);
        batch.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        return batch;
      };
      // The next batch is asked for before this one is handed out: the server sends while the
      // reader works. At most two batches are in memory.
      let next: Promise<pg.QueryResult> | null = fetch();
      try {
        while (next) {
          const rows: unknown[] = (await next).rows;
          next = rows.length < n ? null : fetch();
          if (rows.length) yield rows as T[];
        }
      } finally {
        // Stopped early (the reader went away): the cursor goes, the transaction stays usable.
        if (next) await next.catch(() => undefined);
        if (!broken) await run(`CLOSE ${name}`).catch(() => undefined);
      }
    },
    async release() {
      if (released) return;
      released = true;
      if (!broken) await run('COMMIT').catch(() => undefined);
      client.release(broken);
    },
  };
}

/**
 * MySQL/MariaDB: START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY on one pooled connection;
 * streams are mysql2's row stream, which pauses the socket while a batch is being consumed. A
 * stream left before its end leaves unread rows on the wire: that connection is destroyed.
 */
export async function mysqlSnapshot(pool: mysql.Pool): Promise<Snapshot> {
  const conn = await new Promise<mysql.PoolConnection>((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
  let broken = false;
  let released = false;
  const run = <T>(sqlText: string, params: readonly unknown[] = []) =>
    new Promise<T[]>((resolve, reject) =>
      conn.query(sqlText, [...params], (err, rows) => {
        if (err) {
          if (err.fatal) broken = true;
          reject(err);
        } else resolve(rows as T[]);
      }),
    );
  try {
    await run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await run('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return {
    query: run,
    async *stream<T>(sqlText: string, params: readonly unknown[] = [], batchSize = DEFAULT_BATCH) {
      const n = Math.max(1, Math.floor(batchSize));
      const rows = conn.query(sqlText, [...params]).stream({ objectMode: true, highWaterMark: Math.min(n, 1000) });
      let batch: T[] = [];
      let complete = false;
      try {
        for await (const row of rows) {
          batch.push(row as T);
          if (batch.length >= n) {
            yield batch;
            batch = [];
          }
        }
        complete = true;
      } finally {
        if (!complete) broken = true;
      }
      if (batch.length) yield batch;
    },
    async release() {
      if (released) return;
      released = true;
      if (broken) {
        conn.destroy();
        return;
      }
      try {
        await run('COMMIT');
        conn.release();
      } catch {
        conn.destroy();
      }
    },
  };
}
