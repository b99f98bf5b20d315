import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingNamespace } from '../../src/dialect/namespaces.js';
import { tableChecksum } from '../helpers/checksum.js';
import { backupId, makeSandbox, ndjson } from '../helpers/flow.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14: MariaDB system-versioned tables (`WITH SYSTEM VERSIONING`) go through backup, stage,
 * diff, merge and undo. Staging holds a plain table of the rows the backup has (the current ones),
 * row start and end included as values; merge writes live rows; history rows are never touched.
 */
describe('mysql system-versioned tables: backup, stage, diff, merge, undo', () => {
  const sb = makeSandbox('sysver');
  let db: TempDb;
  let id: string;

  /** History rows (no longer current) of a table with their row start and end, as the server keeps them. */
  const history = () =>
    db.query(
      `SELECT id, name, note, CAST(ROW_START AS CHAR) AS rs, CAST(ROW_END AS CHAR) AS re FROM contacts FOR SYSTEM_TIME ALL WHERE ROW_END < TIMESTAMP'2038-01-19 03:14:07.999999'`,
    );
  const explicitHistory = () =>
    db.query(`SELECT id, name, CAST(rs AS CHAR) AS rs, CAST(re AS CHAR) AS re FROM ex FOR SYSTEM_TIME ALL WHERE re < TIMESTAMP'2038-01-19 03:14:07.999999'`);
  /** Every history row of `before` is still there, unchanged (merge and undo add their own). */
  const keeps = (after: unknown[], before: unknown[]) => {
    expect(before.length).toBeGreaterThan(0);
    expect(after).toEqual(expect.arrayContaining(before));
  };
  const mergeIdOf = (stdout: string) => String(ndjson(stdout).find((l) => l.type === 'result')?.mergeId);

  beforeAll(async () => {
    db = await createTempDb('mysql', 'sysver');
    await db.exec(`
      CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40), note text) WITH SYSTEM VERSIONING;
      INSERT INTO contacts VALUES (1, 'Ada', NULL), (2, 'Grace', 'x'), (3, 'Ünïcode 😀', '');
      UPDATE contacts SET note = 'y' WHERE id = 2;
      CREATE TABLE ex (id int PRIMARY KEY, name varchar(40),
        rs timestamp(6) GENERATED ALWAYS AS ROW START, re timestamp(6) GENERATED ALWAYS AS ROW END,
        PERIOD FOR SYSTEM_TIME (rs, re)) WITH SYSTEM VERSIONING;
      INSERT INTO ex (id, name) VALUES (1, 'x'), (2, 'y'), (3, 'z');`);
    id = await backupId(sb.run, db.url);
  });
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('#14 implicit versioning: diff and merge find the table, merge brings deleted and changed rows back, undo reverses it, history stays', async () => {
    const whole = await tableChecksum(db, 'contacts');
    await db.exec(`DELETE FROM contacts WHERE id = 1; UPDATE contacts SET name = 'changed' WHERE id = 3`);
    const historyBefore = await history();
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'contacts', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    const lines = ndjson(d.stdout);
    expect(lines[0]).toMatchObject({ counts: { deleted: 1, changed: 1, added: 0, unchanged: 1 } });
    expect(lines.find((l) => l.class === 'changed')).toMatchObject({ key: { id: 3 }, changedColumns: ['name'] });

    const m = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'contacts', '--deleted', '--changed', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(await tableChecksum(db, 'contacts')).toBe(whole);
    // Merge wrote live rows; the history rows it found are all still there (the update added one).
    const historyAfter = await history();
    keeps(historyAfter, historyBefore);

    const u = await sb.run(['undo', mergeIdOf(m.stdout), '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await db.query('SELECT id, name FROM contacts ORDER BY id')).toEqual([
      { id: 2, name: 'Grace' },
      { id: 3, name: 'changed' },
    ]);
    keeps(await history(), historyAfter);
  });

  it("#14 explicit row start/end: the staged copy keeps the backup's values exactly; diff keys on the id; merge and undo work", async () => {
    const [row1] = await db.query<{ rs: string }>(`SELECT CAST(rs AS CHAR) AS rs FROM ex WHERE id = 1`);
    const s = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'ex', '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).tables[0]).toMatchObject({ name: 'ex', rows: 3 });
    // Row start as the backup holds it, not the time of staging (a versioned staged copy rewrote it).
    const ns = stagingNamespace(db.name, id);
    expect(await db.query(`SELECT CAST(rs AS CHAR) AS rs FROM \`${ns}\`.ex WHERE id = 1`)).toEqual([row1]);
    expect(await db.query(`SELECT TABLE_TYPE AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'ex'`, [ns])).toEqual([
      { t: 'BASE TABLE' },
    ]);

    await db.exec(`DELETE FROM ex WHERE id = 2`);
    const historyBefore = await explicitHistory();
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'ex', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    const lines = ndjson(d.stdout);
    expect(lines[0]).toMatchObject({ key: ['id'], counts: { deleted: 1, changed: 0, added: 0, unchanged: 2 } });
    const m = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'ex', '--deleted', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(await db.query(`SELECT id, name FROM ex ORDER BY id`)).toEqual([
      { id: 1, name: 'x' },
      { id: 2, name: 'y' },
      { id: 3, name: 'z' },
    ]);
    keeps(await explicitHistory(), historyBefore);
    // Live's own row start (the merge's time) is no difference to bring back.
    const again = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'ex', '--format', 'ndjson']);
    expect(ndjson(again.stdout)[0]).toMatchObject({ counts: { deleted: 0, changed: 0, added: 0, unchanged: 3 } });
    const u = await sb.run(['undo', mergeIdOf(m.stdout), '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await db.query(`SELECT id FROM ex ORDER BY id`)).toEqual([{ id: 1 }, { id: 3 }]);
    keeps(await explicitHistory(), historyBefore);
  });
});
