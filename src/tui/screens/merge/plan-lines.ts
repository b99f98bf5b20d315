import { join } from 'node:path';
import { mergeSqlDocument, renderMergeSql, type SqlDocument } from '../../../merge/sql-text.js';
import { formatCount, pad } from '../../../util/format.js';
import type { MergeOutcome, MergePlan, MergeStep } from '../../services.js';

/** One line of the plan or result view. */
export interface PlanLine {
  text: string;
  tone?: 'ok' | 'warn' | 'error' | 'muted';
}

/** A merge's tables as aligned lines: TABLE INSERT UPDATE SKIP, with skip reasons under them. */
function stepLines(step: MergeStep, index: number, width: number): PlanLine[] {
  const nameW = Math.max(16, width - 40);
  const out: PlanLine[] = [
    { text: `${index + 1}. ${step.root} · merge ${step.mergeId}${step.tables.length > 1 ? ` · brings ${step.tables.length - 1} related table(s)` : ''}` },
  ];
  for (const t of step.tables) {
    out.push({
      text: `   ${pad(t.table, nameW)} ${pad(formatCount(t.inserts), 8, 'right')} ${pad(formatCount(t.updates), 8, 'right')} ${pad(formatCount(t.skipped), 6, 'right')}  ${t.via}`,
    });
    const reasons = Object.entries(t.conflicts)
      .map(([k, n]) => `${k} ${formatCount(n)}`)
      .join(', ');
    if (reasons) out.push({ text: `     conflicts: ${reasons}`, tone: 'warn' });
  }
  if (step.blocked) {
    out.push({ text: `   ${step.blocked}`, tone: 'error' });
    for (const c of step.conflictRows.slice(0, 5)) out.push({ text: `     ${c.table} ${JSON.stringify(c.key)}: ${c.reason}`, tone: 'warn' });
  }
  return out;
}

/** The column heading of plan and result lines. */
export function planHeader(width: number): string {
  return `   ${pad('TABLE', Math.max(16, width - 40))} ${pad('INSERT', 8, 'right')} ${pad('UPDATE', 8, 'right')} ${pad('SKIP', 6, 'right')}  VIA`;
}

/** The plan as lines: each merge (one transaction) with its tables, then the totals. */
export function planLines(plan: MergePlan, width: number): PlanLine[] {
  const lines: PlanLine[] = [];
  plan.merges.forEach((m, i) => lines.push(...stepLines(m, i, width)));
  lines.push({
    text: `Total: ${formatCount(plan.totals.inserted)} to insert · ${formatCount(plan.totals.updated)} to update · ${formatCount(plan.totals.skipped)} skipped`,
  });
  return lines;
}

/** The result of an apply as lines: each merge, its verify, and what failed. */
export function outcomeLines(o: MergeOutcome, width: number): PlanLine[] {
  const lines: PlanLine[] = [];
  o.merges.forEach((m, i) => {
    lines.push(...stepLines(m, i, width));
    if (m.verify)
      lines.push({
        text: `   verify: ${formatCount(m.verify.checked)} rows checked against the backup: ${m.verify.mismatched === 0 ? 'all match' : `${formatCount(m.verify.mismatched)} DO NOT MATCH`}`,
        tone: m.verify.mismatched === 0 ? 'ok' : 'error',
      });
  });
  // One transaction: the check before COMMIT covers every table of the plan.
  if (o.merges.length && o.merges.every((m) => !m.verify))
    lines.push({
      text: `verify: ${formatCount(o.verify.checked)} rows checked against the backup before COMMIT: ${o.verify.mismatched === 0 ? 'all match' : `${formatCount(o.verify.mismatched)} DO NOT MATCH`}`,
      tone: o.verify.mismatched === 0 ? 'ok' : 'error',
    });
  if (o.failed) lines.push({ text: `${o.failed.root}: ${o.failed.error} (rolled back: no table was written)`, tone: 'error' });
  return lines;
}

/** The plan's SQL as the pager shows it and `w` writes it: the text `crm-rescue merge --sql` prints. */
export function planSql(plan: MergePlan): { doc: SqlDocument; text: string } {
  return { doc: mergeSqlDocument(plan.database, plan.merges), text: renderMergeSql(plan.database, plan.merges) };
}

/** Where `w` proposes to write a plan's SQL: `<folder>/<database>-<merge id>.sql`. */
export function sqlPath(plan: MergePlan, folder: string): string {
  return join(folder, `${plan.database}-${plan.mergeId}.sql`);
}

/** A plan's tables with their counts, summed over its steps (a table may come along with several roots). */
export function planTables(plan: MergePlan): { table: string; inserts: number; updates: number; skipped: number }[] {
  const by = new Map<string, { table: string; inserts: number; updates: number; skipped: number }>();
  for (const t of plan.merges.flatMap((m) => m.tables)) {
    const sum = by.get(t.table) ?? { table: t.table, inserts: 0, updates: 0, skipped: 0 };
    by.set(t.table, { table: t.table, inserts: sum.inserts + t.inserts, updates: sum.updates + t.updates, skipped: sum.skipped + t.skipped });
  }
  return [...by.values()];
}

/** The apply dialog's title: what is written where, in one transaction. */
export function applyTitle(plan: MergePlan, database: string): string {
  const rows = plan.totals.inserted + plan.totals.updated;
  const tables = planTables(plan).filter((t) => t.inserts + t.updates > 0).length;
  return `Apply ${formatCount(rows)} row${rows === 1 ? '' : 's'} in ${tables} table${tables === 1 ? '' : 's'} to ${database}, one transaction`;
}

/**
 * The apply dialog's lines: each table's counts (at most `room` of them), where to read the SQL,
 * and that a commit is undone, not cancelled.
 */
export function applyLines(plan: MergePlan, width: number, room = 6, opts: { from?: boolean } = {}): string[] {
  const nameW = Math.max(12, width - 32);
  const tables = planTables(plan);
  const shown = tables.length > room ? tables.slice(0, room - 1) : tables;
  return [
    `${pad('TABLE', nameW)} ${pad('INSERT', 8, 'right')} ${pad('UPDATE', 8, 'right')} ${pad('SKIP', 6, 'right')}`,
    ...shown.map(
      (t) =>
        `${pad(t.table, nameW)} ${pad(formatCount(t.inserts), 8, 'right')} ${pad(formatCount(t.updates), 8, 'right')} ${pad(formatCount(t.skipped), 6, 'right')}`,
    ),
    ...(shown.length < tables.length ? [`… and ${tables.length - shown.length} more tables (the SQL lists them all)`] : []),
    // Where the rows come from, unless the screen already says it (the wizard's Backup: line).
    ...(opts.from === false ? [] : [`From ${plan.backupId}.`]),
    'Once committed it cannot be cancelled, only undone. Esc, then s: the SQL, w: write it.',
  ];
}
