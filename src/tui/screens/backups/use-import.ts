import { basename } from 'node:path';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { arraySource } from '../../components/list-source.js';
import type { MessageKind } from '../../components/message.js';
import { useWindowedList, type WindowedListState } from '../../components/use-windowed-list.js';
import type { Command } from '../../keymap.js';
import type { BackupServices, FoundDump, ImportedBackup } from '../../services.js';
import { useTask, type Task } from '../../use-task.js';
import { shortTime } from './external-labels.js';

/**
 * Where the import is: closed; the path field open; a scan or an import running; the dumps a
 * scan found, to mark and import.
 */
export type ImportMode = 'closed' | 'path' | 'working' | 'found';

/** What a scan or an import ended with. */
export type ImportResult = { kind: 'scan'; dir: string; found: FoundDump[] } | { kind: 'import'; imported: ImportedBackup[] };

/** The import of the Backups screen and of the wizard's backup step. */
export interface ImportState {
  /** The services can import (the console has a catalog with the external modules). */
  available: boolean;
  mode: ImportMode;
  path: string;
  /** What the last Tab found: the choices when several match, `none` when nothing does. */
  completion: { candidates: string[]; more: number; none: boolean } | null;
  found: WindowedListState<FoundDump>;
  task: Task<ImportResult>;
  /** The common folder of the found dumps: the list shows their paths from there. */
  foundRoot: string;
  open: () => void;
  setPath: (value: string) => void;
  /** Tab in the path field. */
  complete: (value: string) => void;
  /** Enter in the path field: a folder is scanned, anything else imported. */
  submit: (value: string) => void;
  /** Esc: cancels running work, else closes (nothing imported). */
  cancel: () => void;
  /** The screen's commands while the import is open; true when handled (it takes them all). */
  handle: (command: Command | undefined) => boolean;
}

/**
 * The path field (Tab completes), the scan of a folder, the found dumps (Space marks, Enter
 * imports the marked or the one under the cursor) and the import, with Esc cancelling at any
 * point. `onImported` gets what was imported (to reload the list and put the cursor on it).
 */
