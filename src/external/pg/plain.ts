import type { Db } from '../../connect/open.js';
import type { QualifiedName } from '../../dialect/own-tables.js';
import { UserError } from '../../errors.js';
import type { PgTableDefinition, StagedShape } from '../../stage/pg-stage.js';
import type { LoadedCopy, LoadTarget } from '../../stage/row-source.js';
import type { DetectedDump, DumpIndex, DumpKey, DumpTable, ExternalBackupRecord, IndexOptions } from '../model.js';
import { describeLocation, DumpReadError, openDump } from '../open.js';
import { headDatabase } from '../scan.js';
import { insertToCopy } from './inserts.js';
import { createOf, displayOf, keyOf, keyStatement, keysFor, liveDefinition, recordedEnd, shapeOf, StageSession, type Key } from './session.js';
import { DumpEndedError, identListAt, qualifiedAt, SqlScanner, utf8, type Interest } from './sql-scan.js';

/**
 * Plain SQL dumps (pg_dump's default format, pg_dumpall, an Odoo zip's dump.sql): one streaming
 * pass each to index and to stage a table. Nothing of the dump is run: statements are only
 * recognised (CREATE TABLE, COPY, INSERT INTO, ALTER TABLE ONLY … ADD CONSTRAINT, SET) and the
 * rest passed over by the lexer; COPY blocks of other tables are skipped with indexOf.
 */

const CREATE_TABLE = /^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+/i;
const ALTER_ONLY = /^ALTER\s+TABLE\s+ONLY\s/i;
const INSERT_INTO = /^INSERT\s+INTO\s+/i;
const SET_ENCODING = /^SET\s+client_encoding\s*=\s*'([A-Za-z0-9_-]+)'\s*;$/i;
const SEARCH_PATH = /^(?:SET\s+search_path\s*(?:=|TO)\s*|SELECT\s+pg_catalog\.set_config\('search_path',\s*')/i;

let lastInsert: { prefix: string; q: ReturnType<typeof qualifiedAt> } | null = null;

/** The table an INSERT statement's head (latin1) names; the last answer is kept, as INSERTs come one table at a time. */
function insertTarget(head: string): ReturnType<typeof qualifiedAt> {
  if (lastInsert && head.startsWith(lastInsert.prefix)) return lastInsert.q;
  const m = INSERT_INTO.exec(head);
  const q = m && qualifiedAt(head, m[0].length);
  if (!q) return null;
  // The prefix ends after the name, at a space or "(": the same prefix names the same table.
  if (head[q.end] === ' ' || head[q.end] === '(') lastInsert = { prefix: head.slice(0, q.end + 1), q };
  return q;
}

/** The database a `\connect` line names (`\connect db`, `\connect "we""ird"`, `\connect -reuse-previous=on "dbname='x'"`), or null. */
export function connectTarget(line: string): string | null {
  const m = /^\\c(?:onnect)?\s+(.*)$/.exec(line);
  if (!m) return null;
  let rest = m[1].trim();
  const reuse = /^-reuse-previous=on\s+"dbname='((?:[^']|'')*)'"/.exec(rest) ?? /^-reuse-previous=on\s+"dbname=((?:[^"\s]|"")*)"/.exec(rest);
  if (reuse) return utf8(reuse[1].replace(/''/g, "'").replace(/\\\\/g, '\\'));
  rest = rest.replace(/^-reuse-previous=\S+\s+/, '');
  if (rest.startsWith('"')) {
    const q = /^"((?:[^"]|"")*)"/.exec(rest);
    return q ? utf8(q[1].replace(/""/g, '"')) : null;
  }
  const w = /^(\S+)/.exec(rest);
  return w ? utf8(w[1]) : null;
}

/** The schema a `SET search_path` statement (latin1) puts first, or null. */
function searchPathOf(stmt: string): string | null {
  const m = SEARCH_PATH.exec(stmt);
  if (!m) return null;
  const first = /^\s*'?([^,'\s;]+)/.exec(stmt.slice(m[0].length));
  return first && first[1] !== "''" ? utf8(first[1]).replace(/^"(.*)"$/, '$1') : null;
}

