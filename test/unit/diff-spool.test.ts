import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiffRow } from '../../src/diff/model.js';
import { Spool } from '../../src/diff/spool.js';

describe('diff spool', () => {
  let own: string;
  let saved: string | undefined;
  beforeEach(() => {
    own = mkdtempSync(join(tmpdir(), 'spool-unit-'));
    saved = process.env.TMPDIR;
    process.env.TMPDIR = own;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(own, { recursive: true, force: true });
  });

  const row = (cls: DiffRow['class'], id: number, extra: Record<string, unknown> = {}): DiffRow => ({
    class: cls,
    key: { id },
    before: { v: `row ${id}`, ...extra },
  });

  it('gives rows back class by class in write order, exactly, and removes its private folder', async () => {
    const spool = new Spool(['deleted', 'changed', 'added']);
    const big = 'x'.repeat(3 << 20); // one record larger than the read and flush buffers
    const written = [
      row('added', 1),
      row('changed', 2, { n: -0, f: Number.NaN, doc: { a: [1, null, 'é'] } }),
      row('deleted', 3, { big }),
      row('soft-deleted', 4),
      row('changed', 5),
      row('deleted', 6),
    ];
    for (const r of written) spool.write(r);
    for (let i = 0; i < 20_000; i++) spool.write(row('added', 100 + i));
    spool.finish();
    const [dir] = readdirSync(own);
    expect(statSync(join(own, dir)).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(join(own, dir))) expect(statSync(join(own, dir, f)).mode & 0o777).toBe(0o600);
    const back: DiffRow[] = [];
    for await (const r of spool.read()) back.push(r);
    expect(back.slice(0, 5)).toEqual([written[2], written[5], written[1], written[4], written[0]]);
    expect(Object.is(back[2].before?.n, -0)).toBe(true);
    expect(Number.isNaN(back[2].before?.f)).toBe(true);
    expect(back.length).toBe(5 + 20_000);
    expect(back.at(-1)).toEqual(row('added', 20_099));
    expect(readdirSync(own)).toEqual([]);
  });

  it('creates nothing when no row is kept, and remove() is idempotent', async () => {
    const spool = new Spool(['deleted']);
    spool.write(row('added', 1));
    spool.finish();
    expect(readdirSync(own)).toEqual([]);
    const rows: DiffRow[] = [];
    for await (const r of spool.read()) rows.push(r);
    expect(rows).toEqual([]);
    const other = new Spool(['deleted']);
    other.write(row('deleted', 1));
    expect(readdirSync(own)).toHaveLength(1);
    other.remove();
    other.remove();
    expect(readdirSync(own)).toEqual([]);
  });
});
