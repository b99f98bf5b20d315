import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { backupId, makeSandbox, ndjson } from '../helpers/flow.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14, item 6: values a type's own equality calls equal but that are not the same value
 * ('1 day' = '24 hours', citext 'a' = 'A', a nondeterministic collation, [1.5,2) = [1.50,2.0)).
 * Diff must class them as changed, merge --changed must bring the exact backup value back, and
 * merge's verify must not call a different value a match.
 */

interface DiffRowOut {
  type: string;
  class?: string;
  key?: { id: number };
  changedColumns?: string[];
}

interface MergeResultOut {
  type: string;
  verify?: { checked: number; mismatched: number } | null;
}

describe('postgres: diff, merge and verify compare the exact value, not the type equality', () => {
  const sb = makeSandbox('exact-pg');
  let db: TempDb;
  let id: string;
  let before: string;
  const url = () => db.url;

  beforeAll(async () => {
    db = await createTempDb('postgres', 'exactpg');
    await db.exec(`
      CREATE EXTENSION IF NOT EXISTS citext;
      CREATE COLLATION ci_icu (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      CREATE DOMAIN email AS citext;
      CREATE TYPE pair AS (c citext, n numeric);
      CREATE TABLE t (id int PRIMARY KEY, iv interval, em email, nd text COLLATE ci_icu, nr numrange, cp pair, num numeric, note varchar(20));
      INSERT INTO t SELECT g, '1 day', 'a@x.org', 'abc', '[1.5,2)', '(abc,1.5)', 1.5, 'same' FROM generate_series(1, 9) g;
      UPDATE t SET iv = '1 mon' WHERE id = 2;
      -- A live trigger that rewrites what is written into an equal but different value.
      CREATE TABLE tr (id int PRIMARY KEY, iv interval, em email);
      INSERT INTO tr VALUES (1, '24 hours', 'a@x.org'), (2, '1 day', 'b@x.org');
    `);
    before = await tableChecksum(db, 't');
    id = await backupId(sb.run, url());
    await db.exec(`
      UPDATE t SET iv = '24 hours' WHERE id = 1;
      UPDATE t SET iv = '30 days' WHERE id = 2;
      UPDATE t SET em = 'A@X.org' WHERE id = 3;
      UPDATE t SET nd = 'ABC' WHERE id = 4;
      UPDATE t SET nr = '[1.50,2.0)' WHERE id = 5;
      UPDATE t SET cp = '(ABC,1.5)' WHERE id = 6;
      UPDATE t SET cp = '(abc,1.50)' WHERE id = 7;
      UPDATE t SET num = 1.50 WHERE id = 8;
      UPDATE tr SET iv = '5 days', em = 'c@x.org' WHERE id = 1;
      CREATE FUNCTION rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.iv := justify_hours(NEW.iv); NEW.em := upper(NEW.em::text); RETURN NEW; END $$;
      CREATE TRIGGER rewrite BEFORE UPDATE ON tr FOR EACH ROW EXECUTE FUNCTION rewrite();
    `);
    expect(await tableChecksum(db, 't')).not.toBe(before);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('diff classes interval, citext domain, nondeterministic collation, numrange and composite values as changed, column by column', async () => {
    const r = await sb.run(['diff', '--url', url(), '--backup', id, '--table', 't', '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout) as unknown as DiffRowOut[];
    const summary = lines.find((l) => l.type === 'summary') as unknown as { counts: Record<string, number> };
    expect(summary.counts).toEqual({ deleted: 0, softDeleted: 0, changed: 8, added: 0, unchanged: 1 });
    const cols = Object.fromEntries(lines.filter((l) => l.type === 'row').map((l) => [l.key!.id, l.changedColumns]));
    expect(cols).toEqual({ 1: ['iv'], 2: ['iv'], 3: ['em'], 4: ['nd'], 5: ['nr'], 6: ['cp'], 7: ['cp'], 8: ['num'] });
  });

  it('merge --changed writes back the exact backup values and verify checks them exactly', async () => {
    const m = await sb.run(['merge', '--url', url(), '--backup', id, '--table', 't', '--changed', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as unknown as MergeResultOut;
    expect(result.verify).toEqual({ checked: 8, mismatched: 0 });
    expect(await tableChecksum(db, 't')).toBe(before);
    const again = await sb.run(['diff', '--url', url(), '--backup', id, '--table', 't', '--format', 'ndjson', '--limit', '0']);
    expect((ndjson(again.stdout)[0] as { counts: Record<string, number> }).counts).toEqual({ deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 9 });
  });

  it('verify does not call a value a live trigger rewrote into an equal but different one a match', async () => {
    // The trigger turns '24 hours' into '1 day' and 'a@x.org' into 'A@X.ORG': equal for interval and citext.
    const m = await sb.run(['merge', '--url', url(), '--backup', id, '--table', 'tr', '--changed', '--apply', '--yes', '--json']);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as unknown as MergeResultOut | undefined;
    const caught = m.code !== 0 || (result?.verify?.mismatched ?? 0) > 0;
    expect(caught, `exit ${m.code}\n${m.stdout}\n${m.stderr}`).toBe(true);
    expect(m.stdout + m.stderr).not.toMatch(/all match/);
  });
});

describe('mysql: diff compares strings by their bytes whatever the collation', () => {
  const sb = makeSandbox('exact-my');
  let db: TempDb;
  let id: string;

  beforeAll(async () => {
    db = await createTempDb('mysql', 'exactmy');
    await db.exec(`
      CREATE TABLE t (id int PRIMARY KEY, ci varchar(20), pad varchar(20) COLLATE utf8mb4_general_ci, js json, dbl double, tx text)
        CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      INSERT INTO t SELECT seq, 'abc', 'a', '{"a":1}', 0.1e0 + 0.2e0, 'abc' FROM seq_1_to_6;
    `);
    id = await backupId(sb.run, db.url);
    await db.exec(`
      UPDATE t SET ci = 'ABC' WHERE id = 1;
      UPDATE t SET pad = 'a ' WHERE id = 2;
      UPDATE t SET js = '{"a": 1}' WHERE id = 3;
      UPDATE t SET dbl = 0.3e0 WHERE id = 4;
      UPDATE t SET tx = 'abc ' WHERE id = 5;
    `);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('classes letter case, PAD SPACE trailing spaces, JSON spacing and the last digit of a double as changed', async () => {
    const r = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 't', '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout) as unknown as DiffRowOut[];
    const cols = Object.fromEntries(lines.filter((l) => l.type === 'row').map((l) => [l.key!.id, l.changedColumns]));
    expect(cols).toEqual({ 1: ['ci'], 2: ['pad'], 3: ['js'], 4: ['dbl'], 5: ['tx'] });
  });
});
