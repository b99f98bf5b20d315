import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { tableChecksum } from '../helpers/checksum.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { PG_ADMIN_URL, engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #14, merge and undo on a live server that others use: triggers that rewrite restored
 * rows, two merges of the same rows at once, and tables locked by another session.
 */

/** Rows of the journal's merges table, or 0 when it does not exist yet. */
async function journalRows(db: TempDb): Promise<number> {
  const ns = db.engine === 'postgres' ? 'crm_rescue' : `crm_rescue__${db.name}`;
  const exists =
    db.engine === 'postgres'
      ? await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = '${ns}' AND tablename = 'merges'`)
      : await db.query(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${ns}' AND TABLE_NAME = 'merges'`);
  if (!exists.length) return 0;
  const [r] = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${db.engine === 'postgres' ? `"${ns}".merges` : `\`${ns}\`.merges`}`);
  return Number(r.n);
}

/** A second session (a CRM user, an admin) that runs statements and holds what they lock until released. */
async function session(db: TempDb, statements: string[]): Promise<{ id: number; release(): Promise<void> }> {
  if (db.engine === 'postgres') {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: db.url, application_name: 'crm-user' });
    await c.connect();
    for (const s of statements) await c.query(s);
    const [{ id }] = (await c.query<{ id: number }>('SELECT pg_backend_pid() AS id')).rows;
    return { id: Number(id), release: async () => (await c.query('ROLLBACK'), await c.end()) };
  }
  const mysql = (await import('mysql2/promise')).default;
  const c = await mysql.createConnection({ uri: db.url });
  for (const s of statements) await c.query(s);
  const [rows] = await c.query('SELECT CONNECTION_ID() AS id');
  return { id: Number((rows as { id: number }[])[0].id), release: async () => (await c.query('UNLOCK TABLES'), await c.query('ROLLBACK'), await c.end()) };
}

describe.each(engines)('%s merge and undo on a busy live server', (engine: TestEngine) => {
  const sb = makeSandbox(`mls-${engine}`);
  let db: TempDb;
  let id: string;
  const pg = engine === 'postgres';
  const serial = pg ? 'serial' : 'int AUTO_INCREMENT';
  const REL_ROWS = 1000;

  beforeAll(async () => {
    db = await createTempDb(engine, 'mergelive');
    await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name varchar(60) NOT NULL, stamp varchar(40))`);
    await db.exec(`CREATE TABLE audit_log (id ${serial} PRIMARY KEY, contact_id int, note varchar(40))`);
    await db.exec(`CREATE TABLE parked (id int PRIMARY KEY, v varchar(20))`);
    // A relation table without a key, as vtiger has them: merged with --key.
    await db.exec(`CREATE TABLE rel (crmid int NOT NULL, relcrmid int NOT NULL, module varchar(20))`);
    const gen = (n: number) => (pg ? `generate_series(1, ${n}) AS g` : `seq_1_to_${n} AS s`);
    const g = pg ? 'g' : 's.seq';
    await db.exec(`INSERT INTO contacts SELECT ${g}, CONCAT('name ', ${g}), 'orig' FROM ${gen(20)}`);
    await db.exec(`INSERT INTO parked SELECT ${g}, CONCAT('v', ${g}) FROM ${gen(10)}`);
    await db.exec(`INSERT INTO rel SELECT ${g}, ${g} + 1, 'Contacts' FROM ${gen(REL_ROWS)}`);
    id = await backupId(sb.run, db.url);
    await db.exec('DELETE FROM rel');
    for (const t of ['contacts', 'parked', 'rel']) {
      const r = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', t]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('a BEFORE INSERT trigger that rewrites restored rows: dry run and --apply roll back naming the trigger and the columns; live unchanged', async () => {
    const full = await tableChecksum(db, 'contacts');
    await db.exec('DELETE FROM contacts WHERE id > 15');
    if (pg) {
      await db.exec(
        `CREATE FUNCTION normalise() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := upper(NEW.name); NEW.stamp := 'trigger'; INSERT INTO audit_log (contact_id, note) VALUES (NEW.id, 'inserted'); RETURN NEW; END $$`,
      );
      await db.exec('CREATE TRIGGER t_norm BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION normalise()');
    } else {
      await db.exec(
        `CREATE TRIGGER t_norm BEFORE INSERT ON contacts FOR EACH ROW BEGIN SET NEW.name = UPPER(NEW.name); SET NEW.stamp = 'trigger'; INSERT INTO audit_log (contact_id, note) VALUES (NEW.id, 'inserted'); END`,
      );
    }
    const before = { contacts: await tableChecksum(db, 'contacts'), log: await tableChecksum(db, 'audit_log'), journal: await journalRows(db) };
    const merge = (...extra: string[]) => sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'contacts', '--deleted', ...extra]);

    const dry = await merge();
    expectOneLineError(
      dry,
      1,
      /^crm-rescue: dry run rolled back, live data is unchanged: .*5 row\(s\) of \S*contacts differ from the backup in (name, stamp|stamp, name).*t_norm \(BEFORE INSERT\)/,
    );
    expect(dry.stderr).toMatch(pg ? /--without-triggers/ : /MySQL and MariaDB have no way to skip triggers/);
    const applied = await merge('--apply', '--yes');
    expectOneLineError(applied, 1, /^crm-rescue: (dry run|apply) rolled back, live data is unchanged: .*name.*t_norm/);
    expect({ contacts: await tableChecksum(db, 'contacts'), log: await tableChecksum(db, 'audit_log'), journal: await journalRows(db) }).toEqual(before);

    if (!pg) {
      // MariaDB cannot skip a trigger for one session: a clear refusal, nothing written.
      expectOneLineError(
        await merge('--without-triggers', '--apply', '--yes'),
        1,
        /--without-triggers cannot be honoured: MySQL and MariaDB have no way to skip triggers/,
      );
      expect({ contacts: await tableChecksum(db, 'contacts'), log: await tableChecksum(db, 'audit_log'), journal: await journalRows(db) }).toEqual(before);
      await db.exec('DROP TRIGGER t_norm');
      return;
    }
    // PostgreSQL: a user who may not set session_replication_role is refused before anything is written.
    const role = `crt_user_${randomBytes(3).toString('hex')}`;
    await db.exec(`CREATE ROLE ${role} LOGIN`);
    try {
      await db.exec(
        `GRANT ALL ON SCHEMA public, crm_rescue TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public, crm_rescue TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public, crm_rescue TO ${role}`,
      );
      const staging = await db.query<{ n: string }>("SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'crm\\_rescue\\_stage\\_%'");
      for (const { n } of staging) await db.exec(`GRANT ALL ON SCHEMA "${n}" TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA "${n}" TO ${role}`);
      const asRole = `${PG_ADMIN_URL.replace(/\/\/[^@]*@/, `//${role}@`)}/${db.name}`;
      const refused = await sb.run(['merge', '--url', asRole, '--backup', id, '--table', 'contacts', '--deleted', '--without-triggers', '--apply', '--yes']);
      expectOneLineError(refused, 1, new RegExp(`--without-triggers cannot be honoured: user ${role} may not set session_replication_role`));
    } finally {
      await db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
    expect({ contacts: await tableChecksum(db, 'contacts'), log: await tableChecksum(db, 'audit_log'), journal: await journalRows(db) }).toEqual(before);

    // A superuser may skip them: the preview says so, the rows are the backup's exactly, the journal records it.
    const preview = await merge('--without-triggers');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/triggers skipped \(--without-triggers.*contacts t_norm \(BEFORE INSERT\)/);
    const r = await merge('--without-triggers', '--apply', '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as {
      mergeId: string;
      withoutTriggers: boolean;
      verify: { checked: number; mismatched: number };
    };
    expect(result.withoutTriggers).toBe(true);
    expect(result.verify).toEqual({ checked: 5, mismatched: 0 });
    expect(await tableChecksum(db, 'contacts')).toBe(full);
    expect(await tableChecksum(db, 'audit_log')).toBe(before.log);
    const [journal] = await db.query<{ t: string }>('SELECT tables_json AS t FROM crm_rescue.merges WHERE id = $1', [result.mergeId]);
    expect(JSON.parse(journal.t)[0]).toMatchObject({ withoutTriggers: true, triggers: [{ name: 't_norm', fired: false }] });
    // Undo skips them too (the trigger would not fire on DELETE anyway) and puts live back.
    const u = await sb.run(['undo', result.mergeId, '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await tableChecksum(db, 'contacts')).toBe(before.contacts);
    await db.exec('DROP TRIGGER t_norm ON contacts');
  });

  it('a trigger that writes elsewhere: the preview lists it, and undo says what it cannot take back', async () => {
    await db.exec('DELETE FROM audit_log');
    if (pg) {
      await db.exec(
        `CREATE FUNCTION log_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_log (contact_id, note) VALUES (NEW.id, 'inserted'); RETURN NULL; END $$`,
      );
      await db.exec('CREATE TRIGGER t_log AFTER INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION log_insert()');
    } else {
      await db.exec(`CREATE TRIGGER t_log AFTER INSERT ON contacts FOR EACH ROW INSERT INTO audit_log (contact_id, note) VALUES (NEW.id, 'inserted')`);
    }
    const dry = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'contacts', '--deleted']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/triggers that fire: \S*contacts t_log \(AFTER INSERT\)/);
    expect(dry.stdout).toMatch(/not in the journal, and undo does not take it back/);
    expect(dry.stdout).toMatch(/rows checked against the backup before COMMIT: all match/);
    const r = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'contacts', '--deleted', '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as { mergeId: string; tables: { triggers?: { name: string; fired: boolean }[] }[] };
    expect(result.tables[0].triggers).toEqual([{ name: 't_log', timing: 'AFTER', events: ['INSERT'], fired: true }]);
    const u = await sb.run(['undo', result.mergeId, '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/note: trigger\(s\) t_log \(AFTER INSERT\) on \S*contacts fired during the merge: what they wrote elsewhere is not undone/);
    const [{ n }] = await db.query<{ n: unknown }>('SELECT count(*) AS n FROM audit_log');
    expect(Number(n)).toBe(5);
    await db.exec(pg ? 'DROP TRIGGER t_log ON contacts' : 'DROP TRIGGER t_log');
  });

  it('undo under a BEFORE UPDATE trigger that stamps restored rows: rolled back naming the trigger and the column; live unchanged', async () => {
    await db.exec("UPDATE contacts SET name = 'changed' WHERE id <= 3");
    const m = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'contacts', '--changed', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    const mergeId = (ndjson(m.stdout).find((l) => l.type === 'result') as { mergeId: string }).mergeId;
    if (pg) {
      await db.exec(`CREATE FUNCTION stamp_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.stamp := 'touched'; RETURN NEW; END $$`);
      await db.exec('CREATE TRIGGER t_stamp BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION stamp_update()');
    } else {
      await db.exec(`CREATE TRIGGER t_stamp BEFORE UPDATE ON contacts FOR EACH ROW SET NEW.stamp = 'touched'`);
    }
    const before = { contacts: await tableChecksum(db, 'contacts'), journal: await journalRows(db) };
    const u = await sb.run(['undo', mergeId, '--url', db.url, '--yes']);
    expectOneLineError(
      u,
      1,
      /^crm-rescue: undo rolled back, live data is unchanged: .*3 row\(s\) of \S*contacts differ from the journal's values in stamp; .*t_stamp \(BEFORE UPDATE\)/,
    );
    expect({ contacts: await tableChecksum(db, 'contacts'), journal: await journalRows(db) }).toEqual(before);
    if (pg) {
      // Skipping the trigger for the undo writes the journal's values exactly.
      const again = await sb.run(['undo', mergeId, '--url', db.url, '--yes', '--without-triggers']);
      expect(again.code, again.stderr).toBe(0);
      expect(await db.query('SELECT id, name, stamp FROM contacts WHERE id <= 3 ORDER BY id')).toEqual(
        [1, 2, 3].map((i) => ({ id: i, name: 'changed', stamp: 'orig' })),
      );
      await db.exec('DROP TRIGGER t_stamp ON contacts');
    } else {
      expectOneLineError(
        await sb.run(['undo', mergeId, '--url', db.url, '--yes', '--without-triggers']),
        1,
        /--without-triggers cannot be honoured: MySQL and MariaDB/,
      );
      await db.exec('DROP TRIGGER t_stamp');
      expect((await sb.run(['undo', mergeId, '--url', db.url, '--yes'])).code).toBe(0);
    }
  });

  it('two merges of the same rows of a keyless table at once: one inserts, the other finds them and skips; undo counts are right', async () => {
    const args = [
      'merge',
      '--url',
      db.url,
      '--backup',
      id,
      '--table',
      'rel',
      '--key',
      'crmid,relcrmid',
      '--where',
      'crmid > 0',
      '--on-conflict',
      'skip',
      '--apply',
      '--yes',
      '--json',
      '--lock-timeout',
      '60',
    ];
    // Both merges meet a lock held here on inserting into rel (after they looked for the keys),
    // so they run side by side; it is released once both wait (for it, or for each other).
    // MariaDB does not always show a statement blocked on a row inside INSERT … SELECT as a
    // LOCK WAIT transaction (seen once: state "Creating sort index" for the whole wait), so a
    // statement of theirs running for 2 s or more while the lock is held counts as waiting too.
    const holder = await session(db, pg ? ['BEGIN', 'LOCK TABLE rel IN SHARE MODE'] : ['START TRANSACTION', 'SELECT * FROM rel FOR UPDATE']);
    let runs: Promise<CliResult>[] = [];
    const ended: CliResult[] = [];
    try {
      runs = [sb.run(args), sb.run(args)];
      for (const r of runs) void r.then((x) => ended.push(x));
      const waiting = pg
        ? `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue' AND wait_event_type = 'Lock'`
        : `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
           WHERE p.DB = DATABASE() AND p.ID <> CONNECTION_ID() AND p.ID <> ${holder.id}
             AND (t.trx_state = 'LOCK WAIT' OR p.STATE = 'User lock' OR (p.COMMAND = 'Query' AND p.TIME >= 2))`;
      const sessions = pg
        ? `SELECT pid, state, wait_event_type, wait_event, left(query, 60) AS query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue'`
        : `SELECT ID, COMMAND, STATE, LEFT(INFO, 60) AS INFO FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`;
      await waitFor(async () => Number((await db.query<{ n: unknown }>(waiting))[0].n) >= 2, {
        what: 'both merges to wait for a lock',
        stopIf: () => (ended.length ? `a merge ended first: exit ${ended[0].code}, ${ended[0].stderr.trim().split('\n').at(-1)}` : undefined),
        lastSeen: async () => JSON.stringify(await db.query(sessions)),
      });
    } finally {
      await holder.release();
    }
    const done = await Promise.all(runs);
    for (const r of done) expect(r.code, r.stderr).toBe(0);
    const results = done.map(
      (r) =>
        ndjson(r.stdout).find((l) => l.type === 'result') as {
          mergeId: string;
          totals: { inserted: number; skipped: number };
          tables: { conflicts: Record<string, number> }[];
        },
    );
    const inserted = results.map((x) => x.totals.inserted).sort((a, b) => a - b);
    expect(inserted).toEqual([0, REL_ROWS]);
    const second = results.find((x) => x.totals.inserted === 0)!;
    expect(second.tables[0].conflicts).toEqual({ 'key-exists': REL_ROWS });
    const [c] = await db.query<{ n: unknown; k: unknown }>(
      `SELECT count(*) AS n, count(DISTINCT ${pg ? '(crmid, relcrmid)' : 'crmid, relcrmid'}) AS k FROM rel`,
    );
    expect([Number(c.n), Number(c.k)]).toEqual([REL_ROWS, REL_ROWS]);
    // Undo of each: the one that inserted deletes exactly its rows, the other deletes none.
    const first = results.find((x) => x.totals.inserted === REL_ROWS)!;
    const u2 = await sb.run(['undo', second.mergeId, '--url', db.url, '--yes', '--json']);
    expect(u2.code, u2.stderr).toBe(0);
    expect(JSON.parse(u2.stdout).tables[0]).toMatchObject({ deleted: 0, restored: 0, refused: 0 });
    const u1 = await sb.run(['undo', first.mergeId, '--url', db.url, '--yes', '--json']);
    expect(u1.code, u1.stderr).toBe(0);
    expect(JSON.parse(u1.stdout).tables[0]).toMatchObject({ deleted: REL_ROWS, restored: 0, refused: 0 });
    const [after] = await db.query<{ n: unknown }>('SELECT count(*) AS n FROM rel');
    expect(Number(after.n)).toBe(0);
  });

  it('a table locked by another session: merge, undo, diff (and inspect on PostgreSQL) give up after the lock timeout naming the table and that session; live unchanged', async () => {
    await db.exec('DELETE FROM parked WHERE id > 8');
    const m = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'parked', '--keys', '9', '--apply', '--yes', '--json']);
    expect(m.code, m.stderr).toBe(0);
    const mergeId = (ndjson(m.stdout).find((l) => l.type === 'result') as { mergeId: string }).mergeId;
    const before = { parked: await tableChecksum(db, 'parked'), journal: await journalRows(db) };
    const holder = await session(db, pg ? ['BEGIN', 'LOCK TABLE parked IN ACCESS EXCLUSIVE MODE'] : ['LOCK TABLES parked WRITE']);
    try {
      const who = new RegExp(`parked.*session ${holder.id}\\b.*This is temporary: try again when that session has ended`);
      const runs: [string, string[]][] = [
        ['merge dry run', ['merge', '--url', db.url, '--backup', id, '--table', 'parked', '--keys', '10', '--lock-timeout', '2']],
        ['merge --apply', ['merge', '--url', db.url, '--backup', id, '--table', 'parked', '--keys', '10', '--apply', '--yes', '--lock-timeout', '2']],
        ['undo', ['undo', mergeId, '--url', db.url, '--yes', '--lock-timeout', '2']],
        // The default lock timeout (5 s) of every session.
        ['diff', ['diff', '--url', db.url, '--backup', id, '--table', 'parked']],
        // PostgreSQL's introspection reads the table's size (MySQL's reads information_schema only).
        ...(pg ? [['inspect', ['inspect', '--url', db.url]] as [string, string[]]] : []),
      ];
      // All at once on PostgreSQL: each waits for the same lock and gives up on its own timeout.
      // One after the other on MySQL, where a LOCK TABLES holder is named by a heuristic (no
      // metadata-lock view without a plugin): a session of another of these runs that held row
      // locks of its own at that moment ranked above the holder (CI once: session 691 named, not 673).
      const results = pg
        ? await Promise.all(runs.map(([, args]) => sb.run(args, { timeoutMs: 90_000 })))
        : await runs.reduce<Promise<Awaited<ReturnType<typeof sb.run>>[]>>(
            async (done, [, args]) => [...(await done), await sb.run(args, { timeoutMs: 90_000 })],
            Promise.resolve([]),
          );
      for (const [i, r] of results.entries()) {
        expect(r.stderr, runs[i][0]).toMatch(/timed out after \d+ s/);
        expectOneLineError(r, 1, who);
      }
    } finally {
      await holder.release();
    }
    expect({ parked: await tableChecksum(db, 'parked'), journal: await journalRows(db) }).toEqual(before);
    // Once the session has ended, the same undo goes through.
    const u = await sb.run(['undo', mergeId, '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
  });
});
