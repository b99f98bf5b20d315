import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { LossQuery, MergeOutcome, MergePlan, MergeServices, RowSelection, SourceWindow } from '../../services.js';
import { useTask, type Task } from '../../use-task.js';

/** A merge plan kept open between its dry run and its apply (the Merge screen and the wizard). */
export interface HeldPlan {
  /** Planning: a real dry run, cancellable. */
  planTask: Task<MergePlan>;
  /** Applying: not cancellable (a committed merge can only be undone). */
  applyTask: Task<MergeOutcome>;
  /** Plans again (the plan held before is closed first) and holds the new plan. */
  plan: (
    merge: MergeServices,
    request: { backupId: string; selections: RowSelection[]; policy: MergePlan['policy']; window?: SourceWindow; loss?: LossQuery },
  ) => void;
  /** Applies the held plan and releases it after; `released` runs then. False when no plan is held. */
  apply: (released?: () => void) => boolean;
  /** Closes the held plan and forgets its result (going back from the plan). */
  drop: () => void;
}

/**
 * Holds a dry-run plan open so that applying runs exactly what was previewed. A plan holds
 * connections and selection tables: it is closed when replaced, applied, dropped or left.
 */
export function useHeldPlan(): HeldPlan {
  const planTask = useTask<MergePlan>('merge plan');
  const applyTask = useTask<MergeOutcome>('merge apply', { cancellable: false });
  const held = useRef<MergePlan | null>(null);
  useEffect(() => () => void held.current?.close().catch(() => undefined), []);

  const { start: startPlan } = planTask;
  const plan = useCallback<HeldPlan['plan']>(
    (merge, request) =>
      startPlan(async (o) => {
        await held.current?.close();
        held.current = null;
        const p = await merge.plan(request, o);
        held.current = p;
        return p;
      }),
    [startPlan],
  );
  const { start: startApply } = applyTask;
  const apply = useCallback<HeldPlan['apply']>(
    (released) => {
      const p = held.current;
      if (!p) return false;
      startApply(async (o) => {
        try {
          return await p.apply({ onProgress: o.onProgress });
        } finally {
          await p.close().catch(() => undefined);
          held.current = null;
          released?.();
        }
      });
      return true;
    },
    [startApply],
  );
  const drop = useCallback(() => {
    void held.current?.close().catch(() => undefined);
    held.current = null;
    planTask.reset();
  }, [planTask]);
  return useMemo(() => ({ planTask, applyTask, plan, apply, drop }), [planTask, applyTask, plan, apply, drop]);
}
