import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirPrivate, writeFileAtomic } from '../backup/durable.js';
import { isBackupId, newBackupId } from '../backup/id.js';
import { UserError } from '../errors.js';
import { formatBytes, formatCount } from '../util/format.js';
import type { DumpIndex, ExternalBackupRecord, ExternalFile } from './model.js';

/**
 * External backups in the catalog: one JSON record per import, `<catalog>/external/<id>.json`.
 * The dump stays where it is (or, with `--copy`, under `<catalog>/external-files/<id>/`). Ids
 * have the shape of crm-rescue's own (time taken, engine, database, random), so `--backup ID`,
 * a unique prefix and `latest` find them beside the catalog's folders.
 */

/** The folder of the records. */
export function externalDir(catalog: string): string {
  return join(catalog, 'external');
}

/** The folder `--copy` puts one import's files in. */
export function externalFilesDir(catalog: string, id: string): string {
  return join(catalog, 'external-files', id);
}

/** A new id for a dump taken at `takenAt` (ISO), named after its (first) database. */
export function newExternalId(index: Pick<DumpIndex, 'engine' | 'databases' | 'takenAt'>): string {
  const at = new Date(index.takenAt);
  const database = index.databases.length === 1 ? index.databases[0] : index.databases.length ? 'all' : 'dump';
  return newBackupId(index.engine, database, Number.isNaN(at.getTime()) ? new Date(0) : at);
}

/** A record as it is written. */
export function newRecord(id: string, importedAt: string, files: ExternalFile[], copied: boolean, index: DumpIndex): ExternalBackupRecord {
  return { format: 'crm-rescue-external', formatVersion: 1, id, importedAt, files, copied, index };
}

/** Writes a record atomically (0600), creating the folder (0700). */
export async function saveExternal(catalog: string, record: ExternalBackupRecord): Promise<void> {
  await mkdirPrivate(externalDir(catalog));
  await writeFileAtomic(join(externalDir(catalog), `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

/** Every readable record, newest taken first. A record that cannot be read is left out (and left alone). */
export async function listExternal(catalog: string): Promise<ExternalBackupRecord[]> {
  let names: string[];
  try {
    names = await readdir(externalDir(catalog));
  } catch {
    return [];
  }
  const out: ExternalBackupRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json') || !isBackupId(name.slice(0, -5))) continue;
    const r = await readRecord(join(externalDir(catalog), name));
    if (r) out.push(r);
  }
  return out.sort((a, b) => Date.parse(b.index.takenAt) - Date.parse(a.index.takenAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

async function readRecord(path: string): Promise<ExternalBackupRecord | null> {
  try {
    const r = JSON.parse(await readFile(path, 'utf8')) as ExternalBackupRecord;
    if (r?.format !== 'crm-rescue-external' || r.formatVersion !== 1 || typeof r.id !== 'string' || !Array.isArray(r.files) || !r.index) return null;
    return r;
  } catch {
    return null;
  }
}

/** The record with this id exactly, or null. */
export async function readExternal(catalog: string, id: string): Promise<ExternalBackupRecord | null> {
  if (!isBackupId(id)) return null;
  return readRecord(join(externalDir(catalog), `${id}.json`));
}

/**
 * The external backup an id or unique id prefix names, or null when none does. Only external
 * records are looked at: a prefix shared with a catalog folder is decided by the caller.
 */
export async function findExternal(catalog: string, ref: string): Promise<ExternalBackupRecord | null> {
  if (!ref) return null;
  const exact = await readExternal(catalog, ref);
  if (exact) return exact;
  const matches = (await listExternal(catalog)).filter((r) => r.id.startsWith(ref));
  if (matches.length > 1)
    throw new UserError(
      `"${ref}" matches ${matches.length} imported backups (${matches
        .slice(0, 3)
        .map((m) => m.id)
        .join(', ')}…)`,
      'Give more of the id',
    );
  return matches[0] ?? null;
}

/** The record of a file already imported (same sha256, one file), or null. */
export async function findBySha256(catalog: string, sha256: string[]): Promise<ExternalBackupRecord | null> {
  const key = [...sha256].sort().join(',');
  for (const r of await listExternal(catalog)) {
    if (
      r.files
        .map((f) => f.sha256)
        .sort()
        .join(',') === key
    )
      return r;
  }
  return null;
}

/**
 * Forgets an external backup: its record, and the copies `--copy` made inside the catalog. The
 * dump where it was found is never touched.
 */
export async function removeExternal(catalog: string, id: string): Promise<ExternalBackupRecord> {
  const r = await readExternal(catalog, id);
  if (!r) throw new UserError(`no imported backup ${id} in ${catalog}`, 'crm-rescue backups list shows the ids');
  if (r.copied) await rm(externalFilesDir(catalog, r.id), { recursive: true, force: true });
  await rm(join(externalDir(catalog), `${r.id}.json`), { force: true });
  return r;
}

/** Where a record's dump is, as one line: its folder or file. */
export function recordPath(r: ExternalBackupRecord): string {
  return r.index.location.path;
}

/** The human view of `backups show` for an imported dump. */
export function formatExternalRecord(r: ExternalBackupRecord, describe: string): string {
  const x = r.index;
  const total = r.files.reduce((a, f) => a + f.bytes, 0);
  const lines = [
    `backup    ${r.id}  (external)`,
    `dump      ${describe}`,
    `engine    ${x.engine}${x.serverVersion ? `, server ${x.serverVersion}` : ''}`,
    `databases ${x.databases.length ? x.databases.join(', ') : '-'}`,
    `taken     ${x.takenAt} (from ${x.takenAtSource === 'mtime' ? "the file's modification time" : x.takenAtSource})`,
    `imported  ${r.importedAt}${r.copied ? ', copied into the catalog' : ', by reference (the file stays where it is)'}`,
    `files     ${r.files.length}, ${formatBytes(total)}${x.compression !== 'none' ? `, ${x.compression}` : ''}`,
  ];
  for (const f of r.files) lines.push(`  ${f.path}  ${formatBytes(f.bytes)}  sha256 ${f.sha256}`);
  if (x.tables.length) {
    lines.push('', 'TABLES');
    for (const t of x.tables) {
      const name = `${x.databases.length > 1 ? `${t.database}: ` : ''}${t.schema}.${t.name}`.replace(/[\u0000-\u001f\u007f]/g, '?');
      const facts = [
        t.rows !== null ? `${formatCount(t.rows)} rows` : null,
        t.bytes !== null ? formatBytes(t.bytes) : null,
        t.hasDefinition ? null : 'no CREATE TABLE',
        t.hasData ? null : 'no data',
      ];
      lines.push(`  ${name}${facts.some(Boolean) ? `  ${facts.filter(Boolean).join(', ')}` : ''}`);
    }
  }
  return lines.join('\n');
}
