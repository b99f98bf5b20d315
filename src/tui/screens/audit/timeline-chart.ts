/** Eighth blocks, lowest first: a bar's top cell shows how far into the cell it reaches. */
export const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * Draws counts as vertical bars `height` cells tall, one column per count, with eighth blocks:
 * returns `height` strings, top row first. Bars are scaled to the largest count; any non-zero
 * count shows at least one eighth, so a single deletion is never invisible.
 */
export function chartRows(counts: readonly number[], height: number): string[] {
  const max = Math.max(0, ...counts);
  const levels = counts.map((n) => (n <= 0 || max === 0 ? 0 : Math.max(1, Math.round((n / max) * height * 8))));
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    const floor = (height - 1 - r) * 8;
    rows.push(levels.map((l) => cell(l - floor)).join(''));
  }
  return rows;
}

function cell(eighths: number): string {
  if (eighths <= 0) return ' ';
  return BLOCKS[Math.min(8, eighths) - 1];
}

/** The line under the chart: a baseline with `▲` under the cursor and `┴` along a selected range. */
export function markerRow(width: number, cursor: number, range: { from: number; to: number } | null): string {
  const cells: string[] = [];
  for (let i = 0; i < width; i++) {
    if (i === cursor) cells.push('▲');
    else if (range && i >= range.from && i <= range.to) cells.push('┴');
    else cells.push('─');
  }
  return cells.join('');
}
