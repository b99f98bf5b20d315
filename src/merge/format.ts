import { formatCount, pad, truncate } from '../util/format.js';
import { UNDELETE_SOURCE, type MergeResult, type RowOutcome } from './model.js';

/** The plan (or the result) as a table at `width` columns. */
export function formatMergeResult(r: MergeResult, database: string, width = 80): string {
  const lines: string[] = [];
  const verb = r.applied ? 'Applied' : 'Dry run (rolled back, nothing changed)';
  const what =
    r.backupId === UNDELETE_SOURCE ? `undelete ${r.mergeId} (soft-delete marks cleared, no backup) in` : `merge ${r.mergeId} from backup ${r.backupId} into`;
  lines.push(`${verb}: ${what} ${database}, on conflict ${r.policy}`);
  lines.push('');
  const nameW = Math.max(20, width - 48);
  lines.push(`${pad('#', 3)} ${pad('TABLE', nameW)} ${pad('INSERT', 8, 'right')} ${pad('UPDATE', 8, 'right')} ${pad('SKIP', 6, 'right')}  VIA`);
  for (const t of r.tables.filter((x) => x.inserts + x.updates + x.skipped > 0)) {
    lines.push(
      `${pad(String(t.order), 3)} ${pad(`${t.schema}.${t.name}`, nameW)} ${pad(formatCount(t.inserts), 8, 'right')} ${pad(formatCount(t.updates), 8, 'right')} ${pad(formatCount(t.skipped), 6, 'right')}  ${t.via}`,
    );
    const reasons = Object.entries(t.conflicts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    if (reasons) lines.push(`    ${truncate(`skipped: ${reasons}`, width - 4)}`);
  }
  if (r.parts && r.parts.length > 1)
    lines.push(
      `  ${truncate(`one transaction for ${r.parts.length} tables' rows (${r.parts.map((p) => `${p.root.schema}.${p.root.name}`).join(', ')}): one journal entry, one undo; if one part fails, none is written`, width - 2)}`,
    );
  for (const p of r.parts ?? []) if (p.blocked) lines.push(`  BLOCKED ${p.root.schema}.${p.root.name}: ${p.blocked.message}`);
  for (const n of r.notes ?? []) lines.push(`  note: ${n}`);
  lines.push(...triggerLines(r));
  lines.push('');
  lines.push(
    `Total    ${formatCount(r.totals.inserted)} inserted · ${formatCount(r.totals.updated)} updated · ${formatCount(r.totals.skipped)} skipped · ${r.durationSeconds.toFixed(2)} s`,
  );
  if (r.verify)
    lines.push(
      `Verify   ${formatCount(r.verify.checked)} rows checked against ${r.backupId === UNDELETE_SOURCE ? 'their cleared mark' : 'the backup'} before COMMIT: ${r.verify.mismatched === 0 ? 'all match' : `${r.verify.mismatched} DO NOT MATCH`}`,
    );
  return lines.join('\n');
}

/** One row outcome as a line. */
export function formatOutcome(o: RowOutcome, width = 80): string {
  const key = Object.values(o.key).join(',');
  return truncate(`${pad(o.outcome, 12)} ${o.table} ${key}${o.reason ? ` (${o.reason})` : ''}`, width);
}

/** The live tables' triggers the plan sets off or skips, and what that means for the journal and undo. */
function triggerLines(r: MergeResult): string[] {
  const uses = r.tables.flatMap((t) => (t.triggers ?? []).map((u) => ({ table: `${t.schema}.${t.name}`, ...u })));
  const name = (u: (typeof uses)[number]) => `${u.table} ${u.name} (${u.timing} ${u.events.join('/')})`;
  const fired = uses.filter((u) => u.fired);
  const skipped = uses.filter((u) => !u.fired);
  const lines: string[] = [];
  if (r.withoutTriggers) {
    lines.push(
      `  triggers skipped (--without-triggers, for this transaction only): ${skipped.length ? skipped.map(name).join(', ') : 'none fire on these writes'}; foreign keys are checked by crm-rescue before COMMIT`,
    );
  }
  if (fired.length) {
    lines.push(`  triggers that fire: ${fired.map(name).join(', ')}`);
    lines.push(
      `    what they write elsewhere is not in the journal, and undo does not take it back${r.withoutTriggers ? '' : ' (--without-triggers skips them where the server allows)'}`,
    );
  }
  return lines;
}