export function useImport(
  service: BackupServices | undefined,
  height: number,
  on: {
    imported(imported: ImportedBackup[]): void;
    /** Shows how a step ended in the screen's message line (null clears it). */
    report(message: { kind: MessageKind; text: string } | null): void;
  },
): ImportState {
  const available = Boolean(service?.importPaths !== undefined && service.scanFolder !== undefined);
  const [mode, setMode] = useState<ImportMode>('closed');
  const [path, setPathState] = useState('');
  const [completion, setCompletion] = useState<ImportState['completion']>(null);
  const [foundDumps, setFound] = useState<FoundDump[]>([]);
  const task = useTask<ImportResult>('import');
  // Where a failed or refused step goes back to: the field it was typed in, or the found list.
  const returnTo = useRef<ImportMode>('path');
  const found = useWindowedList({
    source: useMemo(() => arraySource(foundDumps, (f) => f.path), [foundDumps]),
    height,
    rowKey: (f) => f.path,
    selectable: true,
  });
  // Only the newest Tab's answer counts: a slower older one must not overwrite it.
  const asked = useRef(0);
  const latestPath = useRef(path);

  const notify = useRef(on);
  useEffect(() => {
    notify.current = on;
  });
  const setSaid = useCallback((m: { kind: MessageKind; text: string } | null) => notify.current.report(m), []);
  const { state, result, error } = task;
  const finished = () => task.reset();
  useEffect(() => {
    if (state === 'done' && result) {
      if (result.kind === 'scan') {
        setFound(result.found);
        if (result.found.length) {
          found.setSelected([]);
          found.move('first');
          setMode('found');
          setSaid({ kind: 'info', text: `${result.found.length} dump(s) under ${result.dir}, newest first: Space marks, Enter imports` });
        } else {
          setMode('path');
          setSaid({ kind: 'warn', text: `no database dump under ${result.dir}` });
        }
      } else {
        setMode('closed');
        setSaid(importedMessage(result.imported));
        notify.current.imported(result.imported);
      }
      finished();
    } else if (state === 'failed') {
      setMode(returnTo.current);
      setSaid({ kind: 'error', text: error ?? 'failed' });
      finished();
    } else if (state === 'cancelled') {
      setMode('closed');
      setSaid({ kind: 'info', text: 'cancelled: nothing was imported' });
      finished();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reacts to how the task ended, once
  }, [state]);

  const open = useCallback(() => {
    if (!available) {
      setSaid({ kind: 'info', text: 'importing dumps is not available in this console' });
      return;
    }
    setSaid(null);
    setCompletion(null);
    setMode('path');
  }, [available, setSaid]);

  const setPath = useCallback((value: string) => {
    latestPath.current = value;
    setPathState(value);
    setCompletion(null);
  }, []);

  const complete = useCallback(
    (value: string) => {
      if (!service?.completePath) return;
      const n = ++asked.current;
      service.completePath(value).then(
        (c) => {
          if (n !== asked.current || latestPath.current !== value) return;
          latestPath.current = c.completed;
          setPathState(c.completed);
          setCompletion(c.candidates.length === 1 ? null : { candidates: c.candidates, more: c.more, none: c.candidates.length === 0 });
        },
        () => undefined,
      );
    },
    [service],
  );

  const run = useCallback(
    (from: ImportMode, work: Parameters<Task<ImportResult>['start']>[0]) => {
      returnTo.current = from;
      setSaid(null);
      setCompletion(null);
      setMode('working');
      task.start(work);
    },
    [task, setSaid],
  );

  const submit = useCallback(
    (value: string) => {
      const typed = value.trim();
      const svc = service;
      if (!svc?.importPaths || !svc.scanFolder) return;
      if (!typed) {
        setSaid({ kind: 'warn', text: 'type the path of a dump file, or of a folder to look for dumps in' });
        return;
      }
      run('path', async (o) => {
        if (svc.isFolder && (await svc.isFolder(typed))) return { kind: 'scan', dir: typed, found: await svc.scanFolder!(typed, o) };
        return { kind: 'import', imported: await svc.importPaths!([typed], o) };
      });
    },
    [service, run, setSaid],
  );

  const importFound = useCallback(() => {
    if (!service?.importPaths) return;
    const marked = foundDumps.filter((f) => found.selected.has(f.path)).map((f) => f.path);
    const paths = marked.length ? marked : found.current ? [found.current.path] : [];
    if (!paths.length) return;
    const svc = service;
    run('found', async (o) => ({ kind: 'import', imported: await svc.importPaths!(paths, o) }));
  }, [service, foundDumps, found, run]);

  const cancel = useCallback(() => {
    if (task.state === 'running') {
      task.cancel();
      return;
    }
    setMode('closed');
    setCompletion(null);
    setSaid(null);
  }, [task, setSaid]);

  const handle = (command: Command | undefined): boolean => {
    if (mode === 'closed') return false;
    if (command === 'back') {
      cancel();
      return true;
    }
    if (mode === 'found') {
      if (command === 'open' || command === 'next') {
        importFound();
        return true;
      }
      found.handle(command);
    }
    // Open, the import has the keyboard: nothing else of the screen acts underneath it.
    return command !== 'quit' && command !== 'help';
  };

  const foundRoot = useMemo(() => commonFolder(foundDumps.map((f) => f.path)), [foundDumps]);
  return { available, mode, path, completion, found, foundRoot, task, open, setPath, complete, submit, cancel, handle };
}

/** What an import did, in one line. */
export function importedMessage(imported: ImportedBackup[]): { kind: MessageKind; text: string } {
  if (imported.length === 0) return { kind: 'info', text: 'nothing imported' };
  const first = imported[0];
  const e = first.item.external;
  // Short: the line under the list tells the rest (format, where the time comes from, the path).
  const what = `${basename(e.path)}: ${e.databases.join(', ') || 'database not named'}, taken ${shortTime(e.takenAt)}`;
  if (imported.length > 1) return { kind: 'ok', text: `imported ${imported.length} dumps (the first: ${what})` };
  return first.existing ? { kind: 'info', text: `already imported as ${first.item.id} (${what})` } : { kind: 'ok', text: `imported ${what}` };
}

/** The folder every path is in (`/` at least), ending with `/`. */
export function commonFolder(paths: string[]): string {
  if (!paths.length) return '';
  let parts = paths[0].split('/').slice(0, -1);
  for (const p of paths.slice(1)) {
    const q = p.split('/');
    let i = 0;
    while (i < parts.length && i < q.length - 1 && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.length ? `${parts.join('/')}/` : '';
}
