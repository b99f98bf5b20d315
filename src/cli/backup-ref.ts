import { loadUsableBackup } from '../backup/catalog.js';
import type { BackupManifest } from '../backup/manifest.js';
import { catalogDir } from '../util/paths.js';

/** Resolves `--backup ID` (or a unique prefix) to a usable backup of the catalog. */
export async function resolveBackup(ref: string, dir?: string): Promise<BackupManifest> {
  const { manifest } = await loadUsableBackup(catalogDir(dir), ref);
  return manifest;
}
