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

/** The times an axis line names: the range's start, the start of its middle bucket, its end, and the bucket size. */
export interface AxisLabels {
  start: string;
  /** The middle bucket's start, centred under column `middleAt`. */
  middle: string;
  middleAt: number;
  end: string;
  /** What one bar (column) is: `1 bar = 1 hour`. */
  note: string;
}

/**
 * The line under the chart, `width` cells: the start time under the first column, the end time
 * ending under the last, the middle one centred under its column, and the bucket size in the
 * widest gap left. What does not fit with two spaces around it is left out (the middle and the
 * note first; the start and end always show, cut if the width is tiny).
 */
export function axisRow(width: number, labels: AxisLabels): string {
  const cells: string[] = Array.from({ length: width }, () => ' ');
  const taken: boolean[] = Array.from({ length: width }, () => false);
  const place = (text: string, at: number, margin: number): boolean => {
    const chars = [...text];
    if (at < 0 || at + chars.length > width) return false;
    for (let i = Math.max(0, at - margin); i < Math.min(width, at + chars.length + margin); i++) if (taken[i]) return false;
    chars.forEach((c, i) => {
      cells[at + i] = c;
      taken[at + i] = true;
    });
    return true;
  };
  const startWidth = [...labels.start].length;
  const endWidth = [...labels.end].length;
  place(labels.start.slice(0, width), 0, 0);
  if (!place(labels.end, width - endWidth, 2) && startWidth < width) place(labels.end.slice(0, Math.max(0, width - startWidth - 2)), startWidth + 2, 0);
  place(labels.middle, labels.middleAt - Math.floor([...labels.middle].length / 2), 2);
  // The note goes in the widest free run, centred there.
  let best = { at: 0, length: 0 };
  for (let i = 0; i < width;) {
    if (taken[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < width && !taken[j]) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const noteWidth = [...labels.note].length;
  if (best.length >= noteWidth + 4) place(labels.note, best.at + Math.floor((best.length - noteWidth) / 2), 2);
  return cells.join('');
}
