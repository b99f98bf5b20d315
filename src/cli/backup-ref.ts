import { resolveTargetBackup, type BackupOrigin } from '../backup/belongs.js';
import type { BackupManifest } from '../backup/manifest.js';
import type { Db } from '../connect/open.js';

/**
 * Resolves `--backup ID` (a unique prefix, or `latest`: the target's newest) to a usable backup
 * of the target's own database; another database's backup only with `allowOtherDatabase`
 * (`--backup-of-other-database`), reported in `origin`.
 */
export async function resolveBackup(
  db: Db,
  ref: string,
  options: { dir?: string; allowOtherDatabase?: boolean } = {},
): Promise<{ manifest: BackupManifest; origin: BackupOrigin }> {
  const { manifest, origin } = await resolveTargetBackup(db, ref, options);
  return { manifest, origin };
}
