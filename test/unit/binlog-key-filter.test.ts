import { describe, expect, it } from 'vitest';
import { KeyFilter } from '../../src/nobackup/binlog/scan.js';

describe('KeyFilter (the first pass over a binary log: which keys may repeat)', () => {
  it('never misses a repeated key, and rules out nearly every key seen once', () => {
    const f = new KeyFilter();
    const n = 1_000_000;
    let maybe = 0;
    for (let i = 0; i < n; i++) if (f.add(`c0ffee${i.toString(16).padStart(8, '0')}-key`)) maybe++;
    // A million distinct keys: false positives cost one map entry each; expected ~1 in 10,000.
    expect(maybe).toBeLessThan(n / 2_000);
    for (let i = 0; i < n; i += 997) expect(f.add(`c0ffee${i.toString(16).padStart(8, '0')}-key`)).toBe(true);
  });

  it('tells keys apart by every character (bytes kept as latin1 text)', () => {
    const f = new KeyFilter();
    expect(f.add('\u0000\u00ff')).toBe(false);
    expect(f.add('\u00ff\u0000')).toBe(false);
    expect(f.add('\u0000\u00ff')).toBe(true);
  });
});
