import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';

/**
 * Text measured, cut and padded in terminal cells, not characters: a CJK character or an emoji
 * takes two cells, a combining accent none. Every column the console or the CLI lines up goes
 * through here, so names like '联系人' or '👩‍💻' keep the columns straight.
 */

/**
 * Characters string-width counts as one cell each, so a text of only these is as wide as it is
 * long: printable ASCII, Latin, the punctuation, arrows, box drawing and shapes the console draws
 * (…, →, ▸, │). Left out: the soft hyphen, the bidi controls (U+202A–202E) and ◽◾ (emoji, two
 * cells), each checked against string-width. Keys, dates and counts almost always are.
 */
const PLAIN = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2029\u202f-\u205e\u2190-\u21ff\u2500-\u25fc\u25ff]*$/;

/**
 * How many terminal cells `text` takes (ANSI escapes count for nothing). Printable ASCII is
 * counted by its length: string-width's grapheme segmentation was a third of the console's CPU
 * per keystroke in a long list (bench console: padding every cell of every visible row).
 */
export function cellWidth(text: string): number {
  return PLAIN.test(text) ? text.length : stringWidth(text);
}

/**
 * Cuts `text` to at most `width` cells, marking the cut with `…`: at the end (default), or at the
 * start to keep the tail in view (a text input's caret end).
 */
export function truncateCells(text: string, width: number, cut: 'end' | 'start' = 'end'): string {
  if (width <= 0) return '';
  if (cellWidth(text) <= width) return text;
  if (PLAIN.test(text)) return cut === 'end' ? `${text.slice(0, width - 1)}…` : `…${text.slice(text.length - width + 1)}`;
  // cli-truncate may overshoot by one cell when the cut falls on a wide character: cut shorter.
  for (let w = width; w > 0; w--) {
    const shortened = cliTruncate(text, w, { position: cut });
    if (cellWidth(shortened) <= width) return shortened;
  }
  return '';
}

/** Pads (or cuts) `text` to exactly `width` cells, left-aligned unless told otherwise. */
export function padCells(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncateCells(text, width);
  const fill = ' '.repeat(Math.max(0, width - cellWidth(cut)));
  return align === 'left' ? cut + fill : fill + cut;
}

/**
 * Breaks `text` into lines of at most `width` cells: at spaces when a word fits, inside a word
 * (at a character boundary, never through a wide character or an emoji) when it does not. An
 * empty text is one empty line; newlines in the text start new lines.
 */
export function wrapCells(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    const push = () => {
      out.push(line.trimEnd());
      line = '';
      lineWidth = 0;
    };
    for (const word of paragraph.split(/(?<= )/)) {
      const w = cellWidth(word);
      const visible = cellWidth(word.trimEnd());
      if (lineWidth > 0 && lineWidth + visible > room) push();
      if (w <= room - lineWidth || visible <= room - lineWidth) {
        line += word;
        lineWidth += w;
        continue;
      }
      // Longer than a line: cut it by characters.
      for (const { segment } of graphemes.segment(word)) {
        const cw = cellWidth(segment);
        if (lineWidth + cw > room && lineWidth > 0) push();
        line += segment;
        lineWidth += cw;
      }
    }
    push();
  }
  return out;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
