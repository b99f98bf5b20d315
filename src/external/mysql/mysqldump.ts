import { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import type { DumpLocation, DumpTable } from '../model.js';
import { DumpReadError, describeLocation, openDump } from '../open.js';
import { DumpScanner, type StatementHead } from './scan.js';
import { localDumpTime } from './time.js';

/** What one pass over a mysqldump file tells. */
export interface MysqldumpFacts {
  databases: string[];
  tables: DumpTable[];
  /** `-- Dump completed on …`, as an ISO time (see localDumpTime), or null. */
  completedAt: string | null;
  tool: string | null;
  serverVersion: string | null;
}

/**
 * SETs of a dump header that say nothing of how its rows are read: MySQL's binary log and GTID
 * lines (`SET @@SESSION.SQL_LOG_BIN= 0`, `SET @@GLOBAL.GTID_PURGED=…`) and MariaDB's
 * `NOTE_VERBOSITY`. Left out before the filter, which would refuse them.
 */
const LEFT_OUT_SETTINGS = /\b(?:SQL_LOG_BIN|GTID_PURGED|MYSQLDUMP_TEMP_LOG_BIN|NOTE_VERBOSITY)\b/i;

/** Names in the file are bytes; the scanner gives them as latin1 strings. */
const utf8 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');
const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/**
 * Reads a mysqldump / mariadb-dump file once (streamed, other tables' rows skipped line by line):
 * its databases, its tables with the bytes of their INSERTs, the tool, the server and when it
 * completed. Tables are told by their statements (`CREATE TABLE`, `INSERT INTO`, `USE`), so files
 * written with --compact or --skip-comments read the same.
 */
export async function indexMysqldump(loc: DumpLocation, onBytes?: (raw: number) => void, signal?: AbortSignal): Promise<MysqldumpFacts> {
  const databases: string[] = [];
  const tables = new Map<string, DumpTable>();
  const facts: MysqldumpFacts = { databases, tables: [], completedAt: null, tool: null, serverVersion: null };
  const addDb = (name: string) => {
    if (name && !databases.includes(utf8(name))) databases.push(utf8(name));
  };
  const table = (h: StatementHead): DumpTable => {
    const key = `${h.database}\0${h.name}`;
    let t = tables.get(key);
    if (!t) {
      addDb(h.database);
      t = { schema: utf8(h.database), name: utf8(h.name!), database: utf8(h.database), bytes: 0, rows: null, hasDefinition: false, hasData: false };
      tables.set(key, t);
    }
    return t;
  };
  let headerDb = '';
  const scanner = new DumpScanner({
    comment(line) {
      let m = /^-- (MySQL|MariaDB) dump (\S+)\s+Distrib (\S+?)(?:,|\s|$)/.exec(line);
      if (m && !facts.tool) {
        const distrib = m[3].replace(/-MariaDB.*$/i, '');
        // Which server's client wrote it: MariaDB's says so in its name or its version.
        const maria = /MariaDB/i.test(`${m[1]} ${m[3]}`);
        facts.tool = maria ? `mariadb-dump ${m[2]} (MariaDB ${distrib})` : `mysqldump ${m[2]} (MySQL ${distrib})`;
        return;
      }
      m = /^-- Server version\s+(.+?)\s*$/.exec(line);
      if (m && !facts.serverVersion) {
        facts.serverVersion = m[1];
        return;
      }
      m = /^-- Dump completed on (\d{4})-(\d{2})-(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})/.exec(line);
      if (m) facts.completedAt = localDumpTime(m.slice(1, 7).map(Number));
      m = /^-- Host: .*\bDatabase: (.+?)\s*$/.exec(line);
      if (m && !headerDb) {
        headerDb = m[1];
        addDb(m[1]);
      }
    },
    statement(h) {
      if (h.kind === 'create-database' || h.kind === 'use') addDb(h.name!);
      else if (h.kind === 'create-table') table(h).hasDefinition = true;
      else if (h.kind === 'insert') table(h).hasData = true;
      return false;
    },
    end(h, end) {
      if (h.kind === 'insert') table(h).bytes! += end - h.offset;
    },
    write() {},
  });
  const { stream } = await openDump(loc, { onBytes, signal });
  await pump(stream, scanner, signal);
  facts.tables = [...tables.values()];
  return facts;
}

/**
 * One table's statements out of a mysqldump file, streamed: the header's session settings, the
 * table's CREATE TABLE (with the settings right around it) and its INSERTs, in the section of
 * `database` (the dump's name for it: a USE, or the header's); nothing else of the file. The pass
 * stops after the table's section when the header says mysqldump wrote the file (it writes a
 * table's rows in one place). `prelude` goes first (a definition taken from elsewhere).
 */
