import { basename } from 'node:path';
import type { Db } from '../../connect/open.js';
import type { QualifiedName } from '../../dialect/own-tables.js';
import { UserError } from '../../errors.js';
import { matcherFor } from '../../stage/key-filter.js';
import { loadMysqlStream, scratchName } from '../../stage/mysql-stage.js';
import type { LoadedCopy, LoadTarget, SourceTable } from '../../stage/row-source.js';
import type { DetectedDump, DumpIndex, DumpTable, ExternalBackupRecord, IndexOptions } from '../model.js';
import { describeLocation } from '../open.js';
import { indexMydumper, mydumperDumpTable, mydumperTables, mydumperTableStream } from './mydumper.js';
import { extractMysqldumpTable, indexMysqldump } from './mysqldump.js';

/**
 * MySQL/MariaDB dumps made by other tools: mysqldump / mariadb-dump files (plain or compressed,
 * or inside a CRM's tarball) and mydumper folders. Indexing reads a file once, streamed, skipping
 * rows line by line; staging a table reads only what it needs (a mysqldump file up to the end of
 * the table's section; a mydumper table's own files) through MysqlTableFilter into the mysql
 * client, exactly as a catalog backup's table is staged (see stage/sources/catalog-backup.ts).
 */

/** Reads a detected mysqldump file or mydumper folder: its databases, tables, time and tool. */
export async function indexMysqlDump(d: DetectedDump, opts: IndexOptions): Promise<DumpIndex> {
  const base = { engine: d.engine, format: d.format, wrapper: d.wrapper, compression: d.compression, location: d.location };
  if (d.format === 'mydumper') {
    const f = await indexMydumper(d.location.path);
    return {
      ...base,
      databases: f.databases,
      tables: f.tables.map(mydumperDumpTable),
      takenAt: f.startedAt ?? '',
      takenAtSource: f.startedAt ? 'mydumper-metadata' : 'mtime',
      tool: f.tool,
      serverVersion: null,
    };
  }
  if (d.format !== 'mysqldump') throw new UserError(`${describeLocation(d.location)} is a ${d.format} dump, not a MySQL one`);
  const f = await indexMysqldump(d.location, opts.onBytes, opts.signal);
  return {
    ...base,
    databases: f.databases,
    tables: f.tables,
    takenAt: f.completedAt ?? '',
    takenAtSource: f.completedAt ? 'dump-completed' : 'mtime',
    tool: f.tool,
    serverVersion: f.serverVersion,
  };
}

/**
 * One table of an external MySQL dump as a SourceTable: `load` stages it the way a catalog
 * backup's table is staged (a scratch database next to the staging one; the table's statements
 * through MysqlTableFilter into the mysql client with --binary-mode). A table the dump has rows
 * but no CREATE TABLE for (--no-create-info) takes the live table's definition, and says so.
 */
export function mysqlExternalTable(db: Db, record: ExternalBackupRecord, table: DumpTable, live: QualifiedName): SourceTable {
  const index = record.index;
  const mydumper = index.format === 'mydumper';
  // Progress counts bytes of the files on disk: the whole file for a mysqldump (read up to the
  // table's section's end at most), the table's own files for mydumper.
  const bytes = mydumper
    ? record.files.filter((f) => belongsTo(basename(f.path), table)).reduce((s, f) => s + f.bytes, 0) || null
    : (record.files[0]?.bytes ?? null);
  // Staging is written through the stager's connection (the source's own may be read-only: diff).
  const load = async (into: LoadTarget): Promise<LoadedCopy> => {
    const db = into.db;
    const prelude = table.hasDefinition ? undefined : await liveDefinition(db, live, table.name);
    const note = prelude ? ' (definition from the live table: the dump has none)' : undefined;
    const scratch = scratchName(into.namespace);
    const cleanup = () =>
      into.db
        .query(into.db.dialect.dropNamespace(scratch))
        .then(() => undefined)
        .catch(() => undefined);
    let raw = 0;
    const onBytes = (n: number) => {
      raw = n;
      into.onBytes(n);
    };
    try {
      let open;
      if (mydumper) {
        const { tables } = await mydumperTables(index.location.path);
        const t = tables.find((x) => x.database === table.schema && x.name === table.name);
        if (!t)
          throw new UserError(
            `table ${table.schema}.${table.name} is no longer in ${index.location.path}`,
            'Import the folder again: crm-rescue backups import PATH',
          );
        open = () => mydumperTableStream(t, { prelude, onBytes, signal: into.signal });
      } else {
        open = () => extractMysqldumpTable(index.location, table.schema, table.name, { prelude, onBytes, signal: into.signal });
      }
      const loaded = await loadMysqlStream(into.db, table.name, open, scratch, {
        signal: into.signal,
        what: `the dump's data`,
        // Targeted: only the rows of the keys asked for reach the server (the stager narrows exactly).
        ...(into.filter && { keep: { columns: into.filter.columns, match: matcherFor(into.filter) } }),
      });
      return {
        table: { schema: scratch, name: loaded.table },
        aside: { schema: scratch, name: '__old' },
        rows: null,
        bytes: raw,
        cleanup,
        ...(note ? { note } : {}),
      };
    } catch (err) {
      await cleanup();
      throw err;
    }
  };
  return { schema: table.schema, name: table.name, live, bytes, load };
}

/** A mydumper file of the table: `db.table-schema.sql…`, `db.table.sql…`, `db.table.00000.sql…`. */
function belongsTo(file: string, t: DumpTable): boolean {
  const prefix = `${t.schema}.${t.name}`;
  if (!file.startsWith(prefix)) return false;
  return /^(?:-schema|(?:\.\d+)*)\.sql(?:\.[a-z0-9]+)?$/.test(file.slice(prefix.length));
}

/**
 * The live table's CREATE TABLE, named as the dump names the table (MysqlTableFilter renames
 * it to the staging name and keeps only the columns and keys).
 */
async function liveDefinition(db: Db, live: QualifiedName, dumpName: string): Promise<string> {
  const rows = await db.query<Record<string, string>>(`SHOW CREATE TABLE ${db.dialect.quoteQualified(live.schema, live.name)}`);
  const text = rows[0]?.['Create Table'];
  if (!text) throw new UserError(`the dump has no definition of ${dumpName}, and the live table ${live.name} has none to lend`);
  const m = /^CREATE TABLE `(?:[^`]|``)*`/.exec(text);
  if (!m) throw new UserError(`the live table ${live.name} has a definition staging cannot read`);
  return `CREATE TABLE ${db.dialect.quoteIdent(dumpName)}${text.slice(m[0].length)};\n`;
}