/** `-- Completed on 2026-11-21 15:00:03 UTC` as ISO 8601, when its zone is one we can read exactly. */
export function completedOn(line: string): string | null {
  const m = /^-- Completed on (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?: (\S+))?$/.exec(line);
  if (!m) return null;
  const zones: Record<string, string> = {
    UTC: 'Z',
    GMT: 'Z',
    Z: 'Z',
    CET: '+01:00',
    CEST: '+02:00',
    EET: '+02:00',
    EEST: '+03:00',
    WET: 'Z',
    WEST: '+01:00',
    BST: '+01:00',
  };
  const z =
    m[3] === undefined
      ? null
      : (zones[m[3]] ??
        (/^[+-]\d{2}(?::?\d{2})?$/.test(m[3]) ? m[3].replace(/^([+-]\d{2})(\d{2})?$/, (_a, h: string, mm?: string) => `${h}:${mm ?? '00'}`) : null));
  if (!z) return null;
  const t = Date.parse(`${m[1]}T${m[2]}${z}`);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Indexes a plain or pg_dumpall dump in one streaming pass. */
export async function indexPlain(d: DetectedDump, opts: IndexOptions): Promise<DumpIndex> {
  const dumpall = d.format === 'pg-dumpall';
  const ds = await openDump(d.location, { onBytes: opts.onBytes, signal: opts.signal });
  const display = describeLocation(d.location);
  const fallbackDb = dumpall ? '' : (headDatabase(d) ?? '');
  let database = fallbackDb;
  const databases: string[] = [];
  let defaultSchema: string | null = null;
  const tables = new Map<string, DumpTable>();
  let tool: string | null = null;
  let serverVersion: string | null = null;
  let takenAt: string | null = null;
  let last: DumpTable | null = null;
  const entry = (schema: string | null, name: string): DumpTable => {
    const s = schema ?? defaultSchema ?? 'public';
    // INSERTs come one table at a time: the last one found is most often the one.
    if (last && last.name === name && last.schema === s && last.database === database) return last;
    const k = JSON.stringify([database, s, name]);
    let t = tables.get(k);
    if (!t) tables.set(k, (t = { schema: s, name, database, bytes: null, rows: null, hasDefinition: false, hasData: false }));
    return (last = t);
  };
  let current = '';
  let copying: DumpTable | null = null;
  // Keys as staging would find them (post-data, after the rows), by [database, schema, name].
  const keys = new Map<string, DumpKey[]>();
  const want = (head: string): Interest => {
    current = '';
    if (CREATE_TABLE.test(head) || SEARCH_PATH.test(head) || ALTER_ONLY.test(head)) return 'capture';
    if (INSERT_INTO.test(head)) return 'measure';
    return 'skip';
  };
  const scanner = new SqlScanner(ds.stream, want);
  try {
    for await (const ev of scanner.events()) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      switch (ev.kind) {
        case 'comment': {
          const from = /^-- Dumped from database version (.+)$/.exec(ev.line);
          if (from && !serverVersion) serverVersion = utf8(from[1]).trim();
          const by = /^-- Dumped by (pg_dump(?:all)?) version (\S+)/.exec(ev.line);
          if (by && (!tool || by[1] === 'pg_dumpall')) tool = `${by[1]} ${by[2]}`;
          takenAt = completedOn(ev.line) ?? takenAt;
          break;
        }
        case 'meta': {
          const db = connectTarget(ev.line);
          if (db !== null) {
            database = db;
            defaultSchema = null;
            if (!databases.includes(db)) databases.push(db);
          }
          break;
        }
        case 'statement': {
          const sp = searchPathOf(ev.text);
          if (sp) defaultSchema = sp;
          const m = CREATE_TABLE.exec(ev.text);
          const q = m && qualifiedAt(ev.text, m[0].length);
          if (q) entry(q.schema, q.name).hasDefinition = true;
          const key = keyStatement(ev.text, defaultSchema ?? 'public');
          if (key) {
            const k = JSON.stringify([database, key.schema, key.name]);
            keys.set(k, [...(keys.get(k) ?? []), key.key]);
          }
          break;
        }
        case 'measured': {
          const q = insertTarget(ev.head);
          if (!q) break;
          const t = entry(q.schema, q.name);
          current = displayOf(t);
          t.hasData = true;
          t.dataStatements = (t.dataStatements ?? 0) + 1;
          t.bytes = (t.bytes ?? 0) + ev.bytes;
          // One row per statement unless --rows-per-insert wrote several (then they are not counted).
          const multi = / VALUES\n/.test(ev.head);
          t.rows = multi || (t.rows === null && t.bytes !== ev.bytes) ? null : (t.rows ?? 0) + 1;
          break;
        }
        case 'copy': {
          const q = qualifiedAt(ev.header, /^COPY\s+/i.exec(ev.header)![0].length);
          copying = q ? entry(q.schema, q.name) : null;
          if (copying) copying.dataStatements = (copying.dataStatements ?? 0) + 1;
          current = copying ? displayOf(copying) : 'a table';
          break;
        }
        case 'copy-end': {
          const t = copying;
          if (t) {
            t.rows = (t.rows ?? 0) + ev.rows;
            t.bytes = (t.bytes ?? 0) + ev.bytes;
            t.hasData ||= ev.rows > 0;
          }
          current = '';
          break;
        }
        default:
          break;
      }
    }
  } catch (err) {
    throw readError(err, display, current);
  } finally {
    ds.stream.destroy();
  }
  if (!dumpall && !databases.length && fallbackDb) databases.push(fallbackDb);
  // Staging a plain dump matches a table in every section (it has no \connect of its own to
  // follow): with several, what is counted here per section would not be what it reads.
  const exact = dumpall || databases.length <= 1;
  for (const [k, t] of tables) {
    if (exact) {
      t.keys = keys.get(k) ?? [];
      t.dataStatements ??= 0;
    } else delete t.dataStatements;
  }
  return {
    engine: 'postgres',
    format: d.format,
    wrapper: d.wrapper,
    compression: d.compression,
    location: d.location,
    databases: dumpall ? databases.filter((db) => [...tables.values()].some((t) => t.database === db)) : databases,
    tables: [...tables.values()],
    takenAt: takenAt ?? '',
    takenAtSource: takenAt ? 'dump-completed' : 'mtime',
    // pg_dumpall runs the pg_dump of its own version for each database.
    tool: dumpall && tool?.startsWith('pg_dump ') ? tool.replace(/^pg_dump /, 'pg_dumpall ') : tool,
    serverVersion,
  };
}

