import { runTool } from '../exec/index.js';
import type { DumpIndex } from './model.js';

/**
 * What Odoo's database-manager zip adds to its dump.sql: manifest.json names the database
 * (`db_name`, with Odoo's and PostgreSQL's versions) but holds no time; the time the backup was
 * taken is dump.sql's own entry time in the zip (written when Odoo streamed the dump into it, and
 * kept when the zip is copied, unlike the zip file's mtime). Zip times carry no zone: read as
 * this machine's local time, as Odoo's server wrote them.
 */
export async function withOdooManifest(index: DumpIndex, signal?: AbortSignal): Promise<DumpIndex> {
  const path = index.location.path;
  const out: DumpIndex = { ...index };
  const manifest = await runTool({ tool: 'unzip', args: ['-p', path, 'manifest.json'], stdout: 'collect', what: `reading ${path} › manifest.json`, signal })
    .then((r) => JSON.parse(r.stdout) as { db_name?: unknown; version?: unknown; pg_version?: unknown })
    .catch(() => null);
  if (manifest && typeof manifest.db_name === 'string' && manifest.db_name && !out.databases.length) out.databases = [manifest.db_name];
  if (manifest && typeof manifest.version === 'string') out.tool = `${out.tool ?? 'pg_dump'} (Odoo ${manifest.version})`;
  const member = index.location.members[0] ?? 'dump.sql';
  const listing = await runTool({ tool: 'unzip', args: ['-Z', '-T', path, member], stdout: 'collect', what: `listing ${path}`, signal }).catch(() => null);
  const m = listing && /\s(\d{4})(\d{2})(\d{2})\.(\d{2})(\d{2})(\d{2})\s/.exec(listing.stdout);
  if (m && (!out.takenAt || out.takenAtSource === 'mtime')) {
    const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    if (!Number.isNaN(at.getTime())) {
      out.takenAt = at.toISOString();
      out.takenAtSource = 'odoo-zip-entry';
    }
  }
  return out;
}
