import { createHash } from 'node:crypto';
import type { LockHolder, TriggerBypass, TriggerInfo } from '../live.js';
import type { Queryable } from '../queryable.js';

/** The first key of crm-rescue's advisory locks ("CRMR"): other applications' keys stay apart. */
const ADVISORY_CLASS = 0x43524d52;

/** The second key: 31 bits of the name's sha256 (non-negative, so it reads back from pg_locks.objid as is). */
function advisoryKey(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) & 0x7fffffff;
}

/** SQLSTATE 55P03 lock_not_available: lock_timeout ran out (or NOWAIT). */
function pgLockTimeout(err: unknown): { tables: string[] } | null {
  for (let e = err as { code?: string; where?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === '55P03') {
      const m = /in relation "((?:[^"]|"")+)"/.exec(e.where ?? '');
      return { tables: m ? [m[1].replace(/""/g, '"')] : [] };
    }
  }
  return null;
}

const holderColumns = `a.pid AS session, a.usename AS "user", a.application_name AS application, host(a.client_addr) AS host,
  to_char(coalesce(a.xact_start, a.state_change, a.backend_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' AS since,
  floor(extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, a.state_change, a.backend_start)))::int AS seconds,
  a.state`;

interface HolderRow {
  session: number;
  user: string | null;
  application: string | null;
  host: string | null;
  since: string | null;
  seconds: number | null;
  state: string | null;
  table?: string | null;
  mode?: string | null;
}

const toHolder = (r: HolderRow): LockHolder => ({
  session: Number(r.session),
  user: r.user ?? null,
  application: r.application || null,
  host: r.host ?? null,
  since: r.since ?? null,
  seconds: r.seconds === null || r.seconds === undefined ? null : Number(r.seconds),
  table: r.table ?? null,
  mode: r.mode ?? null,
  state: r.state ?? null,
  certain: true,
});

/** PostgreSQL's side of live-server safety: lock waits, advisory locks, triggers. */
export const postgresLive = {
  sessionLockTimeouts: (seconds: number): string[] => [`SET lock_timeout = '${Math.max(1, Math.round(seconds * 1000))}ms'`],

  lockTimeout: pgLockTimeout,

  lockHolders: async (db: Queryable, options: { tables: string[]; exclude: number[] }): Promise<LockHolder[]> => {
    // Locks on the named tables (a row lock's holder holds RowExclusiveLock on its table), and
    // anywhere in the database the modes that block plain reads or writes; granted ones, and
    // a waiting ACCESS EXCLUSIVE request (everything queues behind it).
    const rows = await db.query<HolderRow>(
      `SELECT ${holderColumns}, n.nspname || '.' || c.relname AS "table", l.mode
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.pid <> pg_backend_pid() AND NOT (l.pid = ANY($1::int[]))
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
         AND (l.granted OR l.mode = 'AccessExclusiveLock')
         AND ((n.nspname || '.' || c.relname) = ANY($2::text[]) OR c.relname = ANY($2::text[])
              OR l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'))
       ORDER BY array_position(ARRAY['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock', 'ShareUpdateExclusiveLock',
                                      'RowExclusiveLock', 'RowShareLock', 'AccessShareLock'], l.mode::text),
                l.granted DESC, coalesce(a.xact_start, a.state_change, a.backend_start), a.pid`,
      [options.exclude, options.tables],
    );
    const seen = new Set<number>();
    return rows.map(toHolder).filter((h) => !seen.has(h.session) && seen.add(h.session));
  },

  takeNamedLock: async (db: Queryable, name: string): Promise<boolean> => {
    // A savepoint keeps the transaction usable when lock_timeout ends the wait.
    await db.query('SAVEPOINT crm_rescue_named_lock');
    try {
      await db.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [ADVISORY_CLASS, advisoryKey(name)]);
    } catch (err) {
      if (!pgLockTimeout(err)) throw err;
      await db.query('ROLLBACK TO SAVEPOINT crm_rescue_named_lock');
      return false;
    }
    await db.query('RELEASE SAVEPOINT crm_rescue_named_lock');
    return true;
  },

  releaseNamedLock: async (): Promise<void> => {
    // A transaction-level advisory lock ends with the transaction.
  },

  namedLockHolder: async (db: Queryable, name: string): Promise<LockHolder | null> => {
    const rows = await db.query<HolderRow>(
      `SELECT ${holderColumns} FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = $1::int::oid AND l.objid = $2::int::oid AND l.objsubid = 2 AND l.pid <> pg_backend_pid()`,
      [ADVISORY_CLASS, advisoryKey(name)],
    );
    return rows.length ? toHolder(rows[0]) : null;
  },

  tableTriggers: async (db: Queryable, table: { schema: string; name: string }): Promise<TriggerInfo[]> => {
    const rows = await db.query<{ name: string; type: number; enabled: string }>(
      `SELECT t.tgname AS name, t.tgtype::int AS type, t.tgenabled::text AS enabled
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND NOT t.tgisinternal ORDER BY t.tgname`,
      [table.schema, table.name],
    );
    // pg_trigger.tgtype bits: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16, TRUNCATE 32, INSTEAD 64.
    return rows.map((r) => {
      const type = Number(r.type);
      const events: TriggerInfo['events'] = [];
      if (type & 4) events.push('INSERT');
      if (type & 16) events.push('UPDATE');
      if (type & 8) events.push('DELETE');
      if (type & 32) events.push('TRUNCATE');
      return {
        name: r.name,
        timing: type & 64 ? 'INSTEAD OF' : type & 2 ? 'BEFORE' : 'AFTER',
        events,
        level: type & 1 ? 'row' : 'statement',
        firing: r.enabled === 'A' ? 'always' : r.enabled === 'R' ? 'only-when-skipping' : r.enabled === 'D' ? 'never' : 'normally',
      } satisfies TriggerInfo;
    });
  },

  triggerBypass: async (db: Queryable): Promise<TriggerBypass> => {
    const statement = 'SET LOCAL session_replication_role = replica';
    const [r] = await db.query<{ su: boolean; v: number; u: string }>(
      "SELECT current_setting('is_superuser') = 'on' AS su, current_setting('server_version_num')::int AS v, current_user AS u",
    );
    if (r.su) return { statement };
    if (Number(r.v) >= 150000) {
      const [p] = await db.query<{ ok: boolean }>("SELECT has_parameter_privilege('session_replication_role', 'SET') AS ok");
      if (p.ok) return { statement };
      return {
        refused: `user ${r.u} may not set session_replication_role (a superuser may, or a role granted it: GRANT SET ON PARAMETER session_replication_role TO ${r.u})`,
      };
    }
    return { refused: `user ${r.u} may not set session_replication_role (before PostgreSQL 15 only a superuser may)` };
  },

  checkDeferredNow: 'SET CONSTRAINTS ALL IMMEDIATE',
};
