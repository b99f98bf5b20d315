import { Box, Text } from 'ink';
import { useCallback, useMemo } from 'react';
import { formatBytes, formatCount } from '../../../util/format.js';
import { KeyValue, type KeyValueEntry } from '../../components/key-value.js';
import { arraySource } from '../../components/list-source.js';
import { Message } from '../../components/message.js';
import { useWindowedList } from '../../components/use-windowed-list.js';
import { LIST_CHROME_LINES, WindowedList } from '../../components/windowed-list.js';
import type { BackupDetail } from '../../services.js';
import { useServices } from '../../services-context.js';
import { useAsync } from '../../use-async.js';
import { useLayout } from '../../use-layout.js';
import { Unavailable } from '../unavailable.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { BACKUP_TABLE_COLUMNS } from './backup-columns.js';
import { compressionLabel, EXTERNAL_MARK, formatLabel, shortTime, takenAtSourceLabel } from './external-labels.js';

/** Facts above the table list. */
const HEAD_LINES = 7;

/** One backup's manifest: where, when, how, how big, the restore test, then its tables. */
export function BackupScreen({ params }: ScreenProps<'backup'>) {
  const services = useServices();
  const layout = useLayout();
  const screen = useScreen();
  const backups = services.backups;
  const load = useCallback(() => (backups ? backups.detail(params.id) : Promise.reject(new Error('no catalog'))), [backups, params.id]);
  const detail = useAsync(load);
  const d = detail.status === 'ready' ? detail.value : undefined;
  const source = useMemo(() => arraySource(d?.tableList ?? [], (t) => t.id), [d]);
  const list = useWindowedList({ source, height: Math.max(1, layout.bodyHeight - HEAD_LINES - LIST_CHROME_LINES), rowKey: (t) => t.id });
  useScreenInput((command) => list.handle(command));
  if (!backups) return <Unavailable what="The backup catalog" />;
  if (detail.status === 'loading') return <Text dimColor>reading the manifest of {params.id}…</Text>;
  if (detail.status === 'error') return <Message kind="error" text={`could not read ${params.id}: ${detail.error}`} width={layout.columns} />;
  return (
    <Box flexDirection="column" width={layout.columns}>
      <KeyValue entries={manifestEntries(d!)} width={layout.columns} keyWidth={11} />
      <WindowedList list={list} columns={BACKUP_TABLE_COLUMNS} width={layout.columns} active={screen.active} noun="tables" />
    </Box>
  );
}

/** The manifest's facts, seven lines (for a dump another tool made, what its import recorded). */
export function manifestEntries(d: BackupDetail): KeyValueEntry[] {
  if (d.external) return externalEntries(d, d.external);
  const rt = d.restoreTest;
  return [
    { key: 'Backup', value: `${d.id}${d.label ? ` (${d.label})` : ''}` },
    d.usable
      ? { key: 'Status', value: 'ok: complete, every file hashed (sha256)', tone: 'ok' }
      : { key: 'Status', value: `${d.status}${d.error ? `: ${d.error}` : ''}`, tone: 'error' },
    { key: 'Taken', value: `${d.startedAt.replace('T', ' ').slice(0, 19)} UTC${d.durationSeconds !== null ? `, ${d.durationSeconds} s` : ''}` },
    { key: 'From', value: `${d.target ?? '?'} (server ${d.serverVersion ?? '?'})` },
    { key: 'Dump', value: `${d.tool ?? '?'} · ${d.layout ?? '?'} · ${d.compress ?? '?'}` },
    { key: 'Size', value: `${formatBytes(d.bytes ?? 0)} in ${d.tables ?? '?'} tables, ${d.rows === null ? 'rows unknown' : `${formatCount(d.rows)} rows`}` },
    rt
      ? {
          key: 'Restore',
          value: `${rt.ok ? 'tested ok' : 'test FAILED'} ${rt.at.slice(0, 10)}: ${rt.durationSeconds} s${rt.mismatches ? `, ${rt.mismatches} tables differ` : ''}${rt.error ? `: ${rt.error}` : ''}`,
          tone: rt.ok ? undefined : 'error',
        }
      : { key: 'Restore', value: 'never tested (crm-rescue backups verify --restore-test)', tone: 'muted' },
  ];
}

/**
 * An imported dump's facts, seven lines: where it is, whether it is as imported (the size and time
 * check every use makes; v hashes it all again), when it was taken and what says so, the format,
 * the size, and the sha256 recorded at import.
 */
function externalEntries(d: BackupDetail, e: NonNullable<BackupDetail['external']>): KeyValueEntry[] {
  const bytes = e.files.reduce((a, f) => a + f.bytes, 0);
  const dbs = e.databases.length ? e.databases.join(', ') : 'a database it does not name';
  return [
    {
      key: 'Backup',
      value: `${EXTERNAL_MARK} external ${d.id} (imported ${e.importedAt.slice(0, 10)}${e.copied ? ', copied into the catalog' : ', by reference'})`,
    },
    e.changed
      ? { key: 'Status', value: `changed since import: ${e.changed}`, tone: 'error' }
      : { key: 'Status', value: 'ok: unchanged since import (size and time); v checks every sha256', tone: 'ok' },
    { key: 'Taken', value: `${shortTime(e.takenAt)} (${takenAtSourceLabel(e.takenAtSource)})` },
    { key: 'File', value: [e.path, ...e.members].join(' › ') },
    { key: 'Dump', value: `${e.tool ?? '?'} · ${formatLabel(e.format, e.wrapper)} · ${compressionLabel(e.compression)}` },
    { key: 'Size', value: `${formatBytes(bytes)} in ${d.tables ?? '?'} tables of ${dbs}, ${d.rows === null ? 'rows unknown' : `${formatCount(d.rows)} rows`}` },
    {
      key: 'sha256',
      value: e.files.length === 1 ? e.files[0].sha256 : `${e.files.length} files, the first ${e.files[0]?.sha256 ?? '?'}`,
      tone: 'muted',
    },
  ];
}
