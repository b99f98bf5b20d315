import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Engine } from '../connect/target.js';
import { UserError } from '../errors.js';
import type { DetectedDump, DumpFormat, DumpLocation, DumpWrapper } from './model.js';
import {
  describeLocation,
  listMembers,
  openDump,
  peek,
  readFileHead,
  sniffCompression,
  sniffContainer,
  sniffEncryption,
  type ContainerMember,
} from './open.js';

/** Bytes of a dump's start read to recognise it. */
const HEAD_BYTES = 64 * 1024;

/**
 * What a path holds, recognised by content (magic bytes, then the first lines of the
 * decompressed text), never by its name: a pg_dump archive (custom, directory, tar), plain SQL from
 * pg_dump or pg_dumpall, mysqldump / mariadb-dump SQL, a mydumper folder; bare or compressed (gzip,
 * bzip2, xz, zstd, lz4), or wrapped by a CRM's backup page (Odoo's zip, EspoCRM's tarball holding a
 * tar.gz with db.sql). Only the first 64 KiB are read (a tar is listed whole). Anything else is a
 * one-line UserError saying what the file looks like (encrypted, another kind of file, empty).
 */
export async function detectDump(pathIn: string): Promise<DetectedDump> {
  const path = resolve(pathIn);
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${pathIn} ${code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(err as Error).message}`}`, undefined, { cause: err });
  }
  if (st.isDirectory()) return detectFolder(path);
  if (!st.isFile()) throw new UserError(`${pathIn} is not a file or folder`, 'Name a dump file or a pg_dump/mydumper folder');
  if (st.size === 0) throw new UserError(`${pathIn} is empty (0 bytes)`, 'The backup that wrote it failed; use another one');
  const raw = await readFileHead(path, 64);
  const encrypted = sniffEncryption(raw);
  if (encrypted) throw new UserError(`${pathIn} is ${encrypted}`, 'Decrypt it first (to a file or a pipe), then import the result');
  if (sniffContainer(raw) === 'zip') return detectZip(path);
  return detectIn({ path, members: [] }, [path], dolibarrName(path));
}

/** The dump inside a location (a file, or a member of a tar), recognised by its first bytes. */
async function detectIn(location: DumpLocation, files: string[], wrapper: DumpWrapper, depth = 0): Promise<DetectedDump> {
  const shown = describeLocation(location);
  const { stream, compression } = await openDump(location);
  let head: Buffer;
  try {
    head = (await peek(stream, HEAD_BYTES)).head.subarray(0, HEAD_BYTES);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${shown} cannot be read: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    stream.destroy();
  }
  if (!head.length) throw new UserError(`${shown} holds nothing once decompressed`, 'The backup that wrote it failed; use another one');
  const encrypted = sniffEncryption(head);
  if (encrypted) throw new UserError(`${shown} is ${encrypted}`, 'Decrypt it first, then import the result');
  const dump = (engine: Engine, format: DumpFormat): DetectedDump => ({ engine, format, wrapper, compression, location, head, files });
  if (head.toString('latin1', 0, 5) === 'PGDMP') return dump('postgres', 'pg-custom');
  if (sniffContainer(head) === 'tar') {
    if (depth > 2) throw new UserError(`${shown} nests archives too deeply`, 'Unpack it and import the dump inside');
    return detectTar(location, files, depth);
  }
  const text = sqlFlavour(head);
  if (text) return dump(text.engine, text.format);
  throw new UserError(
    `${shown} is not a database dump: it looks like ${looksLike(head)}`,
    'crm-rescue reads pg_dump, pg_dumpall, mysqldump/mariadb-dump and mydumper output',
  );
}

