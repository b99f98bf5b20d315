import { formatCount, pad, truncate } from '../util/format.js';
import { cellWidth } from '../util/text-width.js';
import type { IndexAdvice } from './explain.js';
import type { DeletionEvent, Incident } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import type { InstallResult, UninstallResult } from './trigger/model.js';

/** Human output of the audit verbs; every line fits the given width (80 by default). */

/** `2026-05-01 16:42:07` (UTC), from ISO. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}

interface EventColumns {
  table: number;
  key: number;
  actor: number;
  source: number;
}

function eventColumns(width: number, showSource: boolean): EventColumns {
  // time 19, kind 4 and the separators are fixed; the rest is shared.
  const fixed = 19 + 1 + 4 + 1 + (showSource ? 4 : 3);
  const rest = Math.max(30, width - fixed);
  if (!showSource)
    return { table: Math.floor(rest * 0.3), key: Math.floor(rest * 0.4), actor: rest - Math.floor(rest * 0.3) - Math.floor(rest * 0.4), source: 0 };
  const table = Math.floor(rest * 0.27);
  const key = Math.floor(rest * 0.3);
  const actor = Math.floor(rest * 0.2);
  return { table, key, actor, source: rest - table - key - actor };
}

/** The header line of the event list. */
export function formatEventHeader(width = 80, showSource = true): string {
  const c = eventColumns(width, showSource);
  const cols = [pad('TIME (UTC)', 19), pad('KIND', 4), pad('TABLE', c.table), pad('KEY', c.key), pad('ACTOR', c.actor)];
  if (showSource) cols.push(pad('SOURCE', c.source));
  return cols.join(' ').trimEnd();
}

/** One event on one line. */
export function formatEventLine(e: DeletionEvent, width = 80, showSource = true): string {
  const c = eventColumns(width, showSource);
  const keyValues = Object.values(e.key).map((v) => (v === null ? 'NULL' : String(v)));
  const cols = [
    pad(shortTime(e.time), 19),
    pad(e.kind, 4),
    pad(e.table, c.table),
    pad(keyValues.join(','), c.key),
    pad(e.actorName ?? e.actor ?? '?', c.actor),
  ];
  if (showSource) cols.push(pad(e.source, c.source));
  return cols.join(' ').trimEnd();
}

/** Incidents, each as a short block. */
export function formatIncidents(incidents: Incident[], width = 80): string {
  if (incidents.length === 0) return 'No incidents: no burst of deletions reaches the thresholds.';
  const lines: string[] = [];
  for (const i of incidents) {
    const actor = i.actors.map((a) => (a.name && a.id && a.name !== a.id ? `${a.name} (${a.id})` : (a.name ?? a.id ?? 'unknown actor'))).join(', ');
    lines.push(truncate(`${i.id}  ${shortTime(i.window.start)} → ${shortTime(i.window.end).slice(11)} UTC  ${formatCount(i.rows.total)} rows`, width));
    lines.push(truncate(`  by ${actor}`, width));
    for (const t of i.tables) {
      const parts = [t.hard ? `${formatCount(t.hard)} hard` : '', t.soft ? `${formatCount(t.soft)} soft` : ''].filter(Boolean).join(', ');
      lines.push(truncate(`  ${pad(t.table, Math.min(32, width - 30))} ${parts}`, width));
    }
    lines.push(truncate(`  sources: ${i.sources.join(', ')}`, width));
    lines.push(truncate(`  backup before it: ${i.backupBefore ? `${i.backupBefore.id} (${shortTime(i.backupBefore.time)} UTC)` : 'none found'}`, width));
    if (i.recovered) lines.push(truncate(`  ${i.recovered.mark}`, width));
    // Whole: a command cut at the terminal's width could not be copied.
    if (i.merge)
      lines.push(`  merge back from the ${i.merge.backup === 'binlog' ? 'binary log' : i.merge.backup}:`, ...i.merge.commands.map((c) => `    ${c}`));
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** The sources of a database, available or not. */
export function formatSources(ctx: AuditContext, all: readonly AuditSource[], available: AuditSource[], width = 80): string {
  const lines = [truncate(`${ctx.snapshot.database}: ${ctx.knowledge.name}`, width)];
  for (const s of all) {
    const on = available.includes(s);
    lines.push(truncate(`${on ? '+' : '-'} ${pad(s.id, 25)} ${s.describe()}`, width));
    const caveat = on ? s.caveat?.(ctx) : null;
    if (caveat) lines.push(...wrap(`note: ${caveat}`, width - 4).map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

/** The index advice, as a note for stderr. */
export function formatIndexAdvice(advice: IndexAdvice[]): string {
  return advice
    .map(
      (a) =>
        `note: the first page reads all ~${formatCount(a.rowEstimate)} rows of ${a.table.schema}.${a.table.name} (no usable index); an index on (${a.columns.join(', ')}) would make it instant: crm-rescue audit deletions --suggest-index prints its DDL`,
    )
    .join('\n');
}

/** What install did. */
export function formatInstall(r: InstallResult): string {
  const levels = [...new Set(r.tables.map((t) => t.level))].join('/');
  const ops = r.tables.some((t) => t.triggers.some((x) => x.operation === 'UPDATE')) ? 'DELETE and UPDATE' : 'DELETE';
  const lines = [
    `Installed the trigger audit in ${r.namespace}${r.createdNamespace ? ' (created)' : ''}: ${ops} triggers (${levels}-level) on ${r.tables.length} table${r.tables.length === 1 ? '' : 's'}.`,
  ];
  for (const t of r.tables.slice(0, 20))
    lines.push(`  ${t.schema}.${t.name}${t.keyColumns.length ? ` (key ${t.keyColumns.join(', ')})` : ' (no key: row_key stays empty)'}`);
  if (r.tables.length > 20) lines.push(`  … and ${r.tables.length - 20} more`);
  lines.push('Deleted rows are logged in full from now on: crm-rescue audit deletions --source trigger-audit');
  return lines.join('\n');
}

/** What uninstall did. */
export function formatUninstall(r: UninstallResult): string {
  const lines = [`Removed ${r.removed.length} trigger${r.removed.length === 1 ? '' : 's'}.`];
  if (r.alreadyGone.length) {
    lines.push(`${r.alreadyGone.length} trigger${r.alreadyGone.length === 1 ? ' was' : 's were'} already removed by hand (registry entries cleared):`);
    for (const t of r.alreadyGone.slice(0, 10)) lines.push(`  ${t.schema}.${t.table}: ${t.trigger}`);
  }
  if (r.log === 'kept')
    lines.push(`Kept the log ${r.namespace}.audit_log (${formatCount(r.logRows)} rows, possibly the only copy of deleted rows): --drop-log removes it.`);
  if (r.log === 'in use') lines.push(`The log ${r.namespace}.audit_log stays: other tables still have audit triggers.`);
  if (r.log === 'dropped') lines.push(`Dropped the log${r.logRows ? ` (${formatCount(r.logRows)} rows)` : ''}.`);
  if (r.namespaceDropped) lines.push(`Dropped ${r.namespace} (nothing else was in it).`);
  if (r.removed.length === 0 && r.alreadyGone.length === 0 && r.log === 'absent') lines.push('The trigger audit was not installed.');
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && cellWidth(line) + 1 + cellWidth(word) > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
