import { join } from 'node:path';
import type { BackupManifest } from '../../backup/manifest.js';
import { findPgTool, INSTALL_HINTS, pgMajor } from '../../backup/tools.js';
import type { Target } from '../../connect/target.js';
import { startTool } from '../../exec/run-tool.js';
import { PG_ARCHIVE_DIR } from './postgres-dump.js';

/** Restores a pg_dump directory backup into the (new, empty) database of `target` with `pg_restore -j`. */
export async function restorePostgres(
  backupDir: string,
  manifest: BackupManifest,
  target: Target,
  options: { jobs?: number; signal?: AbortSignal },
): Promise<void> {
  const tool = await findPgTool('pg_restore', manifest.serverVersion);
  const proc = await startTool({
    tool: tool.path,
    args: [
      `--jobs=${Math.max(1, options.jobs ?? 2)}`,
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      `--dbname=${target.database}`,
      join(backupDir, PG_ARCHIVE_DIR),
    ],
    target,
    stdout: 'ignore',
    signal: options.signal,
    what: `pg_restore of ${manifest.id}`,
    installHint: INSTALL_HINTS.pg(pgMajor(manifest.serverVersion)),
  });
  await proc.done;
}
