import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { formatDiffRow } from '../../src/diff/format.js';
import { pad, truncate } from '../../src/util/format.js';
import { cellWidth, padCells, truncateCells } from '../../src/util/text-width.js';

const NAMES = ['contacts', '联系人', 'Контакты', '👩‍💻', '👩‍💻 команда 联系人', 'café', 'cafe\u0301'];

describe('text width in terminal cells', () => {
  it('counts wide characters and emoji as two cells, combining marks as none', () => {
    expect(cellWidth('contacts')).toBe(8);
    expect(cellWidth('联系人')).toBe(6);
    expect(cellWidth('Контакты')).toBe(8);
    expect(cellWidth('👩‍💻')).toBe(2);
    expect(cellWidth('cafe\u0301')).toBe(4);
  });

  it('pads every name to exactly N cells, for every N', () => {
    for (const name of NAMES)
      for (let n = 0; n <= 24; n++) {
        expect(cellWidth(padCells(name, n)), `${name} → ${n}`).toBe(n);
        expect(cellWidth(padCells(name, n, 'right')), `${name} → ${n}, right`).toBe(n);
      }
  });

  it('keeps what fits and marks a cut with …', () => {
    expect(padCells('联系人', 8)).toBe('联系人  ');
    expect(padCells('联系人', 8, 'right')).toBe('  联系人');
    expect(truncateCells('联系人', 6)).toBe('联系人');
    expect(truncateCells('Контакты', 5)).toBe('Конт…');
    expect(truncateCells('👩‍💻👩‍💻x', 3)).toBe('👩‍💻…');
    expect(truncateCells('contacts', 0)).toBe('');
  });

  it('never leaves a cut wide character wider than the room', () => {
    for (const name of NAMES) for (let n = 0; n <= 24; n++) expect(cellWidth(truncateCells(name, n))).toBeLessThanOrEqual(n);
    expect(truncateCells('联系人', 4)).toBe('联…');
    expect(padCells('联系人', 4)).toBe('联… ');
  });

  it('is what the CLI and console formatters use', () => {
    expect(pad('联系人', 10)).toBe(padCells('联系人', 10));
    expect(truncate('👩‍💻 команда', 5)).toBe(truncateCells('👩‍💻 команда', 5));
  });

  it('keeps the CLI diff table aligned with CJK, Cyrillic and emoji keys', () => {
    const lines = ['联系人', 'Контакты', '👩‍💻', 'contacts'].map((k) =>
      formatDiffRow({ class: 'deleted', key: { id: k }, before: { id: k, name: '联系人 Иван 👩‍💻' } }, 80),
    );
    // The detail column starts at the same terminal cell on every line.
    const detailAt = lines.map((l) => cellWidth(l.slice(0, l.indexOf('id='))));
    expect(new Set(detailAt).size).toBe(1);
    for (const l of lines) expect(cellWidth(l)).toBeLessThanOrEqual(80);
  });
});

describe('cellWidth fast path', () => {
  it('agrees with string-width for every character below U+3000, alone and among ASCII', () => {
    const differ: string[] = [];
    for (let c = 0x20; c < 0x3000; c++) {
      for (const t of [String.fromCodePoint(c), `a${String.fromCodePoint(c)}b`]) if (cellWidth(t) !== stringWidth(t)) differ.push(c.toString(16));
    }
    expect(differ).toEqual([]);
    // And the texts a list draws: a key, a marker, an arrow, a cut.
    for (const t of ['0001f2ff-fa3b-423d-94de…', '▸ [ ] contacts', 'account_id=9ab9 → 12', 'façade', '联系人', '👩‍💻 x'])
      expect(cellWidth(t)).toBe(stringWidth(t));
  });
});
