import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openDb, type Db } from '../../connect/open.js';
import type { TableInfo } from '../../dialect/model.js';
import type { Queryable } from '../../dialect/queryable.js';
import { UserError } from '../../errors.js';
import { readEvents } from '../../nobackup/binlog/events.js';
import { fetchServerBinlogs } from '../../nobackup/binlog/server.js';
import { refusedPrivilege } from '../../nobackup/mysql-protect.js';
import { loadSql } from '../../util/sql-file.js';
import { renderSql, splitStatements } from '../trigger/sql-template.js';
import { binlogItems, keyedTables, type KeyedTable } from './decode.js';
import { BINLOG_DELETIONS_TABLE, BINLOG_FILES_TABLE, binlogUnavailable, type BinlogAuditState } from './state.js';

/** Rows per INSERT: memory holds one batch, whatever the number of deleted rows. */
const BATCH = 500;
/** A long annotate statement (an IN list of thousands of ids) is kept to this many characters. */
const STATEMENT_CHARS = 2000;

/** One binlog file to consider: its name, where it is once local, its size now. */
interface FileNow {
  name: string;
  path: string | null;
  bytes: number;
}

/** What a refresh did. */
export interface RefreshResult {
  /** Files decoded (wholly or from where the previous read ended). */
  filesRead: string[];
  /** Deleted rows added to the cache. */
  added: number;
}

/**
 * Brings the cache of decoded deletions (sql/audit/mysql/binlog.sql) up to date with the log:
 * files gone from the log are forgotten, files not read yet (or read with other live
 * definitions, or another file under the same name) are decoded in full, a file that grew is
 * decoded from where the last read ended, unchanged files are not read at all (nor copied from
 * the server). Writes only crm-rescue's internal namespace, over its own read-write
 * connection, one transaction per file, under a named lock (two audits do not read twice).
 */
export async function refreshBinlogDeletions(db: Db, state: BinlogAuditState, tables: readonly TableInfo[], signal?: AbortSignal): Promise<RefreshResult> {
  const why = binlogUnavailable(state);
  if (why) throw new UserError(`The binary log cannot be read: ${why}`);
  const keyed = keyedTables(tables);
  const definitions = definitionsHash(keyed);
  const d = db.dialect;
  const ns = d.quoteIdent(state.namespace);
  const deletions = `${ns}.${d.quoteIdent(BINLOG_DELETIONS_TABLE)}`;
  const filesTable = `${ns}.${d.quoteIdent(BINLOG_FILES_TABLE)}`;
  const writer = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 1 });
  let cleanup: (() => Promise<void>) | null = null;
  try {
    return await writer.withConnection(async (conn) => {
      // The cache's own writes stay out of the log when the user may say so (BINLOG ADMIN/SUPER):
      // otherwise every audit grows the active file, which the next audit then copies again.
      await conn.query('SET SESSION sql_log_bin = 0').catch(() => undefined);
      for (const stmt of splitStatements(renderSql(loadSql('audit/mysql/binlog'), { ns }))) await conn.query(stmt);
      const lock = `crm_rescue_binlog_${createHash('sha256').update(state.namespace).digest('hex').slice(0, 16)}`;
      const [got] = await conn.query<{ ok: unknown }>('SELECT GET_LOCK(?, 60) AS ok', [lock]);
      if (Number(got?.ok) !== 1)
        throw new UserError('Another crm-rescue audit is reading the binary log of this database', 'run the audit again when it has finished');
      try {
        const now = state.files?.length ? await localFiles(state.files) : await serverFiles(db, state);
        const cached = new Map(
          (
            await conn.query<{ file: string; bytes: unknown; started: unknown; definitions: string }>(
              `SELECT file, bytes, started, definitions FROM ${filesTable}`,
            )
          ).map((r) => [r.file, { bytes: Number(r.bytes), started: Number(r.started), definitions: r.definitions }]),
        );
        const names = new Set(now.map((f) => f.name));
        for (const file of cached.keys()) {
          if (names.has(file)) continue;
          // Purged from the server (or not given this time): its events cannot be merged back.
          await conn.query(`DELETE FROM ${deletions} WHERE file = ?`, [file]);
          await conn.query(`DELETE FROM ${filesTable} WHERE file = ?`, [file]);
        }
        const stale = now.filter((f) => {
          const c = cached.get(f.name);
          return !c || c.bytes !== f.bytes || c.definitions !== definitions;
        });
        if (stale.length && !state.files?.length) {
          const fetched = await fetchServerBinlogs(
            db,
            state.settings!,
            signal,
            stale.map((f) => f.name),
          );
          cleanup = fetched.cleanup;
          for (const f of stale) f.path = join(fetched.dir, f.name);
        }
        let added = 0;
        for (const f of stale) {
          signal?.throwIfAborted();
          const path = f.path!;
          const bytes = (await stat(path)).size;
          const started = await fileStart(path);
          const c = cached.get(f.name);
          // A file that grew under the same start and definitions: only what follows the last read.
          const from = c && c.started === started && c.definitions === definitions && c.bytes < bytes ? c.bytes : 0;
          await conn.query('START TRANSACTION');
          try {
            if (from === 0) await conn.query(`DELETE FROM ${deletions} WHERE file = ?`, [f.name]);
            added += await insertItems(conn, deletions, f.name, binlogItems(path, keyed, from));
            await conn.query(
              `INSERT INTO ${filesTable} (file, bytes, started, definitions, read_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))
               ON DUPLICATE KEY UPDATE bytes = VALUES(bytes), started = VALUES(started), definitions = VALUES(definitions), read_at = VALUES(read_at)`,
              [f.name, bytes, started, definitions],
            );
            await conn.query('COMMIT');
          } catch (err) {
            await conn.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
        }
        const [oldest] = await conn.query<{ started: unknown }>(`SELECT MIN(started) AS started FROM ${filesTable}`);
        state.oldest = oldest?.started == null ? null : new Date(Number(oldest.started) * 1000).toISOString().replace('.000Z', 'Z');
        state.cachePresent = true;
        return { filesRead: stale.map((f) => f.name), added };
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
      }
    });
  } finally {
    await (cleanup as (() => Promise<void>) | null)?.();
    await writer.close();
  }
}

