import { formatAge, formatBytes, formatCount, pad } from '../util/format.js';
import { cellWidth } from '../util/text-width.js';
import type { BackupEntry } from './catalog.js';
import type { BackupManifest } from './manifest.js';
import type { PruneResult } from './prune.js';
import type { VerifyResult } from './verify.js';
import { nowMs } from '../util/clock.js';
import { dialectFor } from '../dialect/index.js';

/** One row of `backups list --json`. */
export interface BackupListItem {
  id: string;
  status: BackupEntry['status'];
  usable: boolean;
  target: string | null;
  engine: string | null;
  database: string | null;
  label: string | null;
  startedAt: string;
  finishedAt: string | null;
  ageSeconds: number;
  bytes: number | null;
  tables: number | null;
  rows: number | null;
  restoreTest: { at: string; ok: boolean; durationSeconds: number } | null;
  error: string | null;
  path: string;
  /** Present for a dump made by another tool, imported by reference: what it is and where it lies. */
  external?: { format: string; wrapper: string | null; tool: string | null; takenAtSource: string; databases: string[]; copied: boolean; files: number };
}

/** The JSON shape of a catalog entry. */
export function listItem(e: BackupEntry, now = nowMs()): BackupListItem {
  const m = e.manifest;
  const ok = e.status === 'ok' && m !== null;
  const x = e.external;
  const known = <T>(v: (T | null)[]) => (v.every((n) => n !== null) ? (v as T[]) : null);
  const xRows = x ? known(x.index.tables.map((t) => t.rows)) : null;
  return {
    id: e.id,
    status: e.status,
    usable: e.usable,
    target: e.target,
    engine: e.engine,
    database: e.database,
    label: m?.label ?? null,
    startedAt: e.startedAt,
    finishedAt: m?.finishedAt ?? null,
    ageSeconds: Math.max(0, Math.round((now - Date.parse(e.startedAt)) / 1000)),
    bytes: ok ? m.totals.bytes : x ? x.files.reduce((a, f) => a + f.bytes, 0) : null,
    tables: ok ? m.totals.tables : x ? x.index.tables.length : null,
    rows: ok ? m.totals.rows : xRows ? xRows.reduce((a, n) => a + n, 0) : null,
    restoreTest: m?.restoreTest ? { at: m.restoreTest.at, ok: m.restoreTest.ok, durationSeconds: m.restoreTest.durationSeconds } : null,
    error: e.error ?? null,
    path: e.path,
    ...(x && {
      external: {
        format: x.index.format,
        wrapper: x.index.wrapper,
        tool: x.index.tool,
        takenAtSource: x.index.takenAtSource,
        databases: x.index.databases,
        copied: x.copied,
        files: x.files.length,
      },
    }),
  };
}

/** The human table of `backups list`. */
export function formatBackupList(entries: BackupEntry[], now = nowMs()): string {
  if (entries.length === 0) return 'no backups in the catalog';
  const w = Math.max(...entries.map((e) => cellWidth(e.id)));
  const header = `${pad('ID', w)} ${pad('AGE', 7)} ${pad('SIZE', 8, 'right')} ${pad('TABLES', 6, 'right')} ${pad('STATUS', 10)} RESTORE-TESTED`;
  const lines = entries.map((e) => {
    const i = listItem(e, now);
    const rt = i.restoreTest ? `${i.restoreTest.ok ? 'yes' : 'FAILED'} ${formatAge(i.restoreTest.at, now)} ago (${i.restoreTest.durationSeconds} s)` : 'no';
    const status = e.external ? 'external' : e.usable ? 'ok' : e.status;
    const why = e.external ? `  ${e.path}` : !e.usable && e.error ? `  ${e.error}` : '';
    return `${pad(i.id, w)} ${pad(formatAge(i.startedAt, now), 7)} ${pad(i.bytes === null ? '-' : formatBytes(i.bytes), 8, 'right')} ${pad(i.tables === null ? '-' : String(i.tables), 6, 'right')} ${pad(status, 10)} ${e.usable && !e.external ? rt : '-'}${why}`;
  });
  return [header, ...lines].join('\n');
}

