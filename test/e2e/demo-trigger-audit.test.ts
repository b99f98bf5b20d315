import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysSha256 } from '../../src/demo/incident-plan.js';
import type { DemoReport } from '../../src/demo/report.js';
import { runDemo } from '../../src/demo/run-demo.js';
import { checksums } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #6's last case, through the binary: the demo's own incident on a CRM that keeps no
 * history of its own (`demo --audit-trigger`: the change log is dropped, crm-rescue's trigger
 * audit is installed instead) and has no backup at all. `audit incidents` must find the same
 * incident (window, actor, tables, counts), `audit deletions` list its rows, merge must put
 * the hard-deleted rows back from the trigger log alone and `merge --undelete` clear the
 * accounts' marks; undo takes both back.
 */
describe.each(engines)('%s: the demo incident seen only by the trigger audit, merged back with no backup', (engine) => {
  const sb = makeSandbox(`dtrig-${engine}`);
  const admin = engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
  const name = uniqueName('demotrig');
  const twinName = uniqueName('demotwin');
  const url = `${admin}/${name}`;
  const restored = ['contacts', 'accounts_contacts', 'notes'];
  const scale = 1500;
  let demo: DemoReport;
  let live: TempDb;
  let twin: TempDb;
  let postIncident: Record<string, string>;
  let startedAt = 0;

  beforeAll(async () => {
    startedAt = Date.now();
    const r = await sb.run(
      ['demo', '--db', name, '--scale', String(scale), '--audit-trigger', '--no-backup', '--json', ...(engine === 'mysql' ? ['--mysql'] : [])],
      {
        timeoutMs: 300_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    demo = JSON.parse(r.stdout) as DemoReport;
    live = attachTempDb(engine, name);
    postIncident = await checksums(live, [...restored, 'accounts']);
    // The pre-incident state: the demo's seed is deterministic for a scale and a reference.
    await runDemo({ url: admin, database: twinName, scale, incident: false, seedReference: Date.parse(demo.seedReference) });
    twin = attachTempDb(engine, twinName);
  }, 600_000);
  afterAll(async () => {
    await live?.drop();
    await twin?.drop();
    sb.cleanup();
  });

  it('the demo installed the trigger audit, dropped its own change log and took no backup', async () => {
    expect(demo.backup).toBeNull();
    expect(demo.auditTrigger?.tables).toEqual(expect.arrayContaining(['accounts', 'accounts_contacts', 'contacts', 'notes']));
    expect(demo.auditTrigger?.tables).not.toContain('history');
    expect(demo.incident?.historyRows).toBe(0);
    expect(demo.rowCounts.history).toBe(0);
    const tables = (
      await live.query<{ n: string | number }>(
        engine === 'postgres'
          ? `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'history'`
          : `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'history'`,
      )
    )[0];
    expect(Number(tables.n)).toBe(0);
    const list = await sb.run(['backups', 'list', '--url', url, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const inspect = await sb.run(['inspect', '--url', url, '--json']);
    expect(JSON.parse(inspect.stdout).crm.flavour).toBe('demo');
  });

  it('audit incidents reports the incident: window, actor, tables and counts', async () => {
    const i = demo.incident!;
    const r = await sb.run(['audit', 'incidents', '--url', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      incidents: {
        window: { start: string; end: string };
        actors: { id: string }[];
        tables: { table: string; hard: number; soft: number }[];
        rows: { total: number; hard: number; soft: number };
        sources: string[];
        backupBefore: unknown;
      }[];
    };
    expect(doc.incidents).toHaveLength(1);
    const [found] = doc.incidents;
    expect(found.actors.map((a) => a.id)).toEqual([i.actor.id]);
    expect(Object.fromEntries(found.tables.map((t) => [t.table, [t.hard, t.soft]]))).toEqual({
      contacts: [i.deletedContacts, 0],
      accounts_contacts: [i.deletedRelationRows, 0],
      notes: [i.deletedNotes, 0],
      accounts: [0, i.softDeletedAccounts],
    });
    expect(found.rows).toEqual({
      total: i.deletedContacts + i.deletedRelationRows + i.deletedNotes + i.softDeletedAccounts,
      hard: i.deletedContacts + i.deletedRelationRows + i.deletedNotes,
      soft: i.softDeletedAccounts,
    });
    // Hard deletes from the trigger log, the accounts' deleted=1 marks from the rows themselves.
    expect([...found.sources].sort()).toEqual(['soft-delete', 'trigger-audit']);
    expect(found.backupBefore).toBeNull();
    // The log's times are the server's clock as the statements ran: inside this test's run.
    expect(Date.parse(found.window.start)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(found.window.end)).toBeLessThanOrEqual(Date.parse(i.window.end) + 1000);
  });

  it('audit deletions lists exactly the deleted contacts, with the CRM user and the full row', async () => {
    const r = await sb.run(['audit', 'deletions', '--url', url, '--source', 'trigger-audit', '--table', 'contacts', '--limit', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout) as { key: { id: string }; actor: string; kind: string; image: { id: string; last_name: string } }[];
    expect(events).toHaveLength(demo.incident!.deletedContacts);
    expect(keysSha256(events.map((e) => e.key.id))).toBe(demo.incident!.deletedContactKeysSha256);
    for (const e of events) {
      expect(e.actor).toBe(demo.incident!.actor.id);
      expect(e.kind).toBe('hard');
      expect(e.image.id).toBe(e.key.id);
    }
  });

  it('merge --backup audit-log restores contacts, links and notes, --undelete the accounts; undo takes both back', async () => {
    const m = await sb.run([
      'merge',
      '--url',
      url,
      '--backup',
      'audit-log',
      '--table',
      'contacts',
      '--deleted',
      '--with-related',
      '--apply',
      '--yes',
      '--json',
    ]);
    expect(m.code, m.stderr).toBe(0);
    const result = ndjson(m.stdout).find((l) => l.type === 'result') as {
      mergeId: string;
      tables: { name: string; inserts: number }[];
      verify: { mismatched: number };
    };
    const i = demo.incident!;
    expect(Object.fromEntries(result.tables.map((t) => [t.name, t.inserts]))).toMatchObject({
      contacts: i.deletedContacts,
      accounts_contacts: i.deletedRelationRows,
      notes: i.deletedNotes,
    });
    expect(result.verify.mismatched).toBe(0);
    expect(await checksums(live, restored)).toEqual(await checksums(twin, restored));
    // The accounts were only flagged: the log holds deletions, so that merge left them alone.
    expect((await checksums(live, ['accounts'])).accounts).toBe(postIncident.accounts);

    // The soft-deleted accounts, still in live with deleted = 1: keys from the audit, marks cleared.
    const soft = await sb.run([
      'audit',
      'deletions',
      '--url',
      url,
      '--source',
      'soft-delete',
      '--table',
      'accounts',
      '--user',
      i.actor.id,
      '--limit',
      '0',
      '--json',
    ]);
    expect(soft.code, soft.stderr).toBe(0);
    const keysFile = join(sb.home, 'accounts.ndjson');
    writeFileSync(keysFile, soft.stdout);
    expect(ndjson(soft.stdout)).toHaveLength(i.softDeletedAccounts);
    const un = await sb.run(['merge', '--url', url, '--table', 'accounts', '--undelete', '--keys-from', keysFile, '--apply', '--yes', '--json']);
    expect(un.code, un.stderr).toBe(0);
    const undeleted = ndjson(un.stdout).find((l) => l.type === 'result') as { mergeId: string; totals: { updated: number }; verify: { mismatched: number } };
    expect(undeleted.totals.updated).toBe(i.softDeletedAccounts);
    expect(undeleted.verify.mismatched).toBe(0);
    const keys = (ndjson(soft.stdout) as { key: { id: string } }[]).map((e) => e.key.id);
    const flags = await live.query<{ id: string; deleted: number | string | boolean }>(
      `SELECT id, deleted FROM accounts WHERE id IN (${keys.map((k) => `'${k}'`).join(', ')})`,
    );
    expect(flags.map((f) => Number(f.deleted))).toEqual(keys.map(() => 0));
    // Only the marks: every other account, and every other column, is as the incident left it.
    const others = `SELECT * FROM accounts WHERE id NOT IN (${keys.map((k) => `'${k}'`).join(', ')}) ORDER BY id`;
    expect(JSON.stringify(await live.query(others))).toBe(JSON.stringify(await twin.query(others)));

    for (const id of [undeleted.mergeId, result.mergeId]) {
      const u = await sb.run(['undo', id, '--url', url, '--yes', '--json']);
      expect(u.code, u.stderr).toBe(0);
      expect(JSON.parse(u.stdout).state).toBe('undone');
    }
    expect(await checksums(live, [...restored, 'accounts'])).toEqual(postIncident);
  });
});