export function extractMysqldumpTable(
  loc: DumpLocation,
  database: string,
  name: string,
  opts: { prelude?: string; onBytes?: (raw: number) => void; signal?: AbortSignal },
): Readable {
  const db = latin1(database);
  const tbl = latin1(name);
  const display = describeLocation(loc);
  async function* run(): AsyncGenerator<Buffer | string> {
    if (opts.prelude) yield Buffer.from(opts.prelude, 'utf8');
    const out: (Buffer | string)[] = [];
    /** Settings since the last other statement: passed only when the table's definition follows. */
    let pending: (Buffer | string)[] = [];
    let pendingBytes = 0;
    let sink: 'out' | 'pending' | null = null;
    let seenOther = false;
    let phase: 'before' | 'in' = 'before';
    let afterCreate = false;
    let inserting = false;
    const ours = (h: StatementHead) => h.name === tbl && h.database === db;
    let contiguous = false;
    const scanner = new DumpScanner({
      comment(line) {
        if (!seenOther && /^-- (?:MySQL|MariaDB) dump /.test(line)) contiguous = true;
      },
      statement(h) {
        sink = null;
        if (h.kind === 'set') {
          // Settings of the dumping server's replication and of its notes: nothing of how rows
          // are read, and the filter (rightly) runs no such SET.
          if (LEFT_OUT_SETTINGS.test(h.text ?? '')) return false;
          if (!seenOther || afterCreate) sink = 'out';
          else if (phase === 'before') sink = 'pending';
          return sink !== null;
        }
        seenOther = true;
        afterCreate = false;
        const pend = pending;
        pending = [];
        pendingBytes = 0;
        const elsewhere = h.kind === 'use' ? h.name !== db : (h.kind === 'create-table' || h.kind === 'insert') && !ours(h);
        if (phase === 'in' && elsewhere && contiguous) {
          // The table's section is over: mysqldump writes a table's rows in one place. (A file
          // that does not say it is mysqldump's is read to its end: rows may come later.)
          scanner.stopped = true;
          return false;
        }
        if ((h.kind === 'create-table' || h.kind === 'insert') && ours(h)) {
          if (h.kind === 'create-table') {
            out.push(...pend);
            afterCreate = true;
          }
          phase = 'in';
          inserting = h.kind === 'insert';
          sink = 'out';
          return true;
        }
        return false;
      },
      end(h, _end, complete) {
        if (complete || h.kind !== 'insert') inserting = false;
      },
      write(chunk) {
        if (sink === 'out') out.push(chunk);
        else if (sink === 'pending') {
          pendingBytes += chunk.length;
          // Settings are a few lines; a run of them longer than this is nothing mysqldump writes.
          if (pendingBytes > 1 << 20) throw new UserError(`${display}: a run of SET statements over 1 MiB; this is not a mysqldump file staging reads`);
          pending.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk));
        }
      },
    });
    const { stream } = await openDump(loc, { onBytes: opts.onBytes, signal: opts.signal });
    try {
      for await (const chunk of withContext(stream, scanner, opts.signal)) {
        scanner.feed(chunk);
        if (out.length) yield* out.splice(0);
        if (scanner.stopped) return;
      }
      scanner.finish();
      if (out.length) yield* out.splice(0);
      if (inserting)
        throw new UserError(
          `${display} ends inside the rows of table ${name} (at byte ${scanner.offset}): the file is truncated`,
          'Use another backup, or the same one from where it was copied from',
        );
    } finally {
      stream.destroy();
    }
  }
  // Readable.from would take strings as objects: make everything bytes.
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const c of run()) yield typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** Feeds a whole stream to the scanner (an index pass). */
async function pump(stream: Readable, scanner: DumpScanner, signal?: AbortSignal): Promise<void> {
  try {
    for await (const chunk of withContext(stream, scanner, signal)) scanner.feed(chunk);
    scanner.finish();
  } finally {
    stream.destroy();
  }
}

/** The stream's chunks; a damaged stream's error says which table's statements it broke off in. */
export async function* withContext(stream: Readable, scanner: { current: StatementHead | null; offset: number }, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let last: StatementHead | null = null;
  try {
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      if (scanner.current?.name) last = scanner.current;
      yield chunk as Buffer;
      if (scanner.current?.name) last = scanner.current;
    }
  } catch (err) {
    if (!(err instanceof DumpReadError)) throw err;
    const cur = scanner.current;
    const where =
      cur?.kind === 'insert'
        ? `inside the rows of table ${utf8(cur.name!)}`
        : cur?.kind === 'create-table'
          ? `inside the definition of table ${utf8(cur.name!)}`
          : last
            ? `after table ${utf8(last.name!)}`
            : 'before the first table';
    // The tool's own words stay in the cause: the message stays one line.
    throw new DumpReadError(
      `${err.message.replace(/ of the file \([\s\S]*$/, ' of the file')}, ${where} (byte ${scanner.offset} of the decompressed dump)`,
      err.rawOffset,
      err.hint,
      {
        cause: err,
      },
    );
  }
}
