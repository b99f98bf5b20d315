import type { BackupManifest, ManifestTable } from '../backup/manifest.js';
import { hashFile } from '../backup/durable.js';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Checks the sha256 of a table's file (and the archive's TOC for pg_dump) against the manifest
 * before anything is loaded: a damaged file is refused and named.
 */
export async function verifyTableFiles(backupDir: string, manifest: BackupManifest, table: ManifestTable): Promise<void> {
  const wanted: { path: string; sha256: string }[] = [{ path: table.file, sha256: table.sha256 }];
  if (manifest.layout === 'pg-directory') {
    const toc = manifest.files.find((f) => f.path.endsWith('toc.dat'));
    if (toc) wanted.push({ path: toc.path, sha256: toc.sha256 });
  }
  for (const w of wanted) {
    const full = join(backupDir, w.path);
    let actual: string;
    try {
      actual = (await hashFile(full)).sha256;
    } catch (err) {
      throw new UserError(
        `backup ${manifest.id}: ${full} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        'The backup is damaged; pick another (crm-rescue backups list)',
        { cause: err },
      );
    }
    if (actual !== w.sha256) {
      throw new UserError(
        `backup ${manifest.id}: ${full} does not match its sha256 in the manifest; refusing to load it`,
        'The backup is damaged; crm-rescue backups verify names every bad file; pick another backup',
      );
    }
  }
}
