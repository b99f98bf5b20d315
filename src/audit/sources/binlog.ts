import { UserError } from '../../errors.js';
import { BINLOG_DELETIONS_TABLE, binlogUnavailable } from '../binlog/state.js';
import { defineSource } from '../define-source.js';
import type { Incident, IncidentMerge } from '../model.js';
import type { EventStream } from '../stream.js';
import { isoToMs } from '../time.js';

/** The word `--backup` names the binary log by (the stage source's BINLOG_SOURCE). */
const BACKUP_REF = 'binlog';

/**
 * The server's binary log (MySQL/MariaDB, ROW format): every DELETE row event of the live
 * tables that have a key, decoded into crm-rescue's internal namespace before the audit reads
 * it (`prepare`, src/audit/binlog/refresh.ts), with the event's time, position and MariaDB's
 * statement. The log has no user: the actor is unknown. An incident found here is merged back
 * with `merge --backup binlog` over its window.
 */
export const binlogSource = defineSource({
  id: 'binlog',
  describe: () => 'binary log (ROW format): every DELETE row event of tables with a key, with time, position and statement',
  available: (_snapshot, _knowledge, ctx) => binlogUnavailable(ctx.binlog) === null,
  unavailable: (ctx) => binlogUnavailable(ctx.binlog),
  caveat: (ctx) =>
    [
      'the binary log names no user: who deleted is unknown',
      ctx.binlog?.oldest ? `only what the kept log files hold (from ${ctx.binlog.oldest}) is listed` : 'only what the kept log files hold is listed',
      'TRUNCATE shows as one event without keys; a table changed since a deletion shows it without its key',
      'with other sources, tables a CRM log records are left to that log (--source binlog lists them all)',
    ].join('; '),
  async prepare(db, ctx, signal) {
    const { refreshBinlogDeletions } = await import('../binlog/refresh.js');
    if (!ctx.binlog) return;
    try {
      await refreshBinlogDeletions(db, ctx.binlog, ctx.snapshot.tables, signal);
    } catch (err) {
      // The server refused (no CREATE on crm_rescue__<db>, a read-only replica): said in one line.
      const errno = (err as { errno?: unknown }).errno;
      if (err instanceof UserError || typeof errno !== 'number') throw err;
      throw new UserError(
        `The decoded binary log cannot be kept in ${ctx.binlog.namespace}: ${(err as Error).message.split('\n')[0]}`,
        'the binlog source needs CREATE, INSERT, UPDATE and DELETE on that database',
      );
    }
  },
  streams(ctx): EventStream[] {
    const st = ctx.binlog;
    if (!st?.cachePresent) return [];
    const d = ctx.sql.dialect;
    // Tables another selected source records (a CRM log, with its user) are left to it, so one
    // deletion is not listed twice; `--source binlog` alone lists every table.
    const covered = ctx.snapshot.tables.filter((t) => ctx.covered?.({ schema: t.schema, name: t.name }));
    const pair = (schema: string, name: string) => `(${d.quoteLiteral(schema)}, ${d.quoteLiteral(name)})`;
    return [
      {
        id: 'binlog/deletions',
        source: 'binlog',
        from: `${d.quoteQualified(st.namespace, BINLOG_DELETIONS_TABLE)} e`,
        where: covered.length ? [`(e.table_schema, e.table_name) NOT IN (${covered.map((t) => pair(t.schema, t.name)).join(', ')})`] : [],
        time: { expr: 'e.deleted_at', dataType: ctx.sql.logTimeType },
        order: ['e.file', 'e.pos', 'e.row_no'],
        table: { schemaExpr: 'e.table_schema', nameExpr: 'e.table_name' },
        rowKey: { json: `COALESCE(e.row_key, '{}')` },
        actor: null,
        actorName: null,
        kind: 'hard',
        image: null,
        details: d.jsonObject([
          ['position', `CONCAT(e.file, ':', e.pos)`],
          ['statement', 'e.statement'],
          ['note', 'e.note'],
        ]),
        detailsJson: true,
        index: {
          table: { schema: st.namespace, name: BINLOG_DELETIONS_TABLE },
          columns: ['deleted_at', 'file', 'pos', 'row_no'],
          rowEstimate: st.rowEstimate,
        },
      },
    ];
  },
  mergeFor: (incident) => binlogMerge(incident),
});

/** Whole seconds, as the log times events: `2026-12-07T02:30:00Z`. */
const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The merge that takes an incident's rows back from the log: `--backup binlog` over the
 * incident's window, whole seconds (the log's unit; the binlog window is inclusive), one
 * command per table.
 */
export function binlogMerge(incident: Incident): IncidentMerge {
  const startMs = isoToMs(incident.window.start);
  const endMs = isoToMs(incident.window.end);
  const since = second(startMs);
  // --until must follow --since; within one second, the last millisecond of it.
  const until = Math.floor(endMs / 1000) > Math.floor(startMs / 1000) ? second(endMs) : new Date(Math.floor(startMs / 1000) * 1000 + 999).toISOString();
  const quote = (s: string) => (/^[\w.-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return {
    backup: BACKUP_REF,
    since,
    until,
    commands: incident.tables.map(
      (t) => `crm-rescue merge --backup ${BACKUP_REF} --since ${since} --until ${until} --table ${quote(t.table)} --deleted --with-related`,
    ),
  };
}
