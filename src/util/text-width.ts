import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';

/**
 * Text measured, cut and padded in terminal cells, not characters: a CJK character or an emoji
 * takes two cells, a combining accent none. Every column the console or the CLI lines up goes
 * through here, so names like '联系人' or '👩‍💻' keep the columns straight.
 */

/** How many terminal cells `text` takes (ANSI escapes count for nothing). */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

/**
 * Cuts `text` to at most `width` cells, marking the cut with `…`: at the end (default), or at the
 * start to keep the tail in view (a text input's caret end).
 */
export function truncateCells(text: string, width: number, cut: 'end' | 'start' = 'end'): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  // cli-truncate may overshoot by one cell when the cut falls on a wide character: cut shorter.
  for (let w = width; w > 0; w--) {
    const shortened = cliTruncate(text, w, { position: cut });
    if (stringWidth(shortened) <= width) return shortened;
  }
  return '';
}

/** Pads (or cuts) `text` to exactly `width` cells, left-aligned unless told otherwise. */
export function padCells(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncateCells(text, width);
  const fill = ' '.repeat(Math.max(0, width - stringWidth(cut)));
  return align === 'left' ? cut + fill : fill + cut;
}
