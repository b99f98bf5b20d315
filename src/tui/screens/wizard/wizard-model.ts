import { parseTimeArg } from '../../../audit/time.js';
import { formatCount } from '../../../util/format.js';
import type {
  BackupItem,
  ConflictPolicy,
  DiffSet,
  DiffTable,
  IncidentSummary,
  LossQuery,
  MergeOutcome,
  NoBackupSource,
  SourceWindow,
  StageOutcome,
  TableSummary,
  TargetedTable,
  TimeRange,
} from '../../services.js';
import { selectionOf, type DiffSelection } from '../diff/diff-selection.js';
import { nowMs } from '../../../util/clock.js';
import type { TaskState } from '../../use-task.js';

/** The wizard's steps, in order. `describe` is the form reached from `incident`. */
export type WizardStep = 'incident' | 'describe' | 'backup' | 'stage' | 'diff' | 'select' | 'plan' | 'apply' | 'verify';

/** The numbered steps shown in the step bar (`describe` counts as `incident`). */
export const STEP_BAR: readonly { step: WizardStep; label: string }[] = [
  { step: 'incident', label: 'loss' },
  { step: 'backup', label: 'backup' },
  { step: 'stage', label: 'stage' },
  { step: 'diff', label: 'diff' },
  { step: 'select', label: 'rows' },
  { step: 'plan', label: 'plan' },
  { step: 'apply', label: 'apply' },
  { step: 'verify', label: 'verify' },
];

/** The step's number, 1-based. */
export function stepNumber(step: WizardStep): number {
  return STEP_BAR.findIndex((s) => s.step === (step === 'describe' ? 'incident' : step)) + 1;
}

/** What was lost: from an incident, or described by the admin. */
export interface Loss {
  /** `contacts, notes (mallory.b, 21 Nov 05:58–06:00)`. */
  label: string;
  /** Affected tables, by name as the audit reports them, most rows first. */
  tables: string[];
  range: TimeRange;
  incidentId: string | null;
  /** The incident's actor id (null: unknown); absent for a loss described by hand (any actor). */
  actorId?: string | null;
  /** The incident's mark when merges already brought back every row it deleted (`recovered by mrg_…`). */
  recovered?: string;
}

/** The wizard's memory: everything decided and computed so far. Kept when the wizard is left. */
export interface WizardMemory {
  step: WizardStep;
  loss: Loss | null;
  backupId: string | null;
  /** Why the proposed backup is (or is not) safe, shown at the backup step. */
  backupNote: string | null;
  staged: StageOutcome | null;
  set: DiffSet | null;
  /** Counts when the diff was read, for the before → after at the end. */
  before: DiffTable[] | null;
  selection: DiffSelection;
  policy: ConflictPolicy;
  outcome: MergeOutcome | null;
  /** Counts after the merge. */
  after: DiffTable[] | null;
}

/** A wizard that has not started. */
export function freshMemory(): WizardMemory {
  return {
    step: 'incident',
    loss: null,
    backupId: null,
    backupNote: null,
    staged: null,
    set: null,
    before: null,
    selection: {},
    policy: 'abort',
    outcome: null,
    after: null,
  };
}

/** The loss an incident describes. */
export function lossOfIncident(i: IncidentSummary): Loss {
  const start = i.window.start.slice(11, 16);
  const end = i.window.end.slice(11, 16);
  return {
    label: `${formatCount(i.rows.total)} rows by ${i.actor ?? 'an unknown actor'}, ${i.window.start.slice(0, 10)} ${start}–${end} UTC (${i.tables.map((t) => t.table).join(', ')})`,
    tables: i.tables.map((t) => t.table),
    range: { since: i.window.start, until: new Date(Date.parse(i.window.end) + 1).toISOString() },
    incidentId: i.id,
    ...(i.actorId !== undefined && { actorId: i.actorId }),
    ...(i.recovered?.extent === 'all' && { recovered: i.recovered.mark }),
  };
}

/**
 * The loss as staging, the diff and the plan are asked for it: the tables are staged and
 * compared only by the keys the audit saw it delete (a table it saw none of is staged whole).
 * The three steps ask for the same loss, so the diff and the plan use the stage step's copies.
 */
export function lossQuery(loss: Loss | null): LossQuery | undefined {
  if (!loss) return undefined;
  return { since: loss.range.since, until: loss.range.until, tables: loss.tables, ...(loss.actorId !== undefined && { actorId: loss.actorId }) };
}

/**
 * The line that says a step looked at the loss's keys only: `targeted: staged only the 864 keys
 * the incident deleted (all in the backup)`; null when every table was staged whole.
 */
