import type { Engine } from '../connect/target.js';

/**
 * Backups made by other tools (pg_dump, pg_dumpall, mysqldump/mariadb-dump, mydumper, the CRMs'
 * own backup pages), read where they lie: recognised by content, recorded in the catalog by
 * reference (never copied unless asked), and staged one table at a time.
 *
 * Layout of src/external/:
 * - model.ts      these types;
 * - open.ts       bytes of a dump: compression (gzip, bzip2, xz, zstd, lz4) and containers (zip, tar, nested tar) → one stream;
 * - detect.ts     what a path holds (format, engine, wrapper), from magic bytes and first lines;
 * - pg/           PostgreSQL formats: index (tables, databases, time) and one table's extract;
 * - mysql/        MySQL/MariaDB formats: the same;
 * - store.ts      imported backups in the catalog (`<catalog>/external/<id>.json`);
 * - import.ts     `backups import` and `--scan`.
 */

/** The dump formats crm-rescue reads. */
export type DumpFormat =
  /** pg_dump -Fc (PGDMP header), also Odoo's `dump` backup format. */
  | 'pg-custom'
  /** pg_dump -Fd: a folder with toc.dat. */
  | 'pg-directory'
  /** pg_dump -Ft. */
  | 'pg-tar'
  /** pg_dump plain SQL: COPY blocks or --inserts / --column-inserts. */
  | 'pg-plain'
  /** pg_dumpall: several databases, `\connect`. */
  | 'pg-dumpall'
  /** mysqldump / mariadb-dump SQL, one or several databases. */
  | 'mysqldump'
  /** A mydumper folder (Debian 0.10 layout or the newer INI metadata). */
  | 'mydumper';

/** How a stream is compressed. */
export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4' | 'none';

/** What a dump came wrapped in, when a CRM's backup page made it. */
export type DumpWrapper = 'odoo-zip' | 'odoo-dump' | 'dolibarr' | 'espocrm-tar' | null;

/**
 * Where a dump's bytes are: a file or folder, and inside a file the members to open, outermost
 * first (an Odoo zip's `dump.sql`; an EspoCRM tarball's inner `.tar.gz`, then its `db.sql`).
 * Compression of each level is sniffed again when opened, never taken from a name.
 */
export interface DumpLocation {
  /** Absolute path of the file or folder. */
  path: string;
  /** Members of containers, outermost first; empty for the file (or folder) itself. */
  members: string[];
}

/**
 * Where the time a dump was taken comes from. `odoo-zip-entry`: dump.sql's entry time inside Odoo's
 * zip (its manifest.json names the database but holds no time).
 */
export type TakenAtSource = 'archive-header' | 'dump-completed' | 'mydumper-metadata' | 'odoo-zip-entry' | 'mtime';

/** One table a dump holds. */
export interface DumpTable {
  /** PostgreSQL schema, or the MySQL database the dump put it in (the dump's default when it names none). */
  schema: string;
  name: string;
  /** For pg_dumpall: the database whose section holds it; else the dump's database. */
  database: string;
  /** Bytes of its data in the (decompressed) dump, when the format tells; null otherwise. */
  bytes: number | null;
  /** Rows, when the format tells (COPY lines, mydumper metadata); null otherwise. */
  rows: number | null;
  /** The dump holds a CREATE TABLE for it (false with --no-create-info / data-only dumps). */
  hasDefinition: boolean;
  /** The dump holds rows of it (false with --no-data, or an empty table). */
  hasData: boolean;
  /**
   * Its primary and unique keys, declared after the data in the dump (post-data); recorded at
   * import so staging can stop reading after the table's data. Absent in records of older
   * versions: staging then reads to the end as it always did.
   */
  keys?: DumpKey[];
  /**
   * The statements holding its rows (COPY blocks, INSERTs), counted at import with `keys`: staging
   * stops once it has read that many, as nothing else of the table comes after them.
   */
  dataStatements?: number;
}

/** A primary or unique key as the dump declares it (column names as in the table). */
export interface DumpKey {
  kind: 'PRIMARY KEY' | 'UNIQUE';
  columns: string[];
}

/** One file of an external backup, as hashed at import. */
export interface ExternalFile {
  /** Absolute path. */
  path: string;
  bytes: number;
  /** Modification time (ms since epoch) at import: a changed file is refused before use. */
  mtimeMs: number;
  sha256: string;
}

/** What reading a dump tells of it. */
export interface DumpIndex {
  engine: Engine;
  format: DumpFormat;
  wrapper: DumpWrapper;
  compression: Compression;
  location: DumpLocation;
  /** The databases it holds (one, unless --databases / --all-databases / pg_dumpall). */
  databases: string[];
  tables: DumpTable[];
  /** When it was taken (ISO 8601), and from what. */
  takenAt: string;
  takenAtSource: TakenAtSource;
  /** The tool and version that wrote it, when it says: `pg_dump 15.19`, `mysqldump 10.19 (MariaDB 10.11.6)`, `mydumper 0.10.0`. */
  tool: string | null;
  /** The server it was dumped from, when it says. */
  serverVersion: string | null;
}

/** An external backup recorded in the catalog (`<catalog>/external/<id>.json`). */
export interface ExternalBackupRecord {
  format: 'crm-rescue-external';
  formatVersion: 1;
  /** A catalog id (same shape as crm-rescue's own: time, engine, database, random), so `--backup ID` finds it. */
  id: string;
  importedAt: string;
  /** The files, each hashed once at import; the dump itself stays where it is unless copied. */
  files: ExternalFile[];
  /** True when `--copy` put the files inside the catalog (then `prune` may delete them). */
  copied: boolean;
  index: DumpIndex;
}

/** What detect.ts recognised at a path, before any full read. */
export interface DetectedDump {
  engine: Engine;
  format: DumpFormat;
  wrapper: DumpWrapper;
  /** The compression of the innermost stream (`none` for folders). */
  compression: Compression;
  location: DumpLocation;
  /** The first 64 KiB of the (decompressed) dump; for a folder, its toc.dat's or metadata's first bytes. */
  head: Buffer;
  /** Files the backup consists of (the file; for a folder every file in it), absolute paths. */
  files: string[];
}

/** Options of a full read (index) of a dump. */
export interface IndexOptions {
  /** Bytes of the file(s) on disk read so far. */
  onBytes?: (rawBytes: number) => void;
  signal?: AbortSignal;
}
