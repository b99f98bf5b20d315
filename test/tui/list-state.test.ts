import { describe, expect, it } from 'vitest';
import { fitWindow, moveCursor } from '../../src/tui/components/list-state.js';
import { arraySource, keysetSource } from '../../src/tui/components/list-source.js';

describe('list window', () => {
  const w = { count: 100, cursor: 0, offset: 0, height: 10 };
  it('moves the window with the cursor', () => {
    expect(moveCursor(w, 'down')).toMatchObject({ cursor: 1, offset: 0 });
    expect(moveCursor({ ...w, cursor: 9 }, 'down')).toMatchObject({ cursor: 10, offset: 1 });
    expect(moveCursor(w, 'up')).toMatchObject({ cursor: 0, offset: 0 });
  });
  it('pages, and jumps to the ends', () => {
    expect(moveCursor(w, 'pageDown')).toMatchObject({ cursor: 9, offset: 9 });
    expect(moveCursor(w, 'last')).toMatchObject({ cursor: 99, offset: 90 });
    expect(moveCursor({ ...w, cursor: 99, offset: 90 }, 'first')).toMatchObject({ cursor: 0, offset: 0 });
  });
  it('clamps to the list when it shrinks (a filter)', () => {
    expect(fitWindow({ count: 3, cursor: 50, offset: 45, height: 10 })).toEqual({ count: 3, cursor: 2, offset: 0, height: 10 });
    expect(fitWindow({ count: 0, cursor: 5, offset: 5, height: 10 })).toEqual({ count: 0, cursor: 0, offset: 0, height: 10 });
  });
});

describe('list sources', () => {
  it('an array source filters in memory, case-insensitively', () => {
    const s = arraySource(['Accounts', 'contacts', 'notes'], (r) => r);
    expect(s.count('')).toBe(3);
    expect(s.count('ACC')).toBe(1);
    expect(s.page(0, 10, 'o')).toEqual(['Accounts', 'contacts', 'notes']);
    expect(s.page(1, 1, 'o')).toEqual(['contacts']);
  });

  it('a keyset source reads by key and remembers one key per block', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => i * 2);
    const calls: (number | null)[] = [];
    const s = keysetSource<number, number>(
      {
        count: async () => rows.length,
        after: async (after, limit) => {
          calls.push(after);
          return rows.filter((r) => after === null || r > after).slice(0, limit);
        },
        keyOf: (r) => r,
      },
      100,
    );
    expect(await s.page(250, 5, '')).toEqual([500, 502, 504, 506, 508]);
    expect(calls).toEqual([null, 198, 398]);
    calls.length = 0;
    expect(await s.page(195, 10, '')).toEqual([390, 392, 394, 396, 398, 400, 402, 404, 406, 408]);
    // Block 2 was the last one read: it is kept (with one other), so only block 1 is read again.
    expect(calls).toEqual([198]);
    expect(s.remote).toBe(true);
  });

  it('a keyset source that can skip jumps far in one read, then walks from the key it learnt', async () => {
    const calls: { after: number | null; skip: number }[] = [];
    const s = keysetSource<number, number>(
      {
        count: async () => 1_000_000,
        after: async (after, limit, _filter, skip = 0) => {
          calls.push({ after, skip });
          const from = (after ?? -1) + 1 + skip;
          return Array.from({ length: Math.max(0, Math.min(limit, 1_000_000 - from)) }, (_, i) => from + i);
        },
        keyOf: (r) => r,
        canSkip: true,
      },
      256,
    );
    expect(await s.page(999_990, 10, '')).toEqual(Array.from({ length: 10 }, (_, i) => 999_990 + i));
    expect(calls).toEqual([{ after: null, skip: Math.floor(999_990 / 256) * 256 }]);
    calls.length = 0;
    expect(await s.page(500_000, 3, '')).toEqual([500_000, 500_001, 500_002]);
    expect(calls).toEqual([{ after: null, skip: 1953 * 256 }]);
    calls.length = 0;
    // The next block starts after the key learnt: an ordinary keyset read, no skip.
    expect(await s.page(500_300, 2, '')).toEqual([500_300, 500_301]);
    expect(calls).toEqual([{ after: 1954 * 256 - 1, skip: 0 }]);
  });
});