export function targetedLine(targeted: readonly TargetedTable[] | undefined, loss: Loss | null, verb = 'staged', source = 'the backup'): string | null {
  if (!targeted?.length) return null;
  const keys = targeted.reduce((n, t) => n + t.keys, 0);
  const counted = targeted.every((t) => t.found !== null);
  const found = targeted.reduce((n, t) => n + (t.found ?? 0), 0);
  const whose = loss?.incidentId ? 'the incident deleted' : 'the audit saw deleted';
  const where = !counted ? '' : found === keys ? ` (all in ${source})` : ` (${formatCount(found)} in ${source})`;
  return `targeted: ${verb} only the ${formatCount(keys)} key${keys === 1 ? '' : 's'} ${whose}${where}`;
}

/** The "describe the loss" form as typed. */
export interface LossForm {
  table: string;
  since: string;
  until: string;
}

/**
 * Checks the form: the table must exist, the times must parse (ISO 8601 or relative: 2h, 1d)
 * and be in order. Returns the loss, or the field at fault and why.
 */
export function parseLoss(form: LossForm, tables: readonly TableSummary[], now = nowMs()): { loss: Loss } | { field: keyof LossForm; error: string } {
  const name = form.table.trim();
  if (!name) return { field: 'table', error: 'type the table the rows were deleted from' };
  const t = tables.find((x) => x.display === name || x.name === name || x.id === name);
  if (!t) {
    const near = tables
      .filter((x) => x.name.includes(name.toLowerCase()))
      .slice(0, 3)
      .map((x) => x.display);
    return { field: 'table', error: `no table "${name}" in this database${near.length ? `; did you mean ${near.join(', ')}?` : ''}` };
  }
  let since: string;
  let until: string;
  try {
    since = parseTimeArg(form.since.trim() || '1d', 'from', now);
  } catch (err) {
    return { field: 'since', error: (err as Error).message };
  }
  try {
    until = parseTimeArg(form.until.trim() || new Date(now).toISOString(), 'to', now);
  } catch (err) {
    return { field: 'until', error: (err as Error).message };
  }
  if (Date.parse(since) >= Date.parse(until)) return { field: 'until', error: '"to" must be after "from"' };
  return {
    loss: {
      label: `${t.display} between ${since.slice(0, 16).replace('T', ' ')} and ${until.slice(0, 16).replace('T', ' ')} UTC`,
      tables: [t.display],
      range: { since, until },
      incidentId: null,
    },
  };
}

/**
 * The backup to restore from, crm-rescue's own or a dump another tool made (by the time it was
 * taken): the newest usable one taken before the loss began. Failing that, the newest taken before
 * it ended, with a warning (rows deleted before it was taken may be missing from it). Null when
 * every backup is newer. An imported dump that names other databases than `database` is never
 * proposed (it may be another CRM's): it stays in the list, to be chosen by hand.
 */
export function proposeBackup(backups: readonly BackupItem[], range: TimeRange, database?: string): { backup: BackupItem; note: string; safe: boolean } | null {
  const usable = backups
    .filter((b) => b.usable && (!b.external || !database || b.external.databases.length === 0 || b.external.databases.includes(database)))
    .sort((a, b) => Date.parse(takenAt(b)) - Date.parse(takenAt(a)));
  const kind = (b: BackupItem) => (b.external ? ` — ${b.external.path}` : '');
  const before = usable.find((b) => Date.parse(takenAt(b)) < Date.parse(range.since));
  if (before)
    return {
      backup: before,
      note: `the newest backup taken before the loss began (${takenAt(before).slice(0, 16).replace('T', ' ')} UTC${kind(before)})`,
      safe: true,
    };
  const during = usable.find((b) => Date.parse(takenAt(b)) < Date.parse(range.until));
  if (during) {
    return {
      backup: during,
      note: `taken during the deletions (${takenAt(during).slice(11, 19)} UTC${kind(during)}): rows deleted before may be missing`,
      safe: false,
    };
  }
  return null;
}

/** One row of the backup step: a backup, or a source that needs no backup (listed after them). */
export type BackupChoice = { kind: 'backup'; backup: BackupItem } | { kind: 'source'; source: NoBackupSource };

/** What the backup step proposes: a backup's id or a no-backup source's ref. */
export interface Proposal {
  ref: string;
  note: string;
  /** It surely holds the lost rows (as far as can be told before reading). */
  safe: boolean;
}

/** The no-backup sources in the order they are proposed: the log keeps every deleted row; dead tuples only until VACUUM. */
const SOURCE_ORDER = ['binlog', 'dead-tuples'] as const;

/** The ref names a source that needs no backup (its staging, diff and merge need the loss's window). */
export function isNoBackupRef(ref: string | null): boolean {
  return (SOURCE_ORDER as readonly (string | null)[]).includes(ref);
}

