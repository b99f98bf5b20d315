/**
 * crm-rescue's own namespaces on the live server. They are created, listed and dropped by name,
 * never guessed. PostgreSQL: schemas in the target database. MySQL: databases on the server.
 */

/** The prefix every crm-rescue namespace starts with; introspection skips them by default. */
export const INTERNAL_PREFIX = 'crm_rescue';

/** True when a schema/database name belongs to crm-rescue (journal, audit log, staging). */
export function isInternalNamespace(name: string): boolean {
  return name === INTERNAL_PREFIX || name.startsWith(`${INTERNAL_PREFIX}_stage_`) || name.startsWith(`${INTERNAL_PREFIX}__`);
}
