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
  if (o.failed) lines.push({ text: `${o.failed.root}: ${o.failed.error} (rolled back; the merges above stay committed)`, tone: 'error' });
  return lines;
}

/** The SQL of a plan, one line per statement line, each merge headed. */
export function sqlLines(plan: MergePlan): PlanLine[] {
  const out: PlanLine[] = [];
  for (const m of plan.merges) {
    out.push({ text: `-- merge ${m.mergeId} (${m.root}), one transaction`, tone: 'muted' });
    for (const s of m.sql) for (const l of `${s};`.split('\n')) out.push({ text: l });
  }
  return out.length ? out : [{ text: '-- no statement: nothing to write', tone: 'muted' }];
}
