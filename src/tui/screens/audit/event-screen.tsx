import { Box } from 'ink';
import { useMemo } from 'react';
import { ScrolledLines, useScroll, type ScrolledLine } from '../../components/scrolled-lines.js';
import { wrapRow } from '../../components/wrapped-rows.js';
import type { AuditEvent } from '../../services.js';
import { useLayout } from '../../use-layout.js';
import { wrapCells } from '../../../util/text-width.js';
import { useScreenInput, type ScreenProps } from '../screen.js';
import { keyText } from './audit-columns.js';

/** Width of the facts' names (`Time`, `Actor`, …) and of the row image's column names. */
const FACT_WIDTH = 9;
const COLUMN_WIDTH = 24;

/**
 * The event screen's lines at `width` cells: the facts (when, what, who, how), then the deleted
 * row as it was when the source kept it. Every value wraps, nothing is cut: a long email or
 * description is read to its end.
 */
export function eventLines(e: AuditEvent, width: number): ScrolledLine[] {
  const facts: [string, string][] = [
    ['Time', `${e.time.replace('T', ' ').replace('Z', '')} UTC`],
    ['Table', e.schema ? `${e.schema}.${e.table}` : e.table],
    ['Key', keyText(e.key)],
    ['Actor', e.actorName && e.actor && e.actorName !== e.actor ? `${e.actorName} (${e.actor})` : (e.actorName ?? e.actor ?? 'not recorded by the source')],
    ['Kind', e.kind === 'hard' ? 'hard delete: the row was removed' : 'soft delete: the row is still there, marked deleted'],
    ['Source', e.source],
    ['Details', e.details === null || e.details === undefined ? '' : typeof e.details === 'string' ? e.details : JSON.stringify(e.details)],
  ];
  const factWidths = [FACT_WIDTH, Math.max(10, width - FACT_WIDTH - 1)];
  const imageWidths = [COLUMN_WIDTH, Math.max(10, width - 2 - COLUMN_WIDTH - 1)];
  const lines: ScrolledLine[] = facts.flatMap(([k, v]) => wrapRow([k, v], factWidths).map((text) => ({ text, dim: k === 'Details' })));
  lines.push({ text: '' });
  if (!e.image) {
    const why = `${e.source} does not keep deleted rows. A backup taken before ${e.time.slice(0, 10)} has this one: the Diff (or the wizard) shows it.`;
    return [...lines, ...wrapCells(why, width).map((text) => ({ text }))];
  }
  lines.push({ text: 'The row as it was', bold: true });
  lines.push(...wrapRow(['COLUMN', 'VALUE (as it was)'], imageWidths).map((text) => ({ text: `  ${text}`, bold: true })));
  for (const [column, v] of Object.entries(e.image)) lines.push(...wrapRow([column, show(v)], imageWidths).map((text) => ({ text: `  ${text}` })));
  return lines;
}

/** One deletion event: when, what, who, how; then the deleted row as it was, when the source kept it. Scrolls when taller than the screen. */
export function EventScreen({ params }: ScreenProps<'event'>) {
  const layout = useLayout();
  const w = layout.columns;
  const lines = useMemo(() => eventLines(params.event, w), [params.event, w]);
  // Everything but the position line.
  const room = Math.max(1, layout.bodyHeight - 1);
  const scroll = useScroll(room, lines.length);
  useScreenInput((command) => scroll.handle(command));
  return (
    <Box flexDirection="column" width={w}>
      <ScrolledLines lines={lines} top={scroll.top} room={room} width={w} />
    </Box>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v).replace(/\s+/g, ' ');
}
