import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { arraySource } from '../../components/list-source.js';
import type { MessageKind } from '../../components/message.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type {
  BackupItem,
  ConsoleServices,
  DiffClass,
  DiffSet,
  DiffTable,
  IncidentSummary,
  MergeOutcome,
  MergePlan,
  NoBackupSource,
  StageOutcome,
} from '../../services.js';
import { useAsync, type AsyncState } from '../../use-async.js';
import { useBusyWhile } from '../../busy.js';
import { useTask, type Task } from '../../use-task.js';
import { classCount, toSelections, toggleClass } from '../diff/diff-selection.js';
import { nextPolicy } from '../merge/merge-input.js';
import { outcomeLines, planLines, type PlanLine } from '../merge/plan-lines.js';
import { useHeldPlan } from '../merge/use-held-plan.js';
import {
  backupChoices,
  choiceRef,
  freshMemory,
  lossOfIncident,
  lossQuery,
  parseLoss,
  preselect,
  proposeChoice,
  sourceWindow,
  type BackupChoice,
  type LossForm,
  type WizardMemory,
  type WizardStep,
} from './wizard-model.js';
import { forgetWizard, keepWizard, recallWizard } from './wizard-store.js';

/** One choice of the first step: an incident, or describing the loss by hand. */
export type LossChoice = { kind: 'incident'; incident: IncidentSummary } | { kind: 'describe' };

/** One line of the rows step: a class of a table and how many rows it has. */
export interface ClassRow {
  table: DiffTable;
  cls: DiffClass;
  count: number;
}

/** Everything the wizard shows and does. */
export interface Wizard {
  memory: WizardMemory;
  /** Affected tables of the loss. */
  affected: string[];
  incidents: AsyncState<IncidentSummary[]> | null;
  lossList: WindowedListState<LossChoice>;
  form: LossForm & { field: keyof LossForm; error: string | null };
  backups: AsyncState<BackupItem[]>;
  /** The backups, then the sources that need no backup (binary log, dead tuples). */
  backupList: WindowedListState<BackupChoice>;
  /** The sources that need no backup, and what each can give for this loss (empty until read, or when none). */
  sources: NoBackupSource[];
  /** The proposed backup's id, or source's ref. */
  proposedId: string | null;
  /** Why the proposed backup was chosen, and whether it surely holds the lost rows. */
  proposal: { note: string; safe: boolean } | null;
  classList: WindowedListState<ClassRow>;
  lines: WindowedListState<PlanLine>;
  stageTask: Task<StageOutcome>;
  diffTask: Task<DiffSet>;
  planTask: Task<MergePlan>;
  applyTask: Task<MergeOutcome>;
  /** Running work, and whether Esc may cancel it. */
  work: { running: boolean; cancellable: boolean };
  message: { kind: MessageKind; text: string } | null;
  confirming: boolean;
  next(): void;
  previous(): boolean;
  cancel(): void;
  toggleRow(): void;
  cyclePolicy(): void;
  setFormField(field: keyof LossForm, value: string): void;
  nextField(): void;
  confirm: () => void;
  closeConfirm: () => void;
  finish(): void;
  say(kind: MessageKind, text: string): void;
  /** Clears the message line. */
  hush(): void;
  /** Reads the backups again (an import added one) and puts the cursor on `id`. */
  reloadBackupsAt(id: string): void;
}

const FIELDS: (keyof LossForm)[] = ['table', 'since', 'until'];
const NO_INCIDENTS: IncidentSummary[] = [];
const NO_SOURCES: NoBackupSource[] = [];

/**
 * The recovery wizard's state: its memory (kept when left, so it resumes), the work of each step
 * (staging, diffing, planning: cancellable; applying: not), and the lists each step shows.
 */
