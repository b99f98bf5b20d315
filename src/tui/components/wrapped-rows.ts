import { padCells, wrapCells } from '../../util/text-width.js';

/**
 * One row of a table whose cells wrap instead of being cut: each cell is broken to its column's
 * width (in terminal cells) and the row is as tall as its tallest cell. Long values (an email,
 * a description) stay readable to the last character at any width.
 */
export function wrapRow(cells: readonly string[], widths: readonly number[], gap = ' '): string[] {
  const wrapped = cells.map((c, i) => wrapCells(c, widths[i]));
  const height = Math.max(1, ...wrapped.map((w) => w.length));
  const lines: string[] = [];
  for (let l = 0; l < height; l++) {
    lines.push(
      wrapped
        .map((w, i) => padCells(w[l] ?? '', widths[i]))
        .join(gap)
        .trimEnd(),
    );
  }
  return lines;
}
