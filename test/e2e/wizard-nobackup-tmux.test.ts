import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { planIncident } from '../../src/demo/incident-plan.js';
import { runIncident, type IncidentReport } from '../../src/demo/incident.js';
import { demoEngineFor } from '../../src/demo/server.js';
import { checksums } from '../helpers/checksum.js';
import { makeSandbox } from '../helpers/flow.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb.js';
import { PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';
import { TmuxConsole } from '../helpers/tmux.js';

/**
 * No backup at all, through the recovery wizard as an admin runs it (the built binary in tmux at
 * 80×24): the demo CRM's incident, its deleted contacts with their relation rows and notes taken
 * back from the binary log (a private MariaDB with the log on) or from the dead tuples
 * (PostgreSQL with pg_dirtyread, autovacuum paused by `protect` before the incident). The wizard
 * must offer the source at its backup step, stage, diff and plan from it, and apply: the live
 * tables are then identical to before the incident.
 */

const SCALE = 300;
/** Longest wait for one screen: under the test's own timeout, so a stuck step shows its screen. */
const STEP_MS = 50_000;
/** The tables the incident hard-deletes from, all of them merged back whole. */
const HARD = ['contacts', 'accounts_contacts', 'notes'];

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** pg_dirtyread is installable on the test server. */
async function pgDirtyreadAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
  await c.connect();
  try {
    return (await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'pg_dirtyread'`)).rowCount === 1;
  } finally {
    await c.end();
  }
}

/** Runs the demo incident on `url` (the same rows as `crm-rescue demo` deletes at this scale). */
async function incidentOn(url: string): Promise<IncidentReport> {
  const target = parseTargetUrl(url);
  const db = await openDb(target, { readOnly: false, interactive: false, poolSize: 2 });
  try {
    return await runIncident(db, demoEngineFor(target.engine), planIncident(SCALE));
  } finally {
    await db.close();
  }
}

/** What the backup step must show for the source (its row and status line, as cut at 80 columns). */
interface Offer {
  row: RegExp;
  note: RegExp;
}

/**
 * The wizard from the home screen to a verified merge, from the source the backup step proposes;
 * then Merge › journal: undo (u) that merge. Checks run between the steps by `afterApply`.
 */
async function recoverThroughWizard(
  term: TmuxConsole,
  database: string,
  incident: IncidentReport,
  offer: Offer,
  afterApply: () => Promise<void>,
): Promise<string> {
  const home = await term.waitFor('spike', STEP_MS);
  expect(home).toMatch(/Deletions\s+! .*spike/);
  expect(home).toMatch(/Last backup\s+! no backups yet/);
  term.keys('Enter');
  const step1 = await term.waitFor('mallory.b', STEP_MS);
  expect(step1).toMatch(
    new RegExp(`mallory\\.b\\s+${incident.deletedContacts + incident.deletedRelationRows + incident.deletedNotes + incident.softDeletedAccounts}\\b`),
  );
  term.keys('Enter');
  const step2 = await term.waitFor((s) => s.includes('Step 2/8') && s.includes('◂ proposed'), STEP_MS);
  expect(step2).toMatch(offer.row);
  expect(step2).toMatch(offer.note);

  // One Enter per step: staging and the diff need no choice, they start on arrival.
  term.keys('Enter');
  const staged = await term.waitFor((s) => s.includes('Step 3/8') && s.includes('Enter: compare with live'), STEP_MS);
  expect(staged).toMatch(/✓ staged \d+ table\(s\) into crm_rescue_stage_/);

  term.keys('Enter');
  const diff = await term.waitFor((s) => s.includes('Step 4/8') && s.includes('Enter: choose the rows to bring back'), STEP_MS);
  // Every row the incident deleted. A source that holds only the lost rows counts every other
  // live row as added (a merge never deletes those).
  expect(diff).toMatch(new RegExp(`\\baccounts_contacts\\s+${incident.deletedRelationRows}\\s+0\\s+0\\s+\\d+`));
  expect(diff).toMatch(new RegExp(`\\bcontacts\\s+${incident.deletedContacts}\\s+0\\s+0\\s+\\d+`));
  expect(diff).toMatch(new RegExp(`\\bnotes\\s+${incident.deletedNotes}\\s+0\\s+0\\s+\\d+`));

  term.keys('Enter');
  const rows = await term.waitFor('Step 5/8', STEP_MS);
  expect(rows).toMatch(new RegExp(`\\[x\\] contacts\\s+deleted\\s+${incident.deletedContacts} insert them back`));

  // The plan after the diff has read live (which prunes dead tuples): from the staged copies.
  term.keys('Enter');
  const plan = await term.waitFor((s) => s.includes('Step 6/8') && s.includes('Total:'), STEP_MS);
  expect(plan).toMatch(/contacts · merge mrg_\d{14}_[0-9a-f]{4} · brings 2 related table\(s\)/);
  expect(plan).toMatch(
    new RegExp(`Total: ${incident.deletedContacts + incident.deletedRelationRows + incident.deletedNotes} to insert · 0 to update · 0 skipped`),
  );
  const mergeId = /mrg_\d{14}_[0-9a-f]{4}/.exec(plan)![0];

  term.keys('Enter');
  await term.waitFor('Type the database name', STEP_MS);
  term.type(database);
  term.keys('Enter');
  const done = await term.waitFor((s) => s.includes('Step 8/8') && s.includes('all match'), STEP_MS);
  expect(done).not.toMatch(/DO NOT MATCH/);
  await afterApply();

  // Undo, from Merge › journal: the merge's rows are taken out again.
  term.keys('Escape');
  await term.waitFor('resume at step 8/8', STEP_MS);
  term.keys('g', 'j', 'j', 'j', 'j', 'j');
  await term.waitFor('▸ Merge', STEP_MS);
  term.keys('Enter');
  await term.waitFor((s) => s.includes('Merges (journal)') && s.includes(mergeId));
  term.keys('u');
  await term.waitFor(`Undo ${mergeId} on ${database}`, STEP_MS);
  term.type(database);
  term.keys('Enter');
  const undone = await term.waitFor(`${mergeId} undone:`, STEP_MS);
  expect(undone).toContain(`${incident.deletedContacts + incident.deletedRelationRows + incident.deletedNotes} inserted rows deleted`);
  term.keys('q');
  await term.waitFor('[exit 0]', STEP_MS);
  return mergeId;
}

/** Exact row counts of the hard-deleted tables. */
async function counts(db: TempDb, schema?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of HARD) out[t] = Number((await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${schema ? `${schema}.` : ''}${t}`))[0].n);
  return out;
}

