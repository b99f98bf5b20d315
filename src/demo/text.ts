/** Value makers for the demo rows: sentences, long text, phone numbers, decimals, dates. */
import type { Rng } from './prng.js';
import { WORDS } from './vocabulary.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** `min`–`max` words, first letter capitalised, ending with a full stop. */
export function sentence(r: Rng, min: number, max: number): string {
  const n = r.range(min, max);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(r.pick(WORDS));
  const s = words.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/** A few kilobytes of paragraphs (multi-line), for the rows that carry long text. */
export function longText(r: Rng, minChars: number, maxChars: number): string {
  const target = r.range(minChars, maxChars);
  const paragraphs: string[] = [];
  let length = 0;
  while (length < target) {
    const lines: string[] = [];
    for (let i = r.range(2, 6); i > 0; i--) lines.push(sentence(r, 6, 18));
    const p = lines.join(' ');
    paragraphs.push(p);
    length += p.length + 2;
  }
  return paragraphs.join('\n\n');
}

/** The usual description column: NULL, empty, a sentence or (rarely) long text. */
export function description(r: Rng, longShare: number): string | null {
  const x = r.float();
  if (x < 0.35) return null;
  if (x < 0.4) return '';
  if (x < 0.4 + longShare) return longText(r, 1_500, 6_000);
  return sentence(r, 4, 30);
}

/** A work phone number in one of a few national formats. */
export function phone(r: Rng): string {
  const d = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(r.int(10));
    return s;
  };
  switch (r.int(4)) {
    case 0:
      return `+49 30 ${d(7)}`;
    case 1:
      return `+33 1 ${d(2)} ${d(2)} ${d(2)} ${d(2)}`;
    case 2:
      return `(${d(3)}) ${d(3)}-${d(4)}`;
    default:
      return `+47 ${d(8)}`;
  }
}

/** A decimal(14,2) literal below `maxWhole`. */
export function decimal(r: Rng, maxWhole: number): string {
  return `${r.int(maxWhole)}.${String(r.int(100)).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` of an epoch-millisecond instant (UTC). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const slugs = new Map<string, string>();

/** Lower-case ASCII for e-mail local parts: accents stripped, other scripts dropped. */
export function asciiSlug(text: string): string {
  let slug = slugs.get(text);
  if (slug === undefined) {
    slug = toAscii(text);
    if (slugs.size < 10_000) slugs.set(text, slug);
  }
  return slug;
}

function toAscii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[æÆ]/g, 'ae')
    .replace(/[łŁ]/g, 'l')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}
