import { useCallback, useEffect, useMemo, useState } from 'react';
import { formatBytes, formatCount } from '../../../util/format.js';
import type { MessageKind } from '../../components/message.js';
import { arraySource } from '../../components/list-source.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type { BackupItem, BackupServices, VerifyOutcome } from '../../services.js';
import { errorText } from '../../error-text.js';
import { useAsync, type AsyncState } from '../../use-async.js';
import { useTask, type Task } from '../../use-task.js';

/** Everything the Backups screen shows and does. */
export interface BackupsState {
  backups: AsyncState<BackupItem[]>;
  list: WindowedListState<BackupItem>;
  /** A backup or a verify, while it runs and after. */
  task: Task<{ kind: 'backup'; item: BackupItem } | { kind: 'verify'; outcome: VerifyOutcome }>;
  /** What the last action did, in one line. */
  message: { kind: MessageKind; text: string } | null;
  runBackup(): void;
  verifyCurrent(): void;
  say(kind: MessageKind, text: string): void;
  /** Clears the message line. */
  hush(): void;
  /** Reads the catalog again and puts the cursor on `id` (an import just added it). */
  reloadAt(id: string): void;
}

/** The catalog, a windowed list over it, and the backup/verify task. */
export function useBackupsState(service: BackupServices, height: number): BackupsState {
  const load = useCallback(() => service.list(), [service]);
  const backups = useAsync(load);
  const items = backups.status === 'ready' ? backups.value : undefined;
  const source = useMemo(() => arraySource(items ?? [], (b) => `${b.id} ${b.status} ${b.external?.path ?? ''}`), [items]);
  const list = useWindowedList({ source, height, rowKey: (b) => b.id });
  const task = useTask<{ kind: 'backup'; item: BackupItem } | { kind: 'verify'; outcome: VerifyOutcome }>('backup');
  const [said, setSaid] = useState<{ kind: MessageKind; text: string } | null>(null);
  // What a cancel left, as the backup said it (or that Esc came after it had finished).
  const [cancelNote, setCancelNote] = useState<{ kind: MessageKind; text: string } | null>(null);
  const { reload } = backups;
  // A new state of the work says more than an older message.
  useEffect(() => setSaid(null), [task.state]);

  const runBackup = useCallback(() => {
    setSaid(null);
    setCancelNote(null);
    task.start(async (o) => {
      try {
        const item = await service.run(o);
        if (o.signal.aborted) setCancelNote({ kind: 'info', text: `Esc came too late: the backup had finished and is kept (${item.id})` });
        return { kind: 'backup' as const, item };
      } catch (err) {
        if (o.signal.aborted) setCancelNote(cancelledLine(err));
        throw err;
      } finally {
        reload();
      }
    });
  }, [service, task, reload]);

  const current = list.current;
  const verifyCurrent = useCallback(() => {
    if (!current) return;
    if (!current.usable) {
      setSaid({ kind: 'warn', text: `${current.id} is ${current.status}: only a complete backup can be verified` });
      return;
    }
    setSaid(null);
    setCancelNote(null);
    const id = current.id;
    task.start(async (o) => ({ kind: 'verify' as const, outcome: await service.verify(id, o) }));
  }, [service, task, current]);

  // The cursor goes to a wanted row once the list has counted the new catalog.
  const [wanted, setWanted] = useState<string | null>(null);
  const { move } = list;
  const counted = list.window.count;
  useEffect(() => {
    if (!wanted || !items || counted !== items.length) return;
    // Until the reload brings it (the list before the reload is seen first).
    const index = items.findIndex((b) => b.id === wanted);
    if (index < 0) return;
    setWanted(null);
    move('first');
    for (let i = 0; i < index; i++) move('down');
  }, [wanted, items, counted, move]);
  const reloadAt = useCallback(
    (id: string) => {
      setWanted(id);
      reload();
    },
    [reload],
  );

  const message = said ?? (cancelNote && task.state !== 'running' ? cancelNote : null) ?? taskMessage(task);
  const say = useCallback((kind: MessageKind, text: string) => setSaid({ kind, text }), []);
  const hush = useCallback(() => setSaid(null), []);
  return { backups, list, task, message, runBackup, verifyCurrent, say, hush, reloadAt };
}

/**
 * How a cancelled backup ended, from its rejection: nothing kept, or the folder left behind.
 * Anything else (a service that does not say) claims nothing about the catalog.
 */
export function cancelledLine(err: unknown): { kind: MessageKind; text: string } {
  // The backup's own report (BackupCancelledError): `leftover` is null or the folder left behind.
  if (!(err instanceof Error) || !('leftover' in err)) return { kind: 'info', text: 'cancelled' };
  return { kind: err.leftover === null ? 'info' : 'warn', text: errorText(err) };
}

/** The line that says how the last backup or verify ended. */
export function taskMessage(task: Pick<BackupsState['task'], 'state' | 'result' | 'error'>): { kind: MessageKind; text: string } | null {
  if (task.state === 'cancelled') return { kind: 'info', text: 'cancelled' };
  if (task.state === 'failed') return { kind: 'error', text: task.error ?? 'failed' };
  if (task.state !== 'done' || !task.result) return null;
  const r = task.result;
  if (r.kind === 'backup') {
    const b = r.item;
    return {
      kind: 'ok',
      text: `backup ok: ${b.tables ?? '?'} tables, ${b.rows === null ? 'rows unknown' : `${formatCount(b.rows)} rows`}, ${formatBytes(b.bytes ?? 0)} (the newest below)`,
    };
  }
  const v = r.outcome;
  if (v.ok) return { kind: 'ok', text: `verified ${v.filesChecked} files (${formatBytes(v.bytesChecked)}) of ${v.id.slice(0, 16)}…: every sha256 matches` };
  const first = v.problems[0];
  return { kind: 'error', text: `${v.id}: ${v.problems.length} problem(s)${first ? `: ${first.file}: ${first.problem}` : ''}` };
}
