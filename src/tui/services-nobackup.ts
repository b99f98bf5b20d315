import { widenedWindow } from '../recovery/source-window.js';
import type { Db } from '../connect/open.js';
import { engineName } from '../dialect/engine-name.js';
import type { SchemaSnapshot, TableInfo } from '../dialect/model.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import { UserError } from '../errors.js';
import type { MysqlBinlogState } from '../nobackup/mysql-protect.js';
import type { PgProtectResult } from '../nobackup/pg-protect.js';
import type { ProtectPlan } from '../nobackup/protect-model.js';
import { formatCount } from '../util/format.js';
import type { NoBackupQuery, NoBackupRef, NoBackupSource } from './services.js';

const ALL: { ref: NoBackupRef; name: string }[] = [
  { ref: 'binlog', name: 'binary log' },
  { ref: 'dead-tuples', name: 'dead tuples' },
];

/**
 * What the sources that need no backup can give for a loss. The engine's own source is looked at
 * the way `crm-rescue protect` looks at it (a dry run: settings, statistics and the kept files'
 * first events; nothing is changed and the log is never decoded); the other engine's is listed
 * as not kept by this server.
 */
export async function noBackupSources(db: Db, snapshot: () => Promise<SchemaSnapshot>, catalog: string, asked: NoBackupQuery): Promise<NoBackupSource[]> {
  // Read as the stage step will read it (see SOURCE_WINDOW_MARGIN_MS), so the counts agree.
  const loss = widenedWindow(asked);
  const { protectFor } = await import('../dialect/protect.js');
  const engine = protectFor(db.target.engine);
  const own = engine.source;
  const family = engineName(db.target.engine).family;
  const others = ALL.filter((s) => s.ref !== own.ref).map((s): NoBackupSource => ({
    ...s,
    available: false,
    summary: `not kept by this ${family} server`,
    reason: `not kept by this ${family} server: its source is the ${own.name}`,
  }));
  let mine: NoBackupSource;
  try {
    const tables = await liveTables(snapshot, loss.tables);
    const plan = await engine.plan(db, { tables, window: { since: loss.since, until: loss.until }, release: false, copyBinlogs: false, catalog });
    mine = own.ref === 'dead-tuples' ? await deadTuples(db, plan, tables, loss) : binlog(plan, await binlogCounts(db, tables, loss));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    mine = { ...own, available: false, summary: err.message, reason: err.message };
  }
  return [mine, ...others].sort((a, b) => ALL.findIndex((s) => s.ref === a.ref) - ALL.findIndex((s) => s.ref === b.ref));
}

