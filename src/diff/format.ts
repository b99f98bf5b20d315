import { formatCount, pad, truncate } from '../util/format.js';
import { cellWidth } from '../util/text-width.js';
import type { DiffRow, DiffSummary } from './model.js';

/** The summary block of a diff, for humans. */
export function formatDiffSummary(s: DiffSummary, width = 80): string {
  const name = `${s.table.schema}.${s.table.name}`;
  const lines = [
    `Diff     ${truncate(name, width - 9)} (live) vs ${truncate(`${s.staged.schema}.${s.staged.name}`, width - 30)} (backup)`,
    `Key      ${s.key.join(', ')} (${s.keySource === 'flag' ? '--key' : s.keySource === 'primary' ? 'primary key' : 'unique key'})`,
  ];
  if (s.where) lines.push(`Where    ${truncate(s.where, width - 9)}`);
  if (s.softDelete) lines.push(`Soft     ${s.softDelete.column} (${s.softDelete.kind})`);
  if (s.onlyInStaged.length) lines.push(`Backup only  ${truncate(s.onlyInStaged.join(', '), width - 13)} (not compared)`);
  if (s.onlyInLive.length) lines.push(`Live only    ${truncate(s.onlyInLive.join(', '), width - 13)} (not compared)`);
  const c = s.counts;
  lines.push(
    `Rows     deleted ${formatCount(c.deleted)} · soft-deleted ${formatCount(c.softDeleted)} · changed ${formatCount(c.changed)} · added ${formatCount(c.added)} · unchanged ${formatCount(c.unchanged)}`,
  );
  return lines.join('\n');
}

/** One row as a line of the human table: class, key, then what differs. */
export function formatDiffRow(r: DiffRow, width = 80): string {
  const cls = pad(r.class === 'soft-deleted' ? 'soft-del' : r.class, 8);
  const key = Object.values(r.key).map(show).join(',');
  const keyW = Math.min(Math.floor(width / 2), Math.max(12, cellWidth(key)));
  let detail: string;
  if (r.class === 'changed' || r.class === 'soft-deleted') {
    detail = (r.changedColumns ?? []).map((c) => `${c}: ${show(r.before?.[c])} → ${show(r.after?.[c])}`).join('; ');
  } else {
    const values = r.before ?? r.after ?? {};
    detail = Object.entries(values)
      .filter(([, v]) => v !== null && v !== '')
      .slice(0, 4)
      .map(([k, v]) => `${k}=${show(v)}`)
      .join(' ');
  }
  return `${cls} ${pad(key, keyW)} ${truncate(detail, Math.max(10, width - keyW - 10))}`;
}

/** A value in one short token: NULL spelled out, strings quoted when they hide spaces. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v === '' || /^\s|\s$/.test(v) ? JSON.stringify(v) : v.replace(/\s+/g, ' ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
