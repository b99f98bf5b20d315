import type { Dialect } from '../dialect/dialect.js';
import type { LockHolder } from '../dialect/live.js';
import { isInternalNamespace } from '../dialect/namespaces.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';

/** The lock timeout of every session crm-rescue opens, unless a command asks for another. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 5;

/**
 * The sessions' lock timeout: CRM_RESCUE_LOCK_TIMEOUT (seconds) where set — for a server whose
 * short lock waits are normal, or a test that holds a lock on purpose — else the default.
 */
export function sessionLockTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.CRM_RESCUE_LOCK_TIMEOUT?.trim();
  if (!text) return DEFAULT_LOCK_TIMEOUT_SECONDS;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new UserError(
      `CRM_RESCUE_LOCK_TIMEOUT "${text}" is not a number of seconds`,
      'Set it to a positive number, e.g. CRM_RESCUE_LOCK_TIMEOUT=30, or unset it for 5 s',
    );
  return n;
}

/**
 * A statement waited for a lock longer than the session's lock timeout: another session holds
 * it. The message names the table and that session; the condition is temporary.
 */
export class LockWaitError extends UserError {
  override name = 'LockWaitError';
  constructor(
    message: string,
    readonly table: string | null,
    readonly holders: LockHolder[],
    options?: { cause?: unknown },
  ) {
    super(message, 'This is temporary: try again when that session has ended its transaction', options);
  }
}

/** A session as one phrase: `session 4242 (user root, application psql, from 127.0.0.1, in a transaction since … UTC, 12 s)`. */
export function describeHolder(h: LockHolder): string {
  const parts = [
    h.user && `user ${h.user}`,
    h.application && `application ${h.application}`,
    h.host && `from ${h.host}`,
    h.mode && h.mode,
    h.state && `${h.state}`,
    h.since && `since ${h.since}${h.seconds !== null ? ` (${h.seconds} s)` : ''}`,
  ].filter(Boolean);
  return `session ${h.session}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** `schema`.`name` / "schema"."name" pairs in a statement: the tables it touches, as crm-rescue quotes them. */
export function tablesIn(sqlText: string): string[] {
  const out = new Set<string>();
  const re = /"((?:[^"]|"")+)"\."((?:[^"]|"")+)"|`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`/g;
  for (let m = re.exec(sqlText); m; m = re.exec(sqlText)) {
    out.add(m[1] !== undefined ? `${m[1].replace(/""/g, '"')}.${m[2].replace(/""/g, '"')}` : `${m[3].replace(/``/g, '`')}.${m[4].replace(/``/g, '`')}`);
  }
  return [...out];
}

/**
 * Turns a lock timeout into a LockWaitError that names the locked table and the session holding
 * it. `diagnose` runs on another connection than the one that waited (a PostgreSQL transaction
 * is aborted by the error); it is given a few seconds, else the message says the holder is unknown.
 */
export async function lockWaitError(
  err: unknown,
  ctx: { dialect: Dialect; diagnose: Queryable; sqlText: string; ownSessions: number[]; seconds: number; tables?: string[] },
): Promise<LockWaitError> {
  const hinted = ctx.dialect.lockTimeout(err)?.tables ?? [];
  const named = [...new Set([...hinted, ...(ctx.tables ?? []), ...tablesIn(ctx.sqlText)])];
  // Others hold locks on live tables; crm-rescue's own (staging, journal) only when nothing else is named.
  const live = named.filter((t) => !t.includes('.') || !isInternalNamespace(t.slice(0, t.indexOf('.'))));
  const tables = live.length ? live : named;
  let holders: LockHolder[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    holders = await Promise.race([
      ctx.dialect.lockHolders(ctx.diagnose, { tables, exclude: ctx.ownSessions }),
      new Promise<LockHolder[]>((resolve) => {
        timer = setTimeout(() => resolve([]), 5000);
      }),
    ]);
  } catch {
    holders = [];
  } finally {
    clearTimeout(timer);
  }
  const first = holders[0];
  const table = first?.table ?? (tables.length === 1 ? tables[0] : null);
  const what = `waiting for a lock on ${table ?? (tables.length ? tables.join(', ') : 'a table')} timed out after ${ctx.seconds} s`;
  const who = !first
    ? 'the session holding it could not be identified (it may have ended meanwhile)'
    : first.certain
      ? `held by ${describeHolder(first)}`
      : `held by another session, probably ${describeHolder(first)}${holders.length > 1 ? `; ${holders.length - 1} other session(s) use the database` : ''}`;
  return new LockWaitError(`${what}: ${who}`, table, holders, { cause: err });
}
