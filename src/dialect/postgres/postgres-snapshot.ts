import type { Db } from '../../connect/open.js';

/** A read-only REPEATABLE READ transaction whose snapshot was exported for pg_dump --snapshot. */
export interface SnapshotSession {
  /** The id to hand to `pg_dump --snapshot`. */
  snapshot: string;
  /** Runs a query inside the snapshot. */
  query<T>(sqlText: string): Promise<T[]>;
  /** Cancels the query running in the session (from another connection), e.g. a count waiting for a lock. */
  cancel(): Promise<void>;
  /** Ends the transaction and returns the connection. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens one connection of the pool, starts a read-only REPEATABLE READ transaction and exports
 * its snapshot. Queries run here see exactly what pg_dump dumps, so row counts are exact for
 * the dump, at the cost of a count(*) per table.
 */
export async function openSnapshotSession(db: Db): Promise<SnapshotSession> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  return new Promise<SnapshotSession>((resolve, reject) => {
    let opened = false;
    // Its own BEGIN, not db.transaction: the snapshot needs REPEATABLE READ and is never committed.
    const run = db.withConnection(async (conn) => {
      const q = <T>(text: string) => conn.query<T>(text);
      await q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        await q('SET LOCAL max_parallel_workers_per_gather = 0');
        const [{ snapshot, pid }] = await q<{ snapshot: string; pid: number }>('SELECT pg_export_snapshot() AS snapshot, pg_backend_pid() AS pid');
        opened = true;
        resolve({
          snapshot,
          query: q,
          cancel: async () => {
            await db.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
          },
          close: async () => {
            release();
            await run.catch(() => undefined);
          },
        });
        await released;
      } finally {
        await q('ROLLBACK').catch(() => undefined);
      }
    });
    run.catch((err: unknown) => {
      if (!opened) reject(err);
    });
  });
}
