import { engineName } from '../dialect/engine-name.js';
import { tableLabel } from '../dialect/table-label.js';
import { formatBytes, formatCount, pad, truncate } from '../util/format.js';
import type { InspectReport, InspectTable } from './report.js';

/** The human view of an inspect report, readable at `width` columns (80 by default). */
export function formatInspectReport(r: InspectReport, width = 80): string {
  const w = Math.max(60, width);
  const lines: string[] = [];
  lines.push(`Target   ${truncate(r.target, w - 9)}`);
  lines.push(`Server   ${engineName(r.engine).family} ${r.serverVersion}`);
  lines.push(`CRM      ${r.crm.name}${r.crm.flavour === 'generic' ? '' : ` (confidence ${Math.round(r.crm.confidence * 100)}%)`}`);
  for (const e of r.crm.evidence) lines.push(`         · ${truncate(e, w - 11)}`);
  if (r.crm.auditSources.length) {
    lines.push(`Audit    ${truncate(r.crm.auditSources.map((a) => a.table).join(', '), w - 9)}`);
  }
  const denied = Object.entries(r.privileges.actions).filter(([, p]) => !p.allowed || p.reason);
  lines.push(`User     ${r.privileges.user}${r.privileges.superuser ? ' (superuser)' : ''}`);
  for (const [action, p] of denied) lines.push(`         ${p.allowed ? '!' : '✗'} ${action}: ${truncate(p.reason ?? 'not allowed', w - 14 - action.length)}`);
  lines.push(`Tables   ${r.totals.tables}, ${formatBytes(r.totals.bytes)}, ~${formatCount(r.totals.rowEstimate)} rows`);
  lines.push('');

  const sizeW = 8;
  const rowsW = 11;
  const nameW = Math.min(40, Math.max(16, Math.floor((w - sizeW - rowsW - 4) / 2)));
  const keyW = w - nameW - sizeW - rowsW - 3;
  lines.push(`${pad('TABLE', nameW)} ${pad('KEY', keyW)} ${pad('ROWS~', rowsW, 'right')} ${pad('SIZE', sizeW, 'right')}`);
  for (const t of r.tables) {
    const name = displayName(r, t);
    lines.push(`${pad(name, nameW)} ${pad(keyText(t), keyW)} ${pad(formatCount(t.rowEstimate), rowsW, 'right')} ${pad(formatBytes(t.bytes), sizeW, 'right')}`);
    for (const p of t.parents) {
      const disc = p.discriminator ? ` when ${p.discriminator.column}='${p.discriminator.value}'` : '';
      const tag = p.source === 'declared' ? 'FK' : 'implied';
      lines.push(`  ${truncate(`→ ${p.table}(${p.parentColumns.join(',')}) via ${p.columns.join(',')}${disc} [${tag}]`, w - 2)}`);
    }
  }
  return lines.join('\n');
}

function displayName(r: InspectReport, t: InspectTable): string {
  const schemas = new Set(r.tables.map((x) => x.schema));
  const base = tableLabel(r.engine, t.schema, t.name, schemas.size > 1);
  return t.softDelete ? `${base} ◦` : base;
}

function keyText(t: InspectTable): string {
  if (!t.key) return '(no key)';
  const cols = t.key.columns.join(',');
  return t.key.kind === 'primary' ? cols : `${cols} (unique)`;
}

/** The legend printed under the table list. */
export const INSPECT_LEGEND = '◦ soft-delete column · [FK] declared foreign key · [implied] from the CRM';
