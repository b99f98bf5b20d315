/**
 * What else happens on a live server while crm-rescue works there: sessions holding locks it
 * waits for, its own per-table lock that serialises merges and undos, and the triggers that fire
 * when it writes a live table. Types shared by both dialects.
 */

/** Another session that holds (or heads the queue for) a lock crm-rescue waited for. */
export interface LockHolder {
  /** PostgreSQL pid, MySQL connection id. */
  session: number;
  user: string | null;
  /** PostgreSQL application_name (MySQL has none). */
  application: string | null;
  /** The client's address. */
  host: string | null;
  /** Since when its transaction (or, failing that, its current state) runs, as the server says it, in UTC. */
  since: string | null;
  /** Seconds since then. */
  seconds: number | null;
  /** `schema.name` of the locked table, when known. */
  table: string | null;
  /** The lock mode (AccessExclusiveLock, row lock, LOCK TABLES…), when known. */
  mode: string | null;
  /** What the session is doing (idle in transaction, Sleep, a statement). */
  state: string | null;
  /** True when the server names this session as the holder; false for a best guess (MySQL without METADATA_LOCK_INFO). */
  certain: boolean;
}

/** When a trigger fires, given crm-rescue's choice to run with triggers or without them. */
export type TriggerFiring = 'normally' | 'always' | 'only-when-skipping' | 'never';

/** A user trigger of a live table (internal ones, such as PostgreSQL's foreign-key triggers, are not listed). */
export interface TriggerInfo {
  name: string;
  timing: 'BEFORE' | 'AFTER' | 'INSTEAD OF';
  events: ('INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE')[];
  level: 'row' | 'statement';
  /**
   * normally: fires unless triggers are skipped; always: fires even then (PostgreSQL ENABLE
   * ALWAYS); only-when-skipping: PostgreSQL ENABLE REPLICA; never: disabled.
   */
  firing: TriggerFiring;
}

/** Whether the current session may skip triggers for one transaction, and how. */
export type TriggerBypass = { statement: string } | { refused: string };

/** True when a trigger fires on `event`, with triggers skipped (`skipping`) or not. */
export function triggerFires(t: TriggerInfo, event: TriggerInfo['events'][number], skipping: boolean): boolean {
  if (!t.events.includes(event)) return false;
  if (t.firing === 'always') return true;
  if (t.firing === 'never') return false;
  return skipping ? t.firing === 'only-when-skipping' : t.firing === 'normally';
}

/** `t_norm (BEFORE INSERT)`, for messages. */
export function describeTrigger(t: TriggerInfo): string {
  return `${t.name} (${t.timing} ${t.events.join('/')}${t.level === 'statement' ? ', per statement' : ''})`;
}
