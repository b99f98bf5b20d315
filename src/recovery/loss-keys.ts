import { streamDeletionEvents } from '../audit/index.js';
import { NoAuditSourceError } from '../audit/errors.js';
import type { Db } from '../connect/open.js';
import type { TableInfo } from '../dialect/model.js';
import { identifyingKey } from '../keys/identifying-key.js';
import { keyFilterOf, type KeyFilter } from '../stage/key-filter.js';
import { auditSourcesOf } from './audit.js';

/** A loss as the wizard knows it: when, by whom, which tables (the audit's deletion events tell which rows). */
export interface LossQuery {
  /** ISO 8601 UTC, inclusive. */
  since: string;
  /** ISO 8601 UTC, exclusive. */
  until: string;
  /**
   * The incident's actor: its id; null for an incident whose actor is unknown (only events
   * without an actor are its); absent for a loss described by hand (every actor's events).
   */
  actorId?: string | null;
  /** The affected tables, `name` or `schema.name`, as the audit names them. */
  tables: string[];
}

/**
 * Above this many deletion events a loss is not targeted: its keys would cost more memory and
 * time than staging its tables whole, and the whole table is what an incident that large is
 * about anyway.
 */
export const MAX_LOSS_KEYS = 1_000_000;

/** Events per page read from the audit: one index range scan per page. */
const PAGE = 5000;

/** The keys a loss deleted, per live table. */
export interface LossKeys {
  /** The table's deleted keys (each once), or null when it is to be staged whole. */
  keysOf: (live: Pick<TableInfo, 'schema' | 'name'>) => Record<string, unknown>[] | null;
  /** The staging filter of a table: its keys on its identifying key, or null (staged whole). */
  target: (live: TableInfo) => Promise<KeyFilter | null>;
  /** The keys as `MergeFlags.keyList` gives them, exactly when `target` gives a filter (so a merge asks for the same copy). */
  keyList: (live: TableInfo) => Record<string, unknown>[] | null;
}

/**
 * Reads the loss's deletion events from the audit and groups their keys per table. A table is
 * left whole (null) when the audit saw no deletion of it in the loss (a loss described by hand
 * may be one the audit did not see), when one of its events has no key, or when the loss has
 * more than MAX_LOSS_KEYS events (then every table is). A database without an audit source
 * targets nothing, silently: the loss was described by hand, and staging whole is what it did
 * before.
 */
export async function readLossKeys(db: Db, loss: LossQuery): Promise<LossKeys> {
  const whole: LossKeys = { keysOf: () => null, target: () => Promise.resolve(null), keyList: () => null };
  let audit: Awaited<ReturnType<typeof auditSourcesOf>>;
  try {
    audit = await auditSourcesOf(db);
  } catch (err) {
    if (err instanceof NoAuditSourceError) return whole;
    throw err;
  }
  const bare = loss.tables.map((t) => t.slice(t.lastIndexOf('.') + 1));
  const filter = {
    since: loss.since,
    until: loss.until,
    ...(typeof loss.actorId === 'string' && { user: loss.actorId }),
    // One table (the form's loss): the audit reads only its events.
    ...(new Set(bare).size === 1 && { table: bare[0] }),
  };
  // "schema\0table" → key text → key; null once the table is to be staged whole.
  const byTable = new Map<string, Map<string, Record<string, unknown>> | null>();
  let read = 0;
  const events = streamDeletionEvents(db, audit.ctx, audit.sources, { filter, max: MAX_LOSS_KEYS + 1, limit: PAGE, images: false, details: false });
  for await (const e of events) {
    if (++read > MAX_LOSS_KEYS) return whole;
    // An incident whose actor is unknown is its events without an actor (as recoveryOf reads it).
    if (loss.actorId === null && e.actor !== null) continue;
    const id = `${e.schema}\0${e.table}`;
    if (byTable.get(id) === null) continue;
    if (Object.keys(e.key).length === 0) {
      byTable.set(id, null);
      continue;
    }
    let keys = byTable.get(id);
    if (!keys) byTable.set(id, (keys = new Map()));
    keys.set(JSON.stringify(e.key), e.key);
  }
  const keysOf = (live: Pick<TableInfo, 'schema' | 'name'>): Record<string, unknown>[] | null => {
    const exact = byTable.get(`${live.schema}\0${live.name}`);
    if (exact !== undefined) return exact && [...exact.values()];
    // A source that does not say the schema names the table only.
    const byName = byTable.get(`\0${live.name}`);
    return byName ? [...byName.values()] : null;
  };
  const filterOf = (live: TableInfo): KeyFilter | null => {
    const keys = keysOf(live);
    const columns = identifyingKey(live)?.columns;
    if (!keys?.length || !columns) return null;
    // A key that lacks one of the key's columns (the audit keyed the table otherwise): whole.
    return keyFilterOf(columns, keys);
  };
  return {
    keysOf,
    target: (live) => Promise.resolve(filterOf(live)),
    keyList: (live) => (filterOf(live) ? keysOf(live) : null),
  };
}

/**
 * The `target` callback of prepareTables (PrepareRequest.target) for a loss: each table staged
 * only by the keys the loss deleted (see readLossKeys for when a table is staged whole).
 */
export async function lossKeyFilters(db: Db, loss: LossQuery): Promise<(live: TableInfo) => Promise<KeyFilter | null>> {
  return (await readLossKeys(db, loss)).target;
}
