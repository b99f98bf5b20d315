import { useCallback, useEffect, useState } from 'react';
import type { MessageKind } from '../../components/message.js';
import type { WindowedListState } from '../../components/use-windowed-list.js';
import type { BackupItem, BackupServices, BackupTable, StageOutcome, StageServices } from '../../services.js';
import type { AsyncState } from '../../use-async.js';
import { useTask, type Task } from '../../use-task.js';
import { useBackupPicker, useTablePicker } from './pickers.js';
import type { StageStep } from './stage-input.js';

/** Everything the Stage screen shows and does. */
export interface StageState {
  step: StageStep;
  backupId: string | null;
  backups: AsyncState<BackupItem[]>;
  backupList: WindowedListState<BackupItem>;
  tables: AsyncState<(BackupTable & { staged: boolean })[]>;
  tableList: WindowedListState<BackupTable & { staged: boolean }>;
  /** Related tables of the selection that the backup holds and are not selected. */
  related: string[];
  task: Task<StageOutcome>;
  message: { kind: MessageKind; text: string } | null;
  chooseBackup(): void;
  addRelated(): void;
  start(): void;
  setStep(step: StageStep): void;
}

/** Backup, then tables (related ones suggested), then staging with progress; Esc cancels safely. */
export function useStageState(
  stage: StageServices,
  backups: BackupServices | undefined,
  height: number,
  initial: { backupId?: string; tables?: string[] },
): StageState {
  const [step, setStep] = useState<StageStep>(initial.backupId ? 'tables' : 'backup');
  const [backupId, setBackupId] = useState<string | null>(initial.backupId ?? null);
  const [message, setMessage] = useState<{ kind: MessageKind; text: string } | null>(null);
  const [related, setRelated] = useState<string[]>([]);
  const bp = useBackupPicker(backups, height);
  const tp = useTablePicker(stage, backupId, height);
  const task = useTask<StageOutcome>('stage');
  const { setSelected } = tp.list;

  // Tables asked for when opened (by name or schema.name) start selected.
  const ready = tp.tables.status === 'ready' ? tp.tables.value : null;
  useEffect(() => {
    if (!ready || !initial.tables?.length) return;
    setSelected(ready.filter((t) => initial.tables!.includes(t.name) || initial.tables!.includes(t.id)).map((t) => t.id));
  }, [ready, initial.tables, setSelected]);

  const selected = tp.list.selected;
  useEffect(() => {
    setMessage((m) => (m?.kind === 'warn' ? null : m));
    if (!backupId || selected.size === 0) {
      setRelated([]);
      return;
    }
    let cancelled = false;
    stage.related(backupId, [...selected]).then(
      (r) => !cancelled && setRelated(r),
      () => !cancelled && setRelated([]),
    );
    return () => {
      cancelled = true;
    };
  }, [stage, backupId, selected]);

  const current = bp.list.current;
  const chooseBackup = useCallback(() => {
    if (!current) return;
    setBackupId(current.id);
    setMessage(null);
    setStep('tables');
  }, [current]);

  const addRelated = useCallback(() => {
    if (!related.length) {
      setMessage({ kind: 'info', text: selected.size ? 'no other related table in this backup' : 'select a table first (space)' });
      return;
    }
    setSelected([...selected, ...related]);
    setMessage({ kind: 'ok', text: `added ${related.join(', ')}` });
  }, [related, selected, setSelected]);

  const start = useCallback(() => {
    if (!backupId) return;
    if (selected.size === 0) {
      setMessage({ kind: 'warn', text: 'no table selected: space selects the table under the cursor' });
      return;
    }
    const tables = [...selected];
    setMessage(null);
    setStep('run');
    task.start((o) => stage.run({ backupId, tables, withRelated: false }, o));
  }, [backupId, selected, stage, task]);

  return {
    step,
    backupId,
    backups: bp.backups,
    backupList: bp.list,
    tables: tp.tables,
    tableList: tp.list,
    related,
    task,
    message,
    chooseBackup,
    addRelated,
    start,
    setStep,
  };
}