/** The loss's tables as the live database has them; a table that is gone is left out. */
async function liveTables(snapshot: () => Promise<SchemaSnapshot>, names: string[]): Promise<QualifiedName[]> {
  const [{ resolveTables }, snap] = await Promise.all([import('../audit/trigger/model.js'), snapshot()]);
  const out: TableInfo[] = [];
  for (const name of names) {
    try {
      out.push(...resolveTables(snap.tables, [name]));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
  }
  return out.map((t) => ({ schema: t.schema, name: t.name }));
}

/**
 * The loss's deletions the audit decoded from the binary log (its cache, `binlog_deletions`, left
 * by the audit that found the loss): per table, rows and first/last time in the window. Null when
 * there is no cache (the audit did not read the log): the line then says what the log can give.
 */
async function binlogCounts(db: Db, tables: QualifiedName[], loss: NoBackupQuery): Promise<string | null> {
  if (!tables.length) return null;
  const { readBinlogAuditState, BINLOG_DELETIONS_TABLE } = await import('../audit/binlog/state.js');
  const quoteIdent = (name: string) => db.dialect.quoteIdent(name);
  const state = await readBinlogAuditState(db).catch(() => null);
  if (!state?.cachePresent) return null;
  const at = (iso: string) =>
    iso
      .replace('T', ' ')
      .replace(/Z$/, '')
      .replace(/\.\d+$/, '');
  const rows = await db
    .query<{ t: string; n: unknown; first: unknown; last: unknown }>(
      `SELECT table_name AS t, COUNT(*) AS n, MIN(deleted_at) AS first, MAX(deleted_at) AS last
         FROM ${quoteIdent(state.namespace)}.${quoteIdent(BINLOG_DELETIONS_TABLE)}
        WHERE deleted_at >= ? AND deleted_at <= ? AND (${tables.map(() => '(table_schema = ? AND table_name = ?)').join(' OR ')})
        GROUP BY table_name ORDER BY COUNT(*) DESC`,
      [at(loss.since), at(loss.until), ...tables.flatMap((t) => [t.schema, t.name])],
    )
    .catch(() => null);
  if (!rows) return null;
  if (!rows.length) return 'no deletion of these tables decoded in the window';
  const hm = (v: unknown) => (v instanceof Date ? v.toISOString().slice(11, 16) : String(v).slice(11, 16));
  const first = rows.map((r) => hm(r.first)).sort()[0];
  const last = rows
    .map((r) => hm(r.last))
    .sort()
    .pop()!;
  return `${rows.map((r) => `${formatCount(Number(r.n))} deleted ${r.t}`).join(', ')} in ${first}–${last}`;
}

/** The binary log: on, ROW, FULL, whether the kept files cover the window, and the deletions the audit found in it. */
function binlog(plan: ProtectPlan, counted: string | null): NoBackupSource {
  const s = plan.details as MysqlBinlogState;
  const base = { ref: 'binlog' as const, name: 'binary log' };
  if (plan.unusable) return { ...base, available: false, summary: plan.unusable, reason: plan.unusable };
  const settings = `on, ${s.format ?? '?'}, row image ${s.rowImage ?? '?'}`;
  if (!s.files)
    return {
      ...base,
      available: true,
      summary: counted ? `${counted} (${settings})` : `${settings}; its kept files cannot be listed, so whether they cover the loss is unknown`,
      reason: null,
    };
  if (!s.covering.length) {
    const reason = 'no kept binary-log file covers the loss: the server has purged them';
    return { ...base, available: false, summary: `${settings}; ${reason}`, reason };
  }
  const files = s.covering.length === 1 ? s.covering[0] : `${s.covering[0]} … ${s.covering[s.covering.length - 1]}`;
  const purged = s.windowPurged ? ' (its start is purged already)' : '';
  if (counted) return { ...base, available: true, summary: `${counted}, in ${files}${purged} (${settings})`, reason: null };
  return { ...base, available: true, summary: `${settings}; deleted rows of the loss's window in ${files}${purged}`, reason: null };
}

/** Dead tuples: how many are still on disk (n_dead_tup), whether autovacuum is paused, whether a vacuum came since. */
async function deadTuples(db: Db, plan: ProtectPlan, tables: QualifiedName[], loss: NoBackupQuery): Promise<NoBackupSource> {
  const base = { ref: 'dead-tuples' as const, name: 'dead tuples' };
  const unavailable = (reason: string): NoBackupSource => ({ ...base, available: false, summary: reason, reason });
  if (!tables.length) return unavailable('none of the lost tables is in the database any more');
  // Reading them needs pg_dirtyread or pageinspect: the reason (and the fix) when neither can be used.
  const { chooseMethod } = await import('../nobackup/pg-dead/read.js');
  const method = await chooseMethod(db).then(
    (m) => m.method,
    (err: unknown) => {
      if (err instanceof UserError) return err;
      throw err;
    },
  );
  if (method instanceof UserError) return unavailable(method.hint ? `${method.message} (${method.hint})` : method.message);
  const results = plan.details as PgProtectResult[];
  const since = Date.parse(loss.since);
  const vacuumed = results.filter((r) => [r.report.lastVacuum, r.report.lastAutovacuum].some((t) => t !== null && pgTimeMs(t) >= since));
  const dead = results.reduce((n, r) => n + r.report.nDeadTup, 0);
  const counts = results.map((r) => `${formatCount(r.report.nDeadTup)} of ${r.table.name}`).join(', ');
  if (vacuumed.length === results.length)
    return unavailable(`${vacuumed.map((r) => r.table.name).join(', ')} vacuumed after the loss began: the deleted rows are probably gone from disk`);
  if (dead === 0) return unavailable(`no dead tuples counted on ${results.map((r) => r.table.name).join(', ')} (n_dead_tup 0): VACUUM has removed them`);
  const paused = results.filter((r) => r.report.heapOptions.includes('autovacuum_enabled=false'));
  const av =
    paused.length === results.length
      ? 'autovacuum paused'
      : paused.length === 0
        ? 'autovacuum on (protect pauses it)'
        : `autovacuum paused on ${paused.map((r) => r.table.name).join(', ')} only`;
  const late = vacuumed.length ? `; ${vacuumed.map((r) => r.table.name).join(', ')} vacuumed since` : '';
  return { ...base, available: true, summary: `${counts} still on disk (an estimate), ${av}${late}`, reason: null };
}

/** `2026-12-07 00:01:02.123456+00` (timestamptz as text) → milliseconds. */
function pgTimeMs(text: string): number {
  return Date.parse(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}
