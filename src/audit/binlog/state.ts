import type { Db } from '../../connect/open.js';
import { protectFor } from '../../dialect/protect.js';
import { binlogSettings, type BinlogSettings } from '../../nobackup/binlog/server.js';
import { namespaceOf } from '../trigger/state.js';

/** The table of decoded deletions, in the internal namespace (sql/audit/mysql/binlog.sql). */
export const BINLOG_DELETIONS_TABLE = 'binlog_deletions';
/** What was read of which binlog file. */
export const BINLOG_FILES_TABLE = 'binlog_files';

/** The binary log of a MySQL/MariaDB target as the audit sees it, read without changing anything. */
export interface BinlogAuditState {
  /** The internal namespace (database `crm_rescue__<db>`). */
  namespace: string;
  /** The server's settings, or null when they could not be read. */
  settings: BinlogSettings | null;
  /** Local binlog files or folders to read instead of the server's (`--binlog-file`). */
  files?: string[];
  /** The decoded deletions exist (left by an earlier audit, or just refreshed). */
  cachePresent: boolean;
  /** The cache's row estimate, for the EXPLAIN check. */
  rowEstimate: number | null;
  /** The oldest event time read (ISO), when the last refresh said. */
  oldest?: string | null;
  /** Per table: why some of its events have no key (definition changed), after a refresh. */
  notes?: string[];
}

/** Why the binlog source cannot be read on this target, or null when it can. */
export function binlogUnavailable(state: BinlogAuditState | null | undefined): string | null {
  if (!state) return 'the binary log is a MySQL/MariaDB source';
  if (state.files?.length) return null;
  if (!state.settings) return 'the server’s binary log settings could not be read';
  if (!state.settings.logBin) return 'the server does not write a binary log (log_bin is OFF): deletions left no events to list';
  if (state.settings.format.toUpperCase() !== 'ROW')
    return `the server logs in ${state.settings.format} format (binlog_format=ROW is needed: statements name no deleted rows)`;
  return null;
}

/** Reads log_bin and binlog_format, and whether an earlier audit left decoded deletions. */
export async function readBinlogAuditState(db: Db, files?: string[]): Promise<BinlogAuditState | null> {
  // The engine whose no-backup source is the binary log (MySQL/MariaDB).
  if (protectFor(db.dialect.engine).source.ref !== 'binlog') return null;
  const { namespace } = await namespaceOf(db, db.dialect.engine);
  const settings = await binlogSettings(db, false).catch(() => null);
  const rows = await db
    .query<{ estimate: unknown }>('SELECT TABLE_ROWS AS estimate FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
      namespace,
      BINLOG_DELETIONS_TABLE,
    ])
    .catch(() => []);
  const estimate = rows[0] ? Number(rows[0].estimate) : NaN;
  return {
    namespace,
    settings,
    ...(files?.length ? { files } : {}),
    cachePresent: rows.length > 0,
    rowEstimate: Number.isFinite(estimate) && estimate >= 0 ? estimate : null,
  };
}