/**
 * Inserts a file's deleted rows in batches; a statement that changed a table takes the keys of
 * that table's earlier rows back out (they were logged with another definition: not guessed).
 */
async function insertItems(conn: Queryable, deletions: string, file: string, items: ReturnType<typeof binlogItems>): Promise<number> {
  let batch: unknown[][] = [];
  let added = 0;
  const flush = async () => {
    if (!batch.length) return;
    const values = batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    await conn.query(
      `INSERT INTO ${deletions} (file, pos, row_no, deleted_at, table_schema, table_name, row_key, note, statement) VALUES ${values}`,
      batch.flat(),
    );
    added += batch.length;
    batch = [];
  };
  for await (const item of items) {
    if (item.kind === 'change') {
      await flush();
      await conn.query(
        `UPDATE ${deletions} SET row_key = NULL, note = ? WHERE table_schema = ? AND table_name = ? AND row_key IS NOT NULL AND (file < ? OR (file = ? AND pos < ?))`,
        [
          `the table was changed later in the log (${file}:${item.pos}: ${oneLine(item.sql)}): its key is not decoded with today's definition`,
          item.schema,
          item.table,
          file,
          file,
          item.pos,
        ],
      );
      continue;
    }
    const statement =
      item.statement === null ? null : item.statement.length > STATEMENT_CHARS ? `${item.statement.slice(0, STATEMENT_CHARS)}…` : item.statement;
    batch.push([
      file,
      item.pos,
      item.rowNo,
      new Date(item.timestamp * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      item.schema,
      item.table,
      item.key === null ? null : JSON.stringify(item.key),
      item.note,
      statement,
    ]);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return added;
}

/** A hash of the live definitions keys are decoded with: other definitions, other keys. */
function definitionsHash(tables: Map<string, KeyedTable>): string {
  const parts = [...tables.values()].map((t) => [t.schema, t.name, t.columns.map((c) => `${c.name} ${c.dataType}`), t.keyNames]);
  parts.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The time of a file's first event (its format description): another file under the same name has another. */
async function fileStart(path: string): Promise<number> {
  for await (const ev of readEvents(path)) return ev.timestamp;
  return 0;
}

/** The server's kept files and their sizes now (SHOW BINARY LOGS), without copying any. */
async function serverFiles(db: Db, state: BinlogAuditState): Promise<FileNow[]> {
  try {
    const rows = await db.query<Record<string, unknown>>('SHOW BINARY LOGS');
    return rows.map((r) => ({ name: String(r.Log_name ?? Object.values(r)[0]), path: null, bytes: Number(r.File_size ?? Object.values(r)[1]) }));
  } catch (err) {
    const refused = refusedPrivilege(err, state.settings?.mariadb ?? true);
    if (!refused) throw err;
    const privilege = refused.privilege.split(',').pop()!.trim();
    throw new UserError(
      `The server refused to list its binary log files: the user lacks ${privilege}`,
      `a DBA can run GRANT ${privilege} ON *.* TO the user (and REPLICATION SLAVE to read them)`,
    );
  }
}

/** Local files, or the binlog files of folders (`name.000001` …), in name order. */
async function localFiles(paths: string[]): Promise<FileNow[]> {
  const out: FileNow[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (!s) throw new UserError(`Binary log file ${p} does not exist`, 'give a binlog file or a folder of them (--binlog-file)');
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => /\.\d{6,}$/.test(n)).sort();
      if (!names.length) throw new UserError(`${p} holds no binary log files (name.000001, …)`, 'give a binlog file or a folder of them (--binlog-file)');
      for (const n of names) out.push({ name: n, path: join(p, n), bytes: (await stat(join(p, n))).size });
    } else out.push({ name: basename(p), path: p, bytes: s.size });
  }
  return out;
}

const oneLine = (s: string) => {
  const x = s.replace(/\s+/g, ' ').trim();
  return x.length > 200 ? `${x.slice(0, 197)}...` : x;
};