/** A tar: pg_dump -Ft (toc.dat at its root), or a CRM's tarball with the SQL dump inside (at any depth, or in a nested tar.gz). */
async function detectTar(location: DumpLocation, files: string[], depth: number): Promise<DetectedDump> {
  const members = (
    await listMembers(location).catch((err: unknown) => {
      if (err instanceof UserError) throw err;
      throw new UserError(
        `${describeLocation(location)} is a damaged or truncated tar archive (${causeOf(err)})`,
        'Use another backup, or copy this one again from where it came from',
        {
          cause: err,
        },
      );
    })
  ).filter((m) => !m.directory);
  if (members.some((m) => m.name === 'toc.dat')) {
    const head = await readMemberHead(location, 'toc.dat');
    const opened = await openDump(location);
    opened.stream.destroy();
    const compression = opened.compression;
    return { engine: 'postgres', format: 'pg-tar', wrapper: null, compression, location, head, files };
  }
  const sql = pickSqlMember(members);
  if (sql) return detectIn({ path: location.path, members: [...location.members, sql.name] }, files, depth ? 'espocrm-tar' : sqlWrapper(sql), depth + 1);
  const nested = members.filter((m) => /\.(tar(\.(gz|bz2|xz|zst|lz4))?|tgz|tbz2?|txz)$/i.test(m.name));
  for (const n of nested) {
    const inner = (await listMembers({ path: location.path, members: [...location.members, n.name] })).filter((m) => !m.directory);
    const innerSql = pickSqlMember(inner);
    if (innerSql) return detectIn({ path: location.path, members: [...location.members, n.name, innerSql.name] }, files, 'espocrm-tar', depth + 2);
  }
  const names = members.slice(0, 5).map((m) => m.name);
  throw new UserError(
    `${describeLocation(location)} is a tar archive without a database dump in it (it holds ${names.join(', ')}${members.length > 5 ? ', …' : ''})`,
    'Unpack it and import the dump inside',
  );
}

/** EspoCRM's backup tarball names its dump db.sql; otherwise the one .sql file of the archive. */
function pickSqlMember(members: ContainerMember[]): ContainerMember | null {
  const named = members.filter((m) => basename(m.name) === 'db.sql');
  if (named.length === 1) return named[0];
  const sql = members.filter((m) => /\.sql(\.(gz|bz2|xz|zst|lz4))?$/i.test(m.name));
  return sql.length === 1 ? sql[0] : null;
}

function sqlWrapper(m: ContainerMember): DumpWrapper {
  return basename(m.name) === 'db.sql' ? 'espocrm-tar' : null;
}

/** A zip: Odoo's database-manager backup (dump.sql, manifest.json, filestore/), or a zip holding one dump. */
async function detectZip(path: string): Promise<DetectedDump> {
  const members = await listMembers({ path, members: [] });
  const files = members.filter((m) => !m.directory);
  const dumpSql =
    files.find((m) => m.name === 'dump.sql') ??
    (files.filter((m) => /\.(sql|dump)$/i.test(m.name)).length === 1 ? files.find((m) => /\.(sql|dump)$/i.test(m.name)) : undefined);
  if (!dumpSql)
    throw new UserError(`${path} is a zip archive without a database dump in it`, 'An Odoo backup zip holds dump.sql; unpack it and import the dump inside');
  if (dumpSql.encrypted) throw new UserError(`${path} is an encrypted zip archive`, 'Unzip it with its password, then import the dump inside');
  const odoo = files.some((m) => m.name === 'manifest.json') && dumpSql.name === 'dump.sql';
  const d = await detectIn({ path, members: [dumpSql.name] }, [path], odoo ? 'odoo-zip' : null);
  return d;
}

/** A folder: a pg_dump directory archive (toc.dat) or a mydumper output folder (metadata + *-schema.sql). */
async function detectFolder(path: string): Promise<DetectedDump> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (err) {
    throw new UserError(`${path} cannot be read: ${(err as Error).message}`, undefined, { cause: err });
  }
  const files = names.map((n) => join(path, n));
  if (names.includes('toc.dat')) {
    const head = await readFileHead(join(path, 'toc.dat'), 4096);
    if (head.toString('latin1', 0, 5) !== 'PGDMP') throw new UserError(`${path}/toc.dat is not a pg_dump table of contents`, 'The archive is damaged');
    return { engine: 'postgres', format: 'pg-directory', wrapper: null, compression: 'none', location: { path, members: [] }, head, files };
  }
  if (names.includes('metadata') && names.some((n) => /-schema\.sql(\.(gz|zst))?$/.test(n))) {
    const head = await readFileHead(join(path, 'metadata'), HEAD_BYTES);
    return { engine: 'mysql', format: 'mydumper', wrapper: null, compression: 'none', location: { path, members: [] }, head, files };
  }
  throw new UserError(
    `${path} is a folder, but neither a pg_dump directory archive (toc.dat) nor a mydumper folder (metadata and *-schema.sql files)`,
    'Name the dump file inside it, or scan it: crm-rescue backups import --scan DIR',
  );
}

