import type { BackupManifest, ManifestTable } from '../backup/manifest.js';
import { hashFile } from '../backup/durable.js';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * The TOC checks done, by manifest: a manifest is read afresh for each stage run (each source
 * opened), so the archive's TOC (5 MB for a 776-table Odoo), shared by all its tables, is hashed
 * once per run instead of once per table, and still before anything of that run is loaded.
 */
const tocChecked = new WeakMap<BackupManifest, Promise<void>>();

/**
 * Checks the sha256 of a table's file (and the archive's TOC for pg_dump) against the manifest
 * before anything is loaded: a damaged file is refused and named.
 */
export async function verifyTableFiles(backupDir: string, manifest: BackupManifest, table: ManifestTable, opts: { data?: boolean } = {}): Promise<void> {
  // `data: false`: the caller hashes the data file as it reads it (targeted staging), and drops what it loaded on a mismatch.
  if (opts.data !== false) await checkFile(backupDir, manifest, { path: table.file, sha256: table.sha256 });
  if (manifest.layout === 'pg-directory') {
    const toc = manifest.files.find((f) => f.path.endsWith('toc.dat'));
    if (!toc) return;
    let check = tocChecked.get(manifest);
    if (!check) tocChecked.set(manifest, (check = checkFile(backupDir, manifest, toc)));
    await check;
  }
}

async function checkFile(backupDir: string, manifest: BackupManifest, w: { path: string; sha256: string }): Promise<void> {
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