/** The human view of `backups show`. */
export function formatManifest(m: BackupManifest, path: string): string {
  const lines = [
    `backup    ${m.id}${m.label ? `  (${m.label})` : ''}`,
    `status    ${m.status}${m.error ? `: ${m.error}` : ''}`,
    `target    ${m.target}`,
    `server    ${m.engine} ${m.serverVersion}, ${m.identity ? `${m.identity.serverSource} ${m.identity.server ?? 'unknown'}` : 'identity not recorded'}`,
    `client    ${m.client.tool} ${m.client.version}`,
    `command   ${m.command}`,
    `started   ${m.startedAt}`,
    `finished  ${m.finishedAt ?? '-'}${m.durationSeconds !== null ? ` (${m.durationSeconds} s)` : ''}`,
    `options   compress ${m.options.compress}${m.options.compress === 'gzip' ? ` level ${m.options.compressLevel}` : ''}, jobs ${m.options.jobs}${m.options.tables ? `, tables ${m.options.tables.join(', ')}` : ''}`,
    `size      ${formatBytes(m.totals.bytes)} in ${m.totals.tables} tables, ${m.totals.rows === null ? 'rows unknown' : `${formatCount(m.totals.rows)} rows`}`,
    `restore   ${m.restoreTest ? `${m.restoreTest.ok ? 'ok' : 'FAILED'} at ${m.restoreTest.at} in ${m.restoreTest.durationSeconds} s${m.restoreTest.error ? `: ${m.restoreTest.error}` : ''}${m.restoreTest.mismatches.length ? `, ${m.restoreTest.mismatches.length} row-count mismatches` : ''}` : 'not tested'}`,
    `folder    ${path}`,
  ];
  if (m.tables.length) {
    lines.push('', `${pad('TABLE', 40)} ${pad('ROWS', 12, 'right')} ${pad('SIZE', 9, 'right')}  FILE`);
    for (const t of m.tables) {
      const name = printable(dialectFor(m.engine).capabilities.multiSchema ? `${t.schema}.${t.name}` : t.name);
      lines.push(
        `${pad(name, 40)} ${pad(`${t.rowsEstimated ? '~' : ''}${formatCount(t.rows)}`, 12, 'right')} ${pad(formatBytes(t.bytes), 9, 'right')}  ${t.file}`,
      );
    }
  }
  return lines.join('\n');
}

/** The human view of `backups verify`. */
export function formatVerify(r: VerifyResult): string {
  const lines = [`${r.ok ? 'ok' : 'BAD'}: ${r.id}: ${r.filesChecked} files, ${formatBytes(r.bytesChecked)} checked`];
  for (const p of r.problems) lines.push(`  ${p.file}: ${p.problem}`);
  if (r.restoreTest) {
    const t = r.restoreTest;
    lines.push(
      `  restore test ${t.ok ? 'ok' : 'FAILED'}: ${t.tablesChecked} tables restored and counted in ${t.durationSeconds} s${t.error ? `: ${t.error}` : ''}`,
    );
    for (const m of t.mismatches) lines.push(`    ${m.schema}.${m.name}: ${m.actual} rows restored, manifest says ${m.expected}`);
  }
  return lines.join('\n');
}

/** The human view of `backups prune`. */
export function formatPrune(r: PruneResult): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const lines = [`${verb} ${r.removed.length}, keeping ${r.kept.length}`];
  for (const x of r.removed) lines.push(`  - ${x.id}  (${x.reasons.join(', ')})`);
  for (const x of r.kept) lines.push(`  + ${x.id}  (${x.reasons.join(', ')})`);
  return lines.join('\n');
}

/** A name fit for one line of a table: control characters shown escaped. */
function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