/**
 * What the backup step proposes: the newest usable backup taken before the loss; else the
 * binary log, else the dead tuples, when they can give the rows back; else a backup taken during
 * the deletions (with its warning). Null when nothing can.
 */
export function proposeChoice(backups: readonly BackupItem[], sources: readonly NoBackupSource[], range: TimeRange, database?: string): Proposal | null {
  const b = proposeBackup(backups, range, database);
  if (b?.safe) return { ref: b.backup.id, note: b.note, safe: true };
  for (const ref of SOURCE_ORDER) {
    const s = sources.find((x) => x.ref === ref && x.available);
    if (!s) continue;
    const none = b ? 'no backup was taken before the loss began' : 'no backup was taken before the loss';
    // Dead tuples last only until VACUUM, and any read of a full page may prune them: not sure.
    return { ref, note: `${none}: read from the ${s.name} instead (${s.summary})`, safe: ref === 'binlog' };
  }
  return b ? { ref: b.backup.id, note: b.note, safe: false } : null;
}

/** The rows of the backup step: the backups, then the sources that need no backup. */
export function backupChoices(backups: readonly BackupItem[], sources: readonly NoBackupSource[]): BackupChoice[] {
  return [...backups.map((backup) => ({ kind: 'backup' as const, backup })), ...sources.map((source) => ({ kind: 'source' as const, source }))];
}

/** A backup step row's id: the backup's, or the source's ref. */
export function choiceRef(c: BackupChoice): string {
  return c.kind === 'backup' ? c.backup.id : c.source.ref;
}

/**
 * The window a no-backup source reads for this loss; undefined for a backup (it holds one moment).
 * `staged`: after the stage step, diff and plan take its copies instead of reading the source
 * again (dead tuples: the diff's reads of live prune the pages the deleted rows were on).
 */
export function sourceWindow(ref: string | null, loss: Loss | null, staged = false): SourceWindow | undefined {
  if (!loss || !isNoBackupRef(ref)) return undefined;
  return { since: loss.range.since, until: loss.range.until, label: `the wizard's loss: ${loss.label}`, ...(staged && { staged }) };
}

/** When a backup was taken: the dump's own time for an imported one, the start of crm-rescue's. */
export function takenAt(b: BackupItem): string {
  return b.external?.takenAt ?? b.startedAt;
}

/** The rows preselected for a loss: deleted and soft-deleted rows of the affected tables. */
export function preselect(tables: readonly DiffTable[]): DiffSelection {
  return selectionOf(tables, ['deleted', 'soft-deleted']);
}

/**
 * The one line at each step: what it does, and what it will not. `work`: where the step's own
 * work is (staging, the diff, the dry run, the apply); the plan is called a dry run that was
 * rolled back only once it has been.
 */
export function plainLine(m: WizardMemory, affected: string[], work: TaskState = 'done'): string {
  // Every deleted row is back already: say so rather than walk to "no differences".
  if (m.loss?.recovered && ['backup', 'stage', 'diff', 'select'].includes(m.step))
    return `Nothing left to recover: this incident's rows were ${m.loss.recovered}. Undo is in Merge → merges (u); Esc picks another loss.`;
  const list = affected.length === 0 ? 'the affected tables' : affected.length <= 2 ? affected.join(' and ') : `the ${affected.length} affected tables`;
  switch (m.step) {
    case 'incident':
      return 'Pick what was lost: an incident found in the audit, or describe it yourself. Nothing is changed.';
    case 'describe':
      return 'Say which table lost rows and roughly when (ISO time, or 2h / 1d ago). Nothing is read or changed yet.';
    case 'backup':
      return 'Pick the backup to take the rows from. It is only read: the backup itself is never changed.';
    case 'stage':
      return `Copies ${list} and their related tables from the backup into a staging schema. Live tables are not touched.`;
    case 'diff':
      return `Compares the staged copies of ${list} with live, row by row. Read only: nothing is written.`;
    case 'select':
      return 'The deleted and soft-deleted rows are chosen. Rows changed or added since the backup stay as they are. Enter plans.';
    case 'plan':
      if (work === 'done') return 'This plan is a dry run: it ran in a transaction that was rolled back. Nothing is written until you type the database name.';
      if (work === 'failed' || work === 'cancelled')
        return 'The dry run did not complete: nothing was written. Nothing is written until you type the database name.';
      return 'Planning: a dry run of every table in one transaction, rolled back at its end. Nothing is written until you type the database name.';
    case 'apply':
      return 'Writing. Each merge is one transaction with a journal; once committed it cannot be cancelled, only undone.';
    case 'verify':
      return 'Done. The written rows were checked against the backup. Undo is in Merge → merges (u). Enter closes the wizard.';
  }
}
