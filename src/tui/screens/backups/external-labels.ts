import { basename } from 'node:path';
import { engineName } from '../../../dialect/engine-name.js';
import type { Compression, DumpFormat, DumpWrapper, TakenAtSource } from '../../../external/model.js';
import type { BackupItem, ExternalBackupView, FoundDump } from '../../services.js';

/** The marker of a dump another tool made, wherever a backup is listed. */
export const EXTERNAL_MARK = '⇲';

const FORMATS: Record<DumpFormat, string> = {
  'pg-custom': 'pg_dump custom',
  'pg-directory': 'pg_dump directory',
  'pg-tar': 'pg_dump tar',
  'pg-plain': 'pg_dump SQL',
  'pg-dumpall': 'pg_dumpall',
  mysqldump: 'mysqldump',
  mydumper: 'mydumper',
};

const WRAPPERS: Record<Exclude<DumpWrapper, null>, string> = {
  'odoo-zip': 'Odoo backup zip',
  'odoo-dump': 'Odoo backup',
  dolibarr: 'Dolibarr backup',
  'espocrm-tar': 'EspoCRM backup',
};

const SOURCES: Record<TakenAtSource, string> = {
  'archive-header': 'archive header',
  'dump-completed': '"Dump completed on"',
  'mydumper-metadata': 'mydumper metadata',
  'odoo-zip-entry': 'dump.sql entry in the Odoo zip',
  mtime: 'file modification time',
};

/** `pg_dump custom`, `mysqldump (Dolibarr backup)`. */
export function formatLabel(format: DumpFormat, wrapper: DumpWrapper): string {
  return wrapper ? `${FORMATS[format]} (${WRAPPERS[wrapper]})` : FORMATS[format];
}

/** `gzip`, `not compressed`. */
export function compressionLabel(c: Compression): string {
  return c === 'none' ? 'not compressed' : c;
}

/** Where the time a dump was taken comes from, in words. */
export function takenAtSourceLabel(s: TakenAtSource): string {
  return SOURCES[s];
}

/** `2026-11-20 02:00 UTC`. */
export function shortTime(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

/** The name a list shows: the id of crm-rescue's own backups, the marked file name of another tool's dump. */
export function backupName(b: BackupItem): string {
  return b.external ? `${EXTERNAL_MARK} ${basename(b.external.path)}` : b.id;
}

/**
 * Two lines about an external dump: when it was taken (and what says so) and of which database; then
 * what it is and where (the path last: a long folder is what the width cuts).
 */
export function externalLines(e: ExternalBackupView): [string, string] {
  const dbs = e.databases.length ? e.databases.join(', ') : 'database not named';
  return [
    `${EXTERNAL_MARK} external, taken ${shortTime(e.takenAt)} (${takenAtSourceLabel(e.takenAtSource)}), of ${dbs}`,
    `${engineName(e.engine).short} ${formatLabel(e.format, e.wrapper)} · ${e.path}`,
  ];
}

/** One found dump, for the message after a scan or an import. */
export function foundLine(f: FoundDump): string {
  return `${basename(f.path)}: ${formatLabel(f.format, f.wrapper)}, ${f.database ?? 'database not named'}`;
}
