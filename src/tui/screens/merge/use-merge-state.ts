import { useCallback, useEffect, useMemo, useState } from 'react';
import { formatCount } from '../../../util/format.js';
import { arraySource } from '../../components/list-source.js';
import type { MessageKind } from '../../components/message.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type { ConflictPolicy, MergeOutcome, MergePlan, MergeRecordView, MergeServices, RowSelection, UndoView } from '../../services.js';
import { useAsync, type AsyncState } from '../../use-async.js';
import { useTask, type Task } from '../../use-task.js';
import type { MergePane } from './merge-input.js';
import { outcomeLines, planLines, type PlanLine } from './plan-lines.js';
import { useHeldPlan } from './use-held-plan.js';

/** Everything the Merge screen shows and does. */
export interface MergeState {
  pane: MergePane;
  policy: ConflictPolicy;
  planTask: Task<MergePlan>;
  applyTask: Task<MergeOutcome>;
  undoTask: Task<UndoView>;
  /** The plan or result lines, in a windowed list (the SQL has its pager). */
  lines: WindowedListState<PlanLine>;
  merges: AsyncState<MergeRecordView[]>;
  mergeList: WindowedListState<MergeRecordView>;
  message: { kind: MessageKind; text: string } | null;
  running: boolean;
  setPane(p: MergePane): void;
  setPolicy(p: ConflictPolicy): void;
  apply(): void;
  undo(id: string): void;
  say(kind: MessageKind, text: string): void;
}

/** The plan (a dry run, planned again when the policy changes), apply, the journal and undo. */
export function useMergeState(merge: MergeServices, request: { backupId?: string; selections?: RowSelection[] }, width: number, height: number): MergeState {
  const hasRequest = Boolean(request.backupId && request.selections?.length);
  const [pane, setPane] = useState<MergePane>(hasRequest ? 'plan' : 'merges');
  const [policy, setPolicy] = useState<ConflictPolicy>('abort');
  const [said, setSaid] = useState<{ kind: MessageKind; text: string } | null>(null);
  const { planTask, applyTask, plan: startPlan, apply: applyHeld } = useHeldPlan();
  const undoTask = useTask<UndoView>('undo', { cancellable: false });

  // Plans on open and on every policy change; a plan holds connections until it is closed.
  useEffect(() => {
    if (!hasRequest) return;
    startPlan(merge, { backupId: request.backupId!, selections: request.selections!, policy });
  }, [merge, hasRequest, request.backupId, request.selections, policy, startPlan]);

  const journal = useAsync(useCallback(() => merge.list(), [merge]));
  const mergeSource = useMemo(() => arraySource(journal.status === 'ready' ? journal.value : [], (m) => `${m.id} ${m.tables.join(' ')}`), [journal]);
  const mergeList = useWindowedList({ source: mergeSource, height, rowKey: (m) => m.id });

  const plan = planTask.result;
  const outcome = applyTask.result;
  const content = useMemo(() => {
    if (outcome) return outcomeLines(outcome, width);
    if (!plan) return [];
    return planLines(plan, width);
  }, [plan, outcome, width]);
  const lineSource = useMemo(() => arraySource(content, (l) => l.text), [content]);
  const lines = useWindowedList({ source: lineSource, height, rowKey: (l) => l.text });

  const { reload } = journal;
  const apply = useCallback(() => {
    if (applyHeld(reload)) setSaid(null);
  }, [applyHeld, reload]);

  const undo = useCallback(
    (id: string) => {
      setSaid(null);
      undoTask.start(async () => {
        try {
          return await merge.undo(id);
        } finally {
          reload();
        }
      });
    },
    [merge, undoTask, reload],
  );

  const message = said ?? stateMessage(planTask, applyTask, undoTask);
  const running = planTask.state === 'running' || applyTask.state === 'running' || undoTask.state === 'running';
  return {
    pane,
    policy,
    planTask,
    applyTask,
    undoTask,
    lines,
    merges: journal,
    mergeList,
    message,
    running,
    setPane,
    setPolicy: (p) => {
      setSaid(null);
      setPolicy(p);
    },
    apply,
    undo,
    say: (kind, text) => setSaid({ kind, text }),
  };
}

function stateMessage(plan: Task<MergePlan>, apply: Task<MergeOutcome>, undo: Task<UndoView>): { kind: MessageKind; text: string } | null {
  if (undo.state === 'running') return { kind: 'info', text: 'undoing: one transaction; rows changed since the merge are never touched' };
  if (undo.state === 'failed') return { kind: 'error', text: `undo failed and was rolled back: ${undo.error}` };
  if (undo.state === 'done' && undo.result) {
    const r = undo.result;
    const del = r.tables.reduce((n, t) => n + t.deleted, 0);
    const res = r.tables.reduce((n, t) => n + t.restored, 0);
    return { kind: 'ok', text: `${r.mergeId} ${r.state}: ${formatCount(del)} inserted rows deleted, ${formatCount(res)} updated rows restored` };
  }
  if (apply.state === 'running') return { kind: 'info', text: 'applying: a merge that has committed cannot be cancelled, only undone' };
  if (apply.state === 'failed') return { kind: 'error', text: apply.error ?? 'apply failed' };
  if (apply.state === 'done' && apply.result) {
    const o = apply.result;
    const v = o.verify;
    const kind: MessageKind = o.failed || v.mismatched ? 'error' : 'ok';
    const merges = `${o.merges.length} merge${o.merges.length === 1 ? '' : 's'}`;
    return {
      kind,
      text: `applied ${merges}: ${formatCount(o.totals.inserted)} inserted, ${formatCount(o.totals.updated)} updated · verify: ${v.mismatched === 0 ? `all ${formatCount(v.checked)} rows match` : `${formatCount(v.mismatched)} rows DO NOT MATCH`}`,
    };
  }
  if (plan.state === 'running') return { kind: 'info', text: 'planning: a real dry run in a transaction that is rolled back (Esc cancels)' };
  if (plan.state === 'cancelled') return { kind: 'info', text: 'planning cancelled: nothing was written' };
  if (plan.state === 'failed') return { kind: 'error', text: plan.error ?? 'planning failed' };
  if (plan.state === 'done' && plan.result?.merges.some((m) => m.blocked))
    return { kind: 'warn', text: 'conflicts under the abort policy: p chooses skip or overwrite' };
  return null;
}