/** An error of reading the dump, as one line naming the table whose data it ended in. */
function readError(err: unknown, display: string, table: string): unknown {
  const where = table ? `, in the data of ${table}` : '';
  if (err instanceof DumpReadError) return new DumpReadError(`${err.message}${where}`, err.rawOffset, err.hint, { cause: err });
  if (err instanceof DumpEndedError)
    return new UserError(`${display}: ${err.message}${where}: the file is incomplete`, 'Use another backup, or the same one from where it was copied from', {
      cause: err,
    });
  return err;
}

/**
 * Stages one table of a plain dump in one streaming pass: its CREATE TABLE (pre-data comes before
 * data in pg_dump's order) through stagedShape, psql started when its data starts, its COPY rows
 * or its INSERTs turned into COPY rows streamed in, its keys added before the commit. The keys
 * come after all data (post-data): recorded at import, the pass stops after the table's last data
 * statement; a record without them reads on to take them from the post-data statements. In a
 * pg_dumpall file only the table's database's section is read for it.
 */
export async function loadPlain(db: Db, record: ExternalBackupRecord, table: DumpTable, live: QualifiedName, into: LoadTarget): Promise<LoadedCopy> {
  const loc = record.index.location;
  const dumpall = record.index.format === 'pg-dumpall';
  const display = displayOf(table);
  const ds = await openDump(loc, { onBytes: into.onBytes, signal: into.signal });
  let section: string | null = null;
  const inSection = () => !dumpall || section === table.database;
  let defaultSchema: string | null = null;
  let encoding: string | null = null;
  let def: PgTableDefinition | null = null;
  let note: string | undefined;
  const keys: Key[] = [];
  // Keys recorded at import (from this same file, its size and mtime checked by the caller): the
  // pass then ends after the table's last data statement instead of reading on for the post-data.
  const recorded = recordedEnd(table);
  let dataSeen = 0;
  const complete = () => recorded !== null && dataSeen >= recorded.dataStatements && (def !== null || !table.hasDefinition);
  let session: StageSession | null = null;
  let shape: StagedShape | null = null;
  let inserting = false;
  let insertColumns: string[] | null = null;
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = async () => {
    if (!pending.length) return;
    const data = Buffer.from(pending.join(''), 'latin1');
    pending = [];
    pendingLength = 0;
    await session!.rows(data);
  };
  let current = '';
  let ours = false;
  const isOurs = (q: { schema: string | null; name: string } | null) =>
    !!q && inSection() && (q.schema ?? defaultSchema ?? 'public') === table.schema && q.name === table.name;
  const open = async () => {
    if (session) return session;
    if (!def) {
      def = await liveDefinition(db, live);
      note = ' (definition from the live table: the dump has none)';
    }
    shape = await shapeOf(db, into.namespace, def, display);
    session = await StageSession.start(db, into, shape, encoding ?? def.encoding, display);
    return session;
  };
  const want = (head: string): Interest => {
    current = '';
    if (SET_ENCODING.test(head) || SEARCH_PATH.test(head) || /^SET\s+standard_conforming_strings/i.test(head)) return 'capture';
    if (!inSection()) return 'skip';
    if (INSERT_INTO.test(head)) {
      const q = insertTarget(head);
      if (q) current = `${q.schema ?? defaultSchema ?? 'public'}.${q.name}`;
      return isOurs(q) ? 'capture' : 'skip';
    }
    if (CREATE_TABLE.test(head) || ALTER_ONLY.test(head)) return 'capture';
    return 'skip';
  };
  const scanner = new SqlScanner(ds.stream, want);
  scanner.countRows = false;
  let standardStrings = true;
  try {
    for await (const ev of scanner.events()) {
      if (into.signal?.aborted) throw into.signal.reason;
      if (inserting && !(ev.kind === 'statement' && INSERT_INTO.test(ev.text) && isOurs(insertTarget(ev.text)))) {
        await flush();
        await session!.endCopy();
        inserting = false;
      }
      switch (ev.kind) {
        case 'meta': {
          const c = connectTarget(ev.line);
          if (c !== null) {
            section = c;
            defaultSchema = null;
          }
          break;
        }
        case 'statement': {
          const enc = SET_ENCODING.exec(ev.text);
          if (enc) encoding = enc[1];
          const sp = searchPathOf(ev.text);
          if (sp) defaultSchema = sp;
          if (/^SET\s+standard_conforming_strings\s*=\s*'?(off|false)'?\s*;$/i.test(ev.text)) standardStrings = false;
          if (/^SET\s+standard_conforming_strings\s*=\s*'?(on|true)'?\s*;$/i.test(ev.text)) standardStrings = true;
          if (!inSection()) break;
          if (CREATE_TABLE.test(ev.text)) {
            const found = createOf(ev.text, table, defaultSchema ?? 'public', encoding);
            if (found && !def) def = found;
            break;
          }
          const key = keyOf(ev.text, table, defaultSchema ?? 'public');
          if (key) {
            keys.push(key);
            break;
          }
          if (INSERT_INTO.test(ev.text) && isOurs(insertTarget(ev.text))) {
            current = display;
            dataSeen++;
            const rows = insertToCopy(ev.text, display, !standardStrings);
            const s = await open();
            if (!inserting) {
              await s.copy(rows.columns ?? shape!.dataColumns);
              inserting = true;
              insertColumns = rows.columns;
            } else if ((rows.columns ?? []).join('\0') !== (insertColumns ?? []).join('\0'))
              throw new UserError(`the dump's INSERTs into ${display} name different columns`, 'Restore the dump by hand into a scratch database');
            // Rows go to psql in batches: one write per INSERT would cost more than the parse.
            pending.push(rows.copyText);
            pendingLength += rows.copyText.length;
            if (pendingLength >= 1 << 16) await flush();
          }
          break;
        }
        case 'copy': {
          const m = /^COPY\s+/i.exec(ev.header)!;
          const q = qualifiedAt(ev.header, m[0].length);
          current = q ? `${q.schema ?? defaultSchema ?? 'public'}.${q.name}` : 'a table';
          ours = isOurs(q);
          if (!ours) break;
          let at = q!.end;
          while (/\s/.test(ev.header[at] ?? '')) at++;
          const cols = identListAt(ev.header, at);
          const s = await open();
          await s.copy(cols ? cols.names : shape!.dataColumns);
          scanner.emitCopy = true;
          break;
        }
        case 'copy-data':
          await session!.rows(ev.data);
          break;
        case 'copy-end':
          if (ours) {
            await session!.endCopy();
            dataSeen++;
          }
          ours = false;
          current = '';
          break;
        default:
          break;
      }
      // Leaving the loop destroys the stream below (and with it a decompressor) mid-file.
      if (complete()) break;
    }
    if (inserting) {
      await flush();
      await session!.endCopy();
    }
    if (!session && !def)
      throw new UserError(`${describeLocation(loc)} holds neither a definition nor rows of ${display}`, 'crm-rescue backups show ID lists its tables');
    const s = await open();
    const rows = await s.finish(keysFor(recorded ? recorded.keys : keys, shape!));
    const target = { schema: into.namespace, name: into.temporaryName };
    return {
      table: target,
      aside: { schema: into.namespace, name: `${into.temporaryName}_old` },
      rows,
      bytes: ds.rawBytes(),
      cleanup: () => db.query(`DROP TABLE IF EXISTS ${db.dialect.quoteQualified(target.schema, target.name)}`).then(() => undefined),
      ...(note && { note }),
    };
  } catch (err) {
    const s = session as StageSession | null;
    throw readError(s ? await s.failedWith(err) : err, describeLocation(loc), current);
  } finally {
    ds.stream.destroy();
  }
}
