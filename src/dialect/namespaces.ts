import { createHash } from 'node:crypto';
import type { Engine } from '../connect/target.js';

/**
 * crm-rescue's own namespaces on the live server. They are created, listed and dropped by name,
 * never guessed. PostgreSQL: schemas in the target database. MySQL: databases on the server
 * (named after the target database, since one server may hold several CRMs).
 */

/** The prefix every crm-rescue namespace starts with; introspection skips them by default. */
export const INTERNAL_PREFIX = 'crm_rescue';

/** The table inside every staging namespace that proves it is ours and names its backup. */
export const STAGING_MARKER_TABLE = '_crm_rescue_staging';

/** True when a schema/database name belongs to crm-rescue (journal, audit log, staging). */
export function isInternalNamespace(name: string): boolean {
  return name === INTERNAL_PREFIX || name.startsWith(`${INTERNAL_PREFIX}_stage_`) || name.startsWith(`${INTERNAL_PREFIX}__`);
}

/**
 * Where the journal, the trigger-audit log and other bookkeeping live for a target database:
 * the schema `crm_rescue` (PostgreSQL) or the database `crm_rescue__<db>` (MySQL).
 */
export function internalNamespace(engine: Engine, database: string): string {
  if (engine === 'postgres') return INTERNAL_PREFIX;
  const name = `${INTERNAL_PREFIX}__${database}`;
  return name.length <= 64 ? name : `${INTERNAL_PREFIX}__${shortHash(database)}`;
}

/**
 * The staging namespace of one backup for one target database: `crm_rescue_stage_<12 hex>` from
 * the database and backup id (MySQL names are limited to 64 characters). The marker table
 * inside it records the backup id, so listing never relies on the name alone.
 */
export function stagingNamespace(database: string, backupId: string): string {
  return `${INTERNAL_PREFIX}_stage_${shortHash(`${database}\0${backupId}`)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