export function useWizard(services: ConsoleServices, params: { incident?: IncidentSummary }, height: number, width: number, onDone: () => void): Wizard {
  const [memory, setMemory] = useState<WizardMemory>(() => {
    if (params.incident) return { ...freshMemory(), loss: lossOfIncident(params.incident), step: 'backup' };
    return recallWizard(services) ?? freshMemory();
  });
  useEffect(() => keepWizard(services, memory), [services, memory]);
  const update = useCallback((change: Partial<WizardMemory>) => setMemory((m) => ({ ...m, ...change })), []);
  const [said, setSaid] = useState<{ kind: MessageKind; text: string } | null>(null);
  const say = useCallback((kind: MessageKind, text: string) => setSaid({ kind, text }), []);
  const goto = useCallback((step: WizardStep, change: Partial<WizardMemory> = {}) => {
    setSaid(null);
    setMemory((m) => ({ ...m, ...change, step }));
  }, []);

  // Step 1: incidents (when the audit is there), or a described loss.
  const audit = services.audit;
  const incidents = useAsync(useCallback(() => (audit ? audit.incidents() : Promise.resolve([])), [audit]));
  // No incidents read is the same list as none yet: the list is not rebuilt under the cursor (an
  // Enter on "Describe" while the audit answers would find no row and do nothing).
  const incidentList = incidents.status === 'ready' && incidents.value.length ? incidents.value : NO_INCIDENTS;
  const choices = useMemo<LossChoice[]>(
    () => [...incidentList.map((incident) => ({ kind: 'incident' as const, incident })), { kind: 'describe' }],
    [incidentList],
  );
  const lossList = useWindowedList({
    source: useMemo(() => arraySource(choices, () => ''), [choices]),
    height,
    rowKey: (c) => (c.kind === 'incident' ? c.incident.id : 'describe'),
  });
  const [form, setForm] = useState<LossForm & { field: keyof LossForm; error: string | null }>({
    table: '',
    since: '1d',
    until: '',
    field: 'table',
    error: null,
  });
  const tables = useAsync(useCallback(() => services.listTables(), [services]));

  // Step 2: backups, the proposed one under the cursor.
  const backupSvc = services.backups;
  const backups = useAsync(useCallback(async () => (backupSvc ? (await backupSvc.list()).filter((b) => b.usable) : []), [backupSvc]));
  const backupItems = backups.status === 'ready' ? backups.value : undefined;
  // Beside the backups, what the binary log or the dead tuples can give for this loss.
  const lossNow = memory.loss;
  const sourcesRead = useAsync(
    useCallback(
      () =>
        services.noBackupSources && lossNow
          ? services.noBackupSources({ tables: lossNow.tables, since: lossNow.range.since, until: lossNow.range.until })
          : Promise.resolve(NO_SOURCES),
      [services, lossNow],
    ),
  );
  // A source that cannot be read is not listed (the backups still are).
  const sources = sourcesRead.status === 'ready' ? sourcesRead.value : NO_SOURCES;
  const sourcesSettled = sourcesRead.status !== 'loading';
  const rows = useMemo(() => (backupItems ? backupChoices(backupItems, sources) : undefined), [backupItems, sources]);
  const backupList = useWindowedList({
    source: useMemo(() => arraySource(rows ?? [], choiceRef), [rows]),
    height,
    rowKey: choiceRef,
  });
  const database = services.merge?.database();
  // Proposed once the sources are read too: one of them may be the proposal.
  const proposal = useMemo(
    () => (memory.loss && backupItems && sourcesSettled ? proposeChoice(backupItems, sources, memory.loss.range, database) : null),
    [memory.loss, backupItems, sources, sourcesSettled, database],
  );
  const { move: moveBackup } = backupList;
  const placed = useRef<string | null>(null);
  // Moves only once the list has counted these rows: before, a move stops at the old count.
  const backupCount = backupList.window.count;
  useEffect(() => {
    if (memory.step !== 'backup' || !proposal || !rows || backupCount !== rows.length || placed.current === proposal.ref) return;
    placed.current = proposal.ref;
    const index = rows.findIndex((c) => choiceRef(c) === proposal.ref);
    moveBackup('first');
    for (let i = 0; i < index; i++) moveBackup('down');
  }, [memory.step, proposal, rows, backupCount, moveBackup]);
  // After an import, the cursor goes to the imported dump once the list has counted the new catalog.
  const [wanted, setWanted] = useState<string | null>(null);
  useEffect(() => {
    if (!wanted || !rows || backupCount !== rows.length) return;
    // Until the reload brings it (the list before the reload is seen first).
    const index = rows.findIndex((c) => choiceRef(c) === wanted);
    if (index < 0) return;
    setWanted(null);
    moveBackup('first');
    for (let i = 0; i < index; i++) moveBackup('down');
  }, [wanted, rows, backupCount, moveBackup]);
  const { reload: reloadBackups } = backups;
  const reloadBackupsAt = useCallback(
    (id: string) => {
      setWanted(id);
      reloadBackups();
    },
    [reloadBackups],
  );

  // Steps 3–4: staging and diffing.
  const stageTask = useTask<StageOutcome>('stage');
  const diffTask = useTask<DiffSet>('diff');
  useEffect(() => {
    if (stageTask.state === 'done' && stageTask.result) update({ staged: stageTask.result });
  }, [stageTask.state, stageTask.result, update]);
  useEffect(() => {
    if (diffTask.state === 'done' && diffTask.result)
      update({ set: diffTask.result, before: diffTask.result.tables, selection: preselect(diffTask.result.tables) });
  }, [diffTask.state, diffTask.result, update]);

  // Step 5: the rows, class by class.
  const classRows = useMemo<ClassRow[]>(
    () =>
      memory.set
        ? memory.set.tables.flatMap((t) =>
            (['deleted', 'soft-deleted', 'changed', 'added'] as DiffClass[])
              .map((cls) => ({ table: t, cls, count: classCount(t.counts, cls) }))
              .filter((r) => r.count > 0),
          )
        : [],
    [memory.set],
  );
  const classListBase = useWindowedList({
    source: useMemo(() => arraySource(classRows, (r) => r.table.display), [classRows]),
    height,
    rowKey: (r) => `${r.table.id}:${r.cls}`,
    selectable: true,
  });
  const chosen = useMemo(() => new Set(Object.entries(memory.selection).flatMap(([t, c]) => c.classes.map((cls) => `${t}:${cls}`))), [memory.selection]);
  const classList = useMemo(() => ({ ...classListBase, selected: chosen }), [classListBase, chosen]);

  // Steps 6–7: plan and apply. A plan holds connections: closed when replaced or left.
  const { planTask, applyTask, plan: holdPlan, apply: applyHeld, drop: dropPlan } = useHeldPlan();
  const [confirming, setConfirming] = useState(false);
  const merge = services.merge;
  const startPlan = useCallback(
    (policy = memory.policy) => {
      if (!merge || !memory.backupId) return;
      const window = sourceWindow(memory.backupId, memory.loss, true);
      const loss = lossQuery(memory.loss);
      holdPlan(merge, { backupId: memory.backupId, selections: toSelections(memory.selection), policy, ...(window && { window }), ...(loss && { loss }) });
    },
    [merge, memory.backupId, memory.loss, memory.selection, memory.policy, holdPlan],
  );
  // Left while applying (the apply itself went on, or failed): show what is true now (at the
  // plan step, arriving plans again: the plan itself is never kept).
  const resumed = useRef(false);
  useEffect(() => {
    if (resumed.current) return;
    resumed.current = true;
    if (memory.step === 'apply') goto(memory.outcome ? 'verify' : 'plan');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const affected = memory.loss?.tables ?? [];
  // Steps 3, 4 and 6 need no choice: arriving on one (or resuming at it) starts its work, unless
  // it is done already (the staging of this backup, the diff). Enter then goes on.
  const runStage = () => {
    if (!services.stage || !memory.backupId) return say('error', 'staging is not available in this console');
    const backupId = memory.backupId;
    const stage = services.stage;
    // The binary log and the dead tuples are read for the loss's window only.
    const window = sourceWindow(backupId, memory.loss);
    // Only the rows the loss deleted are staged (the diff and the plan ask for the same copies).
    const loss = lossQuery(memory.loss);
    stageTask.start((o) => stage.run({ backupId, tables: affected, withRelated: true, ...(window && { window }), ...(loss && { loss }) }, o));
  };
  const runDiff = () => {
    if (!services.diff || !memory.backupId) return say('error', 'diff is not available in this console');
    const backupId = memory.backupId;
    const diff = services.diff;
    const window = sourceWindow(backupId, memory.loss, true);
    const loss = lossQuery(memory.loss);
    diffTask.start((o) => diff.open({ backupId, tables: affected, ...(window && { window }), ...(loss && { loss }) }, o));
  };
  const isStaged = !!memory.staged && memory.staged.backupId === memory.backupId;
  useEffect(() => {
    // Nothing to run when every row of the incident is back already (the plain line says so).
    if (memory.loss?.recovered && memory.step !== 'plan') return;
    if (memory.step === 'stage' && !isStaged) runStage();
    if (memory.step === 'diff' && !memory.set) runDiff();
    if (memory.step === 'plan') startPlan();
    // Only on arrival: a step's work is not started again by what it changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [memory.step]);

  const set = memory.set;
  // After the apply, the differences are counted again before the verify step: the wizard is
  // still at work (a diff of every table, long on a big one), and says so until it is there.
  const recounting = memory.step === 'apply' && applyTask.state === 'done';
  useBusyWhile('the recount after the merge', recounting);
  useEffect(() => {
    if (applyTask.state !== 'done' || !applyTask.result) return;
    const outcome = applyTask.result;
    update({ outcome });
    (set ? set.recount() : Promise.resolve(null)).then(
      (after) => goto('verify', { after }),
      () => goto('verify', { after: null }),
    );
  }, [applyTask.state, applyTask.result, set, update, goto]);

  const lineContent = useMemo(() => {
    if (memory.step === 'verify' && memory.outcome) return [...outcomeLines(memory.outcome, width), ...recountLines(memory.before, memory.after)];
    const plan = planTask.result;
    if (!plan) return [];
    return planLines(plan, width);
  }, [memory.step, memory.outcome, memory.before, memory.after, planTask.result, width]);
  const lines = useWindowedList({ source: useMemo(() => arraySource(lineContent, (l) => l.text), [lineContent]), height, rowKey: (l) => l.text });

  const next = () => {
    setSaid(null);
    switch (memory.step) {
      case 'incident': {
        const c = lossList.current;
        if (!c) return;
        if (c.kind === 'describe') return goto('describe');
        const loss = lossOfIncident(c.incident);
        return goto('backup', loss.incidentId === memory.loss?.incidentId ? {} : { ...freshMemory(), loss });
      }
      case 'describe': {
        if (tables.status !== 'ready') return say('info', 'reading the tables…');
        const r = parseLoss(form, tables.value);
        if ('error' in r) {
          setForm((f) => ({ ...f, field: r.field, error: r.error }));
          return;
        }
        setForm((f) => ({ ...f, error: null }));
        return goto('backup', r.loss.label === memory.loss?.label ? {} : { ...freshMemory(), loss: r.loss });
      }
      case 'backup': {
        // The rows themselves while the list re-reads its page (the sources were just read: a
        // new source, the same rows): an Enter then is not lost.
        const c = backupList.current ?? rows?.[backupList.window.cursor];
        if (!c) return say('warn', 'no usable backup: take one in Backups first');
        if (c.kind === 'source' && !c.source.available)
          return say('warn', `the ${c.source.name} cannot give these rows back: ${c.source.reason ?? c.source.summary}`);
        if (c.kind === 'backup' && memory.loss && Date.parse(c.backup.startedAt) >= Date.parse(memory.loss.range.until))
          say('warn', `${c.backup.id} was taken after the loss: the rows are not in it`);
        const ref = choiceRef(c);
        if (ref === memory.backupId) return goto('stage');
        const note =
          proposal && proposal.ref === ref ? proposal.note : c.kind === 'source' ? `the ${c.source.name}, chosen by you: ${c.source.summary}` : 'chosen by you';
        return goto('stage', { backupId: ref, backupNote: note, staged: null, set: null, before: null, selection: {}, outcome: null, after: null });
      }
      case 'stage':
        // Done: go on. Cancelled or failed: start again (arriving started it).
        return isStaged ? goto('diff') : runStage();
      case 'diff':
        return memory.set ? goto('select') : runDiff();
      case 'select':
        if (!toSelections(memory.selection).length) return say('warn', 'no rows chosen: space chooses the rows of the class under the cursor');
        // Arriving at the plan step plans.
        return goto('plan');
      case 'plan': {
        const plan = planTask.result;
        if (!plan) return planTask.state === 'running' ? say('info', 'planning…') : startPlan();
        if (plan.merges.some((m) => m.blocked)) return say('warn', 'conflicts under the abort policy: p chooses skip or overwrite');
        setConfirming(true);
        return;
      }
      case 'verify':
        return finish();
      case 'apply':
        return;
    }
  };

  const previous = (): boolean => {
    setSaid(null);
    const back: Partial<Record<WizardStep, WizardStep>> = {
      describe: 'incident',
      backup: 'incident',
      stage: 'backup',
      diff: 'stage',
      select: 'diff',
      plan: 'select',
    };
    const to = back[memory.step];
    if (!to) return false;
    if (memory.step === 'plan') dropPlan();
    if (memory.step === 'stage') stageTask.reset();
    if (memory.step === 'diff') diffTask.reset();
    goto(to);
    return true;
  };

  const cancel = () => {
    stageTask.cancel();
    diffTask.cancel();
    planTask.cancel();
  };

  const finish = () => {
    forgetWizard(services);
    setMemory(freshMemory());
    onDone();
  };

  const running = recounting || [stageTask, diffTask, planTask, applyTask].some((t) => t.state === 'running');
  const taskMessage = messageOf(memory.step, stageTask, diffTask, planTask, applyTask);
  return {
    memory,
    affected,
    incidents: audit ? incidents : null,
    lossList,
    form,
    backups,
    backupList,
    sources,
    proposedId: proposal?.ref ?? null,
    proposal: proposal ? { note: proposal.note, safe: proposal.safe } : null,
    classList,
    lines,
    stageTask,
    diffTask,
    planTask,
    applyTask,
    work: { running, cancellable: applyTask.state !== 'running' && !recounting },
    message: said ?? taskMessage,
    confirming,
    next,
    previous,
    cancel,
    toggleRow: () => {
      const r = classList.current;
      if (!r) return;
      const change = toggleClass(memory.selection, r.table.id, r.cls, r.count);
      if (change.message) say('warn', change.message);
      update({ selection: change.selection });
    },
    cyclePolicy: () => {
      const policy = nextPolicy(memory.policy);
      update({ policy });
      startPlan(policy);
    },
    setFormField: (field, value) => setForm((f) => ({ ...f, [field]: value, error: null })),
    nextField: () => setForm((f) => ({ ...f, field: FIELDS[(FIELDS.indexOf(f.field) + 1) % FIELDS.length] })),
    confirm: () => {
      setConfirming(false);
      if (applyHeld()) goto('apply');
    },
    closeConfirm: () => setConfirming(false),
    finish,
    say,
    hush: () => setSaid(null),
    reloadBackupsAt,
  };
}

/** Before → after counts of the diffed tables, for the verify step. */
export function recountLines(before: DiffTable[] | null, after: DiffTable[] | null): PlanLine[] {
  if (!before) return [];
  if (!after) return [{ text: 'could not count the differences again: open the Diff to check', tone: 'warn' }];
  const out: PlanLine[] = [{ text: 'Differences with the backup, before → after:', tone: 'muted' }];
  for (const b of before) {
    const a = after.find((x) => x.id === b.id);
    if (!a) continue;
    const part = (label: string, x: number, y: number) => `${label} ${x} → ${y}`;
    const left = a.counts.deleted + a.counts.softDeleted;
    out.push({
      text: `  ${b.display}: ${part('deleted', b.counts.deleted, a.counts.deleted)} · ${part('soft-deleted', b.counts.softDeleted, a.counts.softDeleted)}${left ? ' (not all back: open the Diff)' : ''}`,
      tone: left ? 'warn' : 'ok',
    });
  }
  return out;
}

function messageOf(
  step: WizardStep,
  stage: Task<StageOutcome>,
  diff: Task<DiffSet>,
  plan: Task<MergePlan>,
  apply: Task<MergeOutcome>,
): { kind: MessageKind; text: string } | null {
  const of = (t: Pick<Task<unknown>, 'state' | 'error'>, what: string): { kind: MessageKind; text: string } | null => {
    if (t.state === 'cancelled') return { kind: 'info', text: `${what} cancelled: nothing in live changed. Enter starts again (finished tables are kept).` };
    if (t.state === 'failed') return { kind: 'error', text: t.error ?? `${what} failed` };
    return null;
  };
  if (step === 'stage') return of(stage, 'staging');
  if (step === 'diff') return of(diff, 'the diff');
  if (step === 'plan') return of(plan, 'planning');
  if (step === 'apply' && apply.state === 'failed') return { kind: 'error', text: apply.error ?? 'apply failed' };
  return null;
}
