import { describeHolder } from '../connect/lock-wait.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';

/**
 * Merges and undos of the same live table run one at a time: each takes crm-rescue's own lock
 * per table it writes (PostgreSQL advisory lock, MySQL GET_LOCK) at the start of its
 * transaction, before it looks at which keys live already holds, and keeps it until the
 * transaction ends. A second merge of the same rows waits, then finds them present.
 */
export interface TableLocks {
  /** Takes the locks of these tables, in one global order (no two merges deadlock), waiting at most `seconds` each. */
  take(tables: { schema: string; name: string }[], seconds: number): Promise<void>;
  /** Releases what outlives the transaction (MySQL); call after COMMIT or ROLLBACK. */
  release(): Promise<void>;
}

/** The lock name of a live table: one per database and table, whatever the connection. */
export function tableLockName(database: string, table: { schema: string; name: string }): string {
  return `crm-rescue write\0${database}\0${table.schema}\0${table.name}`;
}

/** Table locks on one connection (the transaction's). */
export function tableLocks(conn: Queryable, d: Dialect, database: string): TableLocks {
  const held: string[] = [];
  return {
    async take(tables, seconds) {
      const wanted = [...new Map(tables.map((t) => [tableLockName(database, t), `${t.schema}.${t.name}`])).entries()].sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      for (const [name, display] of wanted) {
        if (held.includes(name)) continue;
        if (await d.takeNamedLock(conn, name, seconds)) {
          held.push(name);
          continue;
        }
        const holder = await d.namedLockHolder(conn, name).catch(() => null);
        throw new UserError(
          `another crm-rescue merge or undo of ${display} is running${holder ? ` (${describeHolder(holder)})` : ''} and did not finish within ${seconds} s; nothing was written`,
          'This is temporary: try again when it has finished (crm-rescue merges lists merges)',
        );
      }
    },
    async release() {
      while (held.length) {
        const name = held.pop()!;
        await d.releaseNamedLock(conn, name).catch(() => undefined);
      }
    },
  };
}
