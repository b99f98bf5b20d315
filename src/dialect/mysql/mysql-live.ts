import { createHash } from 'node:crypto';
import type { LockHolder, TriggerBypass, TriggerInfo } from '../live.js';
import type { Queryable } from '../queryable.js';

/** GET_LOCK names are server-wide and at most 64 characters: a prefix and 40 hex digits of the name's sha256. */
function lockName(name: string): string {
  return `crm_rescue:${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
}

/** ER_LOCK_WAIT_TIMEOUT (1205): innodb_lock_wait_timeout on a row, or lock_wait_timeout on a metadata lock. */
function myLockTimeout(err: unknown): { tables: string[] } | null {
  for (let e = err as { errno?: number; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.errno === 1205) return { tables: [] };
  }
  return null;
}

interface ProcessRow {
  session: number;
  user: string | null;
  host: string | null;
  since: string | null;
  seconds: number | null;
  state: string | null;
  trx: number | null;
  db: string | null;
}

const processColumns = `p.ID AS session, p.USER AS user, p.HOST AS host, p.DB AS db,
  CONCAT(DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL p.TIME SECOND, '%Y-%m-%d %H:%i:%s'), ' UTC') AS since, p.TIME AS seconds,
  TRIM(CONCAT(p.COMMAND, ' ', COALESCE(p.STATE, ''), ' ', COALESCE(LEFT(p.INFO, 60), ''))) AS state`;

const toHolder = (r: ProcessRow, extra: Partial<LockHolder>): LockHolder => ({
  session: Number(r.session),
  user: r.user ?? null,
  application: null,
  host: r.host ?? null,
  since: r.since ?? null,
  seconds: r.seconds === null ? null : Number(r.seconds),
  table: null,
  mode: null,
  state: r.state || null,
  certain: false,
  ...extra,
});

/** MySQL/MariaDB's side of live-server safety: lock waits, named locks, triggers. */
export const mysqlLive = {
  sessionLockTimeouts: (seconds: number): string[] => {
    const s = Math.max(1, Math.round(seconds));
    return [`SET SESSION lock_wait_timeout = ${s}, innodb_lock_wait_timeout = ${s}`];
  },

  lockTimeout: myLockTimeout,

  lockHolders: async (db: Queryable, options: { tables: string[]; exclude: number[] }): Promise<LockHolder[]> => {
    const exclude = options.exclude.length ? options.exclude : [0];
    const [{ current }] = await db.query<{ current: string | null }>('SELECT DATABASE() AS `current`');
    // Which of the tables is in use by someone (a LOCK TABLES, a running statement).
    const named = options.tables.map((t) => (t.includes('.') ? t : `${current ?? ''}.${t}`));
    const inUse: string[] = [];
    for (const schema of new Set(named.map((t) => t.slice(0, t.indexOf('.'))))) {
      const rows = await db.query<Record<string, unknown>>(`SHOW OPEN TABLES FROM \`${schema.replace(/`/g, '``')}\` WHERE In_use > 0`).catch(() => []);
      for (const r of rows) {
        const t = `${schema}.${String(r.Table)}`;
        if (named.includes(t)) inUse.push(t);
      }
    }
    const table = inUse[0] ?? null;
    // MariaDB's METADATA_LOCK_INFO plugin names the holder of a table lock exactly.
    const [plugin] = await db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'",
    );
    if (Number(plugin.n) && inUse.length) {
      const rows = await db.query<ProcessRow & { mode: string; tbl: string }>(
        `SELECT ${processColumns}, NULL AS trx, m.LOCK_MODE AS mode, CONCAT(m.TABLE_SCHEMA, '.', m.TABLE_NAME) AS tbl
         FROM information_schema.METADATA_LOCK_INFO m JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID
         WHERE CONCAT(m.TABLE_SCHEMA, '.', m.TABLE_NAME) IN (${inUse.map(() => '?').join(', ')})
           AND p.ID <> CONNECTION_ID() AND p.ID NOT IN (${exclude.map(() => '?').join(', ')})
         ORDER BY p.TIME DESC`,
        [...inUse, ...exclude],
      );
      if (rows.length) return rows.map((r) => toHolder(r, { table: r.tbl, mode: r.mode, certain: true }));
    }
    // Otherwise the sessions on these databases: those holding InnoDB locks first, then the
    // others (a LOCK TABLES holder shows only as a connection there), longest first. Sessions
    // that are themselves waiting for a lock come last: while several wait for the same table,
    // the one holding it is not among them.
    const dbs = [...new Set([current, ...named.map((n) => n.slice(0, n.indexOf('.')))].filter((x): x is string => Boolean(x)))];
    const rows = await db.query<ProcessRow>(
      `SELECT ${processColumns}, COALESCE(t.trx_rows_locked, 0) + COALESCE(t.trx_tables_locked, 0) AS trx
       FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
       WHERE p.ID <> CONNECTION_ID() AND p.ID NOT IN (${exclude.map(() => '?').join(', ')})
         AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID') AND p.USER NOT IN ('system user', 'event_scheduler')
         AND p.DB IN (${dbs.map(() => '?').join(', ') || 'NULL'})
       ORDER BY (COALESCE(t.trx_state, '') = 'LOCK WAIT' OR COALESCE(p.STATE, '') LIKE 'Waiting for%lock%' OR p.STATE = 'User lock') ASC,
         (COALESCE(t.trx_rows_locked, 0) + COALESCE(t.trx_tables_locked, 0) > 0) DESC, p.TIME DESC, p.ID`,
      [...exclude, ...dbs],
    );
    return rows.map((r) => toHolder(r, { table, mode: Number(r.trx) > 0 ? 'row locks' : null }));
  },

  takeNamedLock: async (db: Queryable, name: string, seconds: number): Promise<boolean> => {
    const [r] = await db.query<{ got: number | null }>('SELECT GET_LOCK(?, ?) AS got', [lockName(name), Math.max(0, Math.round(seconds))]);
    return Number(r.got) === 1;
  },

  releaseNamedLock: async (db: Queryable, name: string): Promise<void> => {
    await db.query('SELECT RELEASE_LOCK(?) AS released', [lockName(name)]);
  },

  namedLockHolder: async (db: Queryable, name: string): Promise<LockHolder | null> => {
    const rows = await db.query<ProcessRow>(
      `SELECT ${processColumns}, NULL AS trx FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(?) AND p.ID <> CONNECTION_ID()`,
      [lockName(name)],
    );
    return rows.length ? toHolder(rows[0], { certain: true }) : null;
  },

  tableTriggers: async (db: Queryable, table: { schema: string; name: string }): Promise<TriggerInfo[]> => {
    // information_schema.TRIGGERS shows the triggers of tables the user has the TRIGGER privilege on.
    const rows = await db.query<{ name: string; timing: string; event: string; orientation: string }>(
      `SELECT TRIGGER_NAME AS name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, ACTION_ORIENTATION AS orientation
       FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY TRIGGER_NAME, ACTION_ORDER`,
      [table.schema, table.name],
    );
    return rows.map((r) => ({
      name: r.name,
      timing: r.timing === 'BEFORE' ? 'BEFORE' : 'AFTER',
      events: [r.event as TriggerInfo['events'][number]],
      level: r.orientation === 'STATEMENT' ? 'statement' : 'row',
      firing: 'normally',
    }));
  },

  triggerBypass: async (): Promise<TriggerBypass> => {
    return { refused: 'MySQL and MariaDB have no way to skip triggers for one session' };
  },

  checkDeferredNow: null,
};