/** Dolibarr's backup page names its files `mysqldump_<db>_<version>[_<date>].sql[.gz|.bz2|.zst]` (a label only: the content decides). */
function dolibarrName(path: string): DumpWrapper {
  return /^(mysqldump|pg_dump)_.+_\d+\.\d+\.\d+[^_]*(_\d{12,14})?\.sql(\.(gz|bz2|zst))?$/.test(basename(path)) ? 'dolibarr' : null;
}

/**
 * The SQL dialect of a dump's first bytes: pg_dump and pg_dumpall write a header comment (and
 * PostgreSQL-only statements follow); mysqldump and mariadb-dump write their header, version-gated
 * comments `/*!40101 … *\/` or, with --compact, backquoted statements.
 */
export function sqlFlavour(head: Buffer): { engine: Engine; format: DumpFormat } | null {
  if (head.includes(0)) return null;
  const text = head.toString('utf8');
  if (/^-- PostgreSQL database cluster dump/m.test(text)) return { engine: 'postgres', format: 'pg-dumpall' };
  if (/^-- PostgreSQL database dump/m.test(text)) return { engine: 'postgres', format: 'pg-plain' };
  if (
    /^-- (MySQL|MariaDB) dump /m.test(text) ||
    text.startsWith('/*M!999999\\- enable the sandbox mode */') ||
    text.startsWith('/*!999999\\- enable the sandbox mode */')
  )
    return { engine: 'mysql', format: 'mysqldump' };
  // Without the header comment (--skip-comments, --compact, or a dump cut to one table).
  const pgDumpSigns = [
    /^SET (statement_timeout|client_encoding|standard_conforming_strings) = /m,
    /^SELECT pg_catalog\.set_config\(/m,
    /^\\connect /m,
    /^\\(un)?restrict /m,
    /^COPY [^\n]+ FROM stdin;$/m,
  ].filter((r) => r.test(text)).length;
  const mysqldumpSigns = [/^\/\*!\d{5} SET /m, /^(CREATE TABLE|INSERT INTO|DROP TABLE IF EXISTS|LOCK TABLES) `/m, /^USE `/m, /\) ENGINE=\w+/m].filter((r) =>
    r.test(text),
  ).length;
  if (pgDumpSigns > mysqldumpSigns && pgDumpSigns > 0)
    return { engine: 'postgres', format: /^\\connect /m.test(text) && /^CREATE DATABASE /m.test(text) ? 'pg-dumpall' : 'pg-plain' };
  if (mysqldumpSigns > 0) return { engine: 'mysql', format: 'mysqldump' };
  return null;
}

/** What a file that is no dump looks like, for the one-line refusal. */
export function looksLike(head: Buffer): string {
  const magic: [string | number[], string][] = [
    ['%PDF', 'a PDF document'],
    [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
    [[0xff, 0xd8, 0xff], 'a JPEG image'],
    [[0x7f, 0x45, 0x4c, 0x46], 'a program (ELF)'],
    ['SQLite format 3', 'an SQLite database'],
    ['Rar!', 'a RAR archive'],
    ["7z\xbc\xaf'\x1c", 'a 7-Zip archive'],
  ];
  for (const [m, what] of magic) {
    const bytes = typeof m === 'string' ? Buffer.from(m, 'latin1') : Buffer.from(m);
    if (head.subarray(0, bytes.length).equals(bytes)) return what;
  }
  if (sniffCompression(head) !== 'none') return 'compressed data of an unknown kind';
  const sample = head.subarray(0, 4096);
  const binary = sample.filter((b) => b === 0 || (b < 0x09 && b !== 0)).length > 0;
  if (binary) return `binary data (starting ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`;
  const first =
    sample
      .toString('utf8')
      .split('\n')
      .find((l) => l.trim().length) ?? '';
  const t = first.trim();
  if (/^[{[]/.test(t)) return 'JSON';
  if (/^<\?xml|^<!DOCTYPE|^<html/i.test(t)) return 'XML or HTML';
  if (/^[^,;\t]+([,;\t][^,;\t]*){2,}$/.test(t)) return 'a CSV or spreadsheet export';
  return `text, starting "${t.length > 60 ? `${t.slice(0, 57)}…` : t}"`;
}

/** The first bytes of a member of the tar at `location` (pg_dump -Ft's toc.dat). */
async function readMemberHead(location: DumpLocation, member: string): Promise<Buffer> {
  const { stream } = await openDump({ path: location.path, members: [...location.members, member] });
  try {
    return (await peek(stream, 4096)).head;
  } finally {
    stream.destroy();
  }
}

/** The first line of an error's message (a tool's error carries its stderr below). */
function causeOf(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}