/**
 * The row counts the incident leaves, computed, not read: on PostgreSQL a count after the incident
 * would prune the pages the deleted rows are on.
 */
function left(seeded: Record<string, number>, incident: IncidentReport): Record<string, number> {
  return {
    contacts: seeded.contacts - incident.deletedContacts,
    accounts_contacts: seeded.accounts_contacts - incident.deletedRelationRows,
    notes: seeded.notes - incident.deletedNotes,
  };
}

describe.skipIf(!hasTmux)('the recovery wizard with no backup, in tmux at 80×24', () => {
  describe('postgres: from the dead tuples', () => {
    const sb = makeSandbox('wiznb-pg');
    const name = uniqueName('wiznbpg');
    const url = `${PG_ADMIN_URL}/${name}`;
    let db: TempDb | undefined;
    let term: TmuxConsole | undefined;
    let ready = false;
    let before: Record<string, string>;
    let after: Record<string, number>;
    let incident: IncidentReport;

    beforeAll(async () => {
      if (!(await pgDirtyreadAvailable())) {
        console.warn('wizard with no backup on PostgreSQL skipped: pg_dirtyread is not available on the test server (apt-get install postgresql-15-dirtyread)');
        return;
      }
      const d = await sb.run(['demo', '--db', name, '--scale', String(SCALE), '--no-incident', '--no-backup', '--json']);
      expect(d.code, d.stderr).toBe(0);
      db = attachTempDb('postgres', name);
      await db.exec('CREATE EXTENSION pg_dirtyread');
      // Paused before the incident: autovacuum cannot take the dead versions first.
      const p = await sb.run(['protect', '--url', url, '--table', [...HARD, 'accounts'].join(','), '--yes']);
      expect(p.code, p.stderr).toBe(0);
      before = await checksums(db, HARD);
      const seeded = await counts(db);
      // The incident is several transactions: between them, its own lookups on nearly full pages
      // would prune the rows the one before deleted (heap_page_prune_opt). A snapshot older than
      // the incident (a report running meanwhile) keeps them on disk; the wizard runs after it ends.
      const report = new pg.Client({ connectionString: url });
      await report.connect();
      try {
        await report.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await report.query('SELECT count(*) FROM accounts');
        incident = await incidentOn(url);
        await report.query('COMMIT');
      } finally {
        await report.end();
      }
      after = left(seeded, incident);
      ready = true;
    }, 120_000);
    afterAll(async () => {
      term?.kill();
      await db?.drop();
      sb.cleanup();
    });

    it('offers the dead tuples; stage, diff, dry run and apply from them: live is as before the incident; undo takes the rows out', async (ctx) => {
      if (!ready) return ctx.skip();
      term = new TmuxConsole(sb.home);
      term.start(url, sb.env);
      await recoverThroughWizard(
        term,
        name,
        incident,
        {
          row: /▸ dead tuples \(no backup needed\): \d+ of acco.*the loss window\s+◂ proposed/,
          note: /! no backup was taken before the loss: read from the dead tuples instead/,
        },
        async () => expect(await checksums(db!, HARD)).toEqual(before),
      );
      expect(await counts(db!)).toEqual(after);
    }, 120_000);
  });

  describe('mysql: from the binary log (private MariaDB)', () => {
    const sb = makeSandbox('wiznb-my');
    let m: PrivateMariaDb;
    let url = '';
    let db: TempDb;
    let before: Record<string, string>;
    let after: Record<string, number>;
    let incident: IncidentReport;
    let term: TmuxConsole | undefined;

    beforeAll(async () => {
      m = await startPrivateMariaDb();
      url = `${m.url}/crm`;
      const d = await sb.run(['demo', '--url', m.url, '--db', 'crm', '--scale', String(SCALE), '--no-incident', '--no-backup', '--json']);
      expect(d.code, d.stderr).toBe(0);
      // The private server's crm database, as the checksum helper reads one.
      db = {
        engine: 'mysql',
        name: 'crm',
        url,
        exec: async (s) => void (await m.query(s)),
        query: (s, params) => m.query(s, params),
        drop: async () => undefined,
      };
      before = await checksums(db, HARD, 'crm');
      const seeded = await counts(db, 'crm');
      incident = await incidentOn(url);
      after = left(seeded, incident);
    }, 120_000);
    afterAll(async () => {
      term?.kill();
      await m?.stop();
      sb.cleanup();
    });

    it('offers the binary log; stage, diff, dry run and apply from it: live is as before the incident; undo takes the rows out', async () => {
      term = new TmuxConsole(sb.home);
      term.start(url, sb.env);
      await recoverThroughWizard(
        term,
        'crm',
        incident,
        {
          // The deletions the audit decoded from the log, largest table first (cut at 80 columns).
          row: new RegExp(
            `▸ binary log \\(no backup needed\\): ${Math.max(incident.deletedContacts, incident.deletedRelationRows, incident.deletedNotes)} deleted .*◂ proposed`,
          ),
          note: /✓ Proposed: no backup was taken before the loss: read from the binary log/,
        },
        async () => expect(await checksums(db, HARD, 'crm')).toEqual(before),
      );
      expect(await counts(db, 'crm')).toEqual(after);
    }, 120_000);
  });
});
