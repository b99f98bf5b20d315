import type { Db } from '../../connect/open.js';
import { protectPgTables, type PgProtectResult, type PgTableReport } from '../../nobackup/pg-protect.js';
import type { ProtectAction, ProtectPlan, ProtectRequest } from '../../nobackup/protect-model.js';
import { formatCount } from '../../util/format.js';
import type { ProtectDialect } from '../protect.js';

/**
 * protect on PostgreSQL: deleted row versions stay in the table's pages until VACUUM removes
 * them, so protect pauses autovacuum on the tables and their TOAST tables (per-table storage
 * options, never a server setting; `--release` gives back what they had) and reports how many
 * dead tuples are still there.
 */
export const postgresProtect: ProtectDialect = {
  source: { ref: 'dead-tuples', name: 'dead tuples' },
  writesLive: true,
  // heap_page_prune_opt: any read of a nearly full page may prune it, autovacuum or not.
  backupCaveat:
    'the backup reads every page of the tables, and PostgreSQL may prune dead tuples from a nearly full page it reads (as any SELECT may): where the deleted rows matter most, read them from the dead tuples first',
  async plan(db: Db, request: ProtectRequest): Promise<ProtectPlan> {
    const release = request.release;
    const planned = await protectPgTables(db, request.tables, { release, dryRun: true });
    const facts = planned.flatMap((p) => describeTable(p));
    const warnings = planned.flatMap((p) => vacuumedSince(p, request.window?.since));
    const todo = planned.filter((p) => p.sql.length);
    const actions: ProtectAction[] = todo.length
      ? [
          {
            what: release
              ? `give back the autovacuum settings of ${todo.map(label).join(', ')} (as recorded when protected)`
              : `pause autovacuum on ${todo.map(label).join(', ')} and ${todo.length === 1 ? 'its TOAST table' : 'their TOAST tables'} (the earlier settings are recorded in crm-rescue's own schema for --release)`,
            shown: todo.flatMap((p) => p.sql),
            async run() {
              const done = await protectPgTables(
                db,
                todo.map((p) => p.table),
                { release },
              );
              const ran = done.filter((d) => d.ran);
              return {
                result: release
                  ? `released ${ran.map(label).join(', ') || 'nothing'}`
                  : `autovacuum paused on ${done.map((d) => `${label(d)} (${formatCount(d.report.nDeadTup)} dead tuples on disk)`).join(', ')}`,
                details: done,
              };
            },
          },
        ]
      : [];
    return { source: 'dead tuples', facts, warnings, unusable: null, details: planned, actions };
  },
};

function label(p: PgProtectResult): string {
  return `${p.table.schema}.${p.table.name}`;
}

/** One table's dead tuples, vacuum history and autovacuum setting. */
function describeTable(p: PgProtectResult): string[] {
  const r = p.report;
  const when = (t: string | null) => t ?? 'never';
  const av = r.heapOptions.includes('autovacuum_enabled=false') ? 'paused' : 'on';
  const toast = r.toastTable ? `, TOAST autovacuum ${r.toastOptions.includes('autovacuum_enabled=false') ? 'paused' : 'on'}` : '';
  const lines = [
    `${label(p)}: ${formatCount(r.nDeadTup)} dead tuples still on disk (n_dead_tup, an estimate), ${formatCount(r.nLiveTup)} live; last vacuum ${when(r.lastVacuum)}, last autovacuum ${when(r.lastAutovacuum)}; autovacuum ${av}${toast}`,
  ];
  if (p.note) lines.push(`${label(p)}: ${p.note}`);
  return lines;
}

/** A vacuum after the incident began has probably removed its deleted rows: say so. */
function vacuumedSince(p: PgProtectResult, since: string | undefined): string[] {
  if (!since) return [];
  const r: PgTableReport = p.report;
  const latest = [r.lastVacuum, r.lastAutovacuum].filter((t): t is string => Boolean(t)).sort((a, b) => pgTimeMs(b) - pgTimeMs(a))[0];
  if (!latest || pgTimeMs(latest) < Date.parse(since)) return [];
  return [
    `${label(p)} was vacuumed at ${latest}, after the incident began: its deleted rows are probably gone from the pages (a backup is then the only source)`,
  ];
}

/** `2026-12-07 00:01:02.123456+00` (timestamptz as text) → milliseconds. */
function pgTimeMs(text: string): number {
  const iso = text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  return Date.parse(iso);
}
