import type { Db } from '../connect/open.js';
import { stagingNamespace } from '../dialect/namespaces.js';
import { UsageError, UserError } from '../errors.js';
import type { Staging } from '../stage/namespace.js';

/**
 * The stagings a drop names: every one (`all`), or the one of a backup, given by id, unique
 * prefix or namespace. Nothing matching, or several for one id, is a UserError.
 */
export function stagingsToDrop(db: Db, stagings: Staging[], which: { id?: string; all: boolean }): Staging[] {
  if (which.all) return stagings;
  const id = which.id;
  if (!id) throw new UsageError('staging drop needs a backup id or --all', 'crm-rescue staging list shows them');
  const victims = stagings.filter(
    (s) => s.backupId === id || s.backupId.startsWith(id) || s.namespace === id || s.namespace === stagingNamespace(db.target.database, id),
  );
  if (!victims.length) throw new UserError(`nothing is staged for "${id}"`, 'crm-rescue staging list shows what is staged');
  if (victims.length > 1) throw new UserError(`"${id}" matches ${victims.length} stagings`, 'Give more of the backup id');
  return victims;
}
