import { describe, expect, it } from 'vitest';
import { filterOfValues, keyFilterOf, matcherFor } from '../../src/stage/key-filter.js';
import { CopyEndCut, CopyLineFilter, copyFieldValue } from '../../src/stage/pg-stage.js';

/** Issue #19: what a reader keeps for targeted staging. It may keep more (the database narrows exactly), never less. */
describe('key filter', () => {
  it('keeps every spelling the database may call equal: case, trailing spaces, accents, zeros of a number', () => {
    const m = matcherFor(keyFilterOf(['id'], [{ id: 'ABC' }, { id: 12 }, { id: 'Élan' }, { id: '1.50' }])!);
    for (const v of ['ABC', 'abc', 'abc  ', '12', '012', '+12', 'elan', 'ÉLAN', '1.5', '01.500']) expect(m([v]), v).toBe(true);
    for (const v of ['abd', '13', '1.51', 'élans', '']) expect(m([v]), v).toBe(false);
    expect(m([null])).toBe(false);
  });

  it('composite keys match on every column, in the filter order', () => {
    const f = keyFilterOf(
      ['a', 'b'],
      [
        { b: 'x', a: 1 },
        { a: 2, b: 'y' },
      ],
    )!;
    expect(f.columns).toEqual(['a', 'b']);
    const m = matcherFor(f);
    expect(m(['1', 'x'])).toBe(true);
    expect(m(['1', 'y'])).toBe(false);
    expect(m(['2', null])).toBe(false);
  });

  it('a key lacking a column makes no filter; NULL keys and duplicates are left out; the digest does not depend on order', () => {
    expect(keyFilterOf(['a', 'b'], [{ a: 1 }])).toBeNull();
    const f = keyFilterOf(['id'], [{ id: 1 }, { id: '1' }, { id: null }, { id: 2 }])!;
    expect(f.keys.map((k) => String(k[0])).sort()).toEqual(['1', '2']);
    expect(f.countFound).toBe(true);
    expect(filterOfValues(['id'], [[2], [1]]).digest).toBe(filterOfValues(['id'], [['1'], ['2']]).digest);
    expect(filterOfValues(['id'], [[1]]).digest).not.toBe(filterOfValues(['other'], [[1]]).digest);
  });
});

describe('COPY text row filter', () => {
  const rows = [
    'k1\tplain\t\\N\n',
    'k2\ttab\\there, newline\\nthere, back\\\\slash\tx\n',
    'k\\\\3\tescaped key\t\\N\n',
    'k4\t' + 'long '.repeat(2000) + '\t\\N\n',
    '\\.\n',
  ];
  const text = Buffer.from(rows.join(''));
  const run = (keys: string[], chunk: number, keyAt = [[0]]) => {
    const f = new CopyLineFilter(
      keyAt,
      matcherFor(
        filterOfValues(
          ['id'],
          keys.map((k) => [k]),
        ),
      ),
    );
    const out: Buffer[] = [];
    for (let i = 0; i < text.length; i += chunk) {
      const kept = f.push(text.subarray(i, i + chunk));
      if (kept) out.push(kept);
    }
    const rest = f.end();
    if (rest) out.push(rest);
    return Buffer.concat(out).toString();
  };

  it('passes the rows of the keys asked for and the end line, whatever the chunk size', () => {
    for (const chunk of [1, 2, 3, 7, 64, 1 << 16]) {
      expect(run(['k2', 'k\\3', 'k4'], chunk), `chunk ${chunk}`).toBe(rows[1] + rows[2] + rows[3] + rows[4]);
      expect(run([], chunk)).toBe(rows[4]);
    }
  });

  it('matches a key in another column, decoded from COPY escapes', () => {
    const f = new CopyLineFilter([[1]], matcherFor(filterOfValues(['name'], [['tab\there, newline\nthere, back\\slash']])));
    expect(f.push(text)?.toString()).toBe(rows[1] + rows[4]);
  });

  it('decodes COPY text fields', () => {
    expect(copyFieldValue('\\N')).toBeNull();
    expect(copyFieldValue('a\\tb\\nc\\\\d\\101\\x41')).toBe('a\tb\nc\\dAA');
    expect(copyFieldValue('plain')).toBe('plain');
  });
});

describe('COPY end line cut (searched natively inside lines)', () => {
  /** The byte machine the cut replaced: what it must keep doing. */
  const reference = (text: Buffer): Buffer | null => {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === 0x0a) {
        if (state === 2) return text.subarray(0, i + 1);
        state = 0;
      } else if (state === 0) state = c === 0x5c ? 1 : 3;
      else if (state === 1) state = c === 0x2e ? 2 : 3;
      else if (state === 2) state = c === 0x0d ? 2 : 3;
    }
    return null;
  };
  it('cuts exactly where the byte machine did, for any text and any chunking', () => {
    // A deterministic generator: lines of the few bytes that matter.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', '\\', '.', '\n', '\r', '\t', 'x.y'];
    for (let t = 0; t < 3000; t++) {
      const text = Buffer.from(Array.from({ length: 1 + rnd(40) }, () => alphabet[rnd(alphabet.length)]).join(''));
      const want = reference(text);
      const cut = new CopyEndCut();
      const out: Buffer[] = [];
      for (let i = 0; i < text.length && !cut.done;) {
        const size = 1 + rnd(6);
        out.push(cut.push(text.subarray(i, i + size)));
        i += size;
      }
      const got = Buffer.concat(out);
      if (want) {
        expect(cut.done, JSON.stringify(text.toString())).toBe(true);
        expect(got.toString()).toBe(want.toString());
      } else {
        expect(cut.done, JSON.stringify(text.toString())).toBe(false);
        expect(got.toString()).toBe(text.toString());
      }
    }
  });
});
