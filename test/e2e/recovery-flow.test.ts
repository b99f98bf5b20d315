import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingNamespace } from '../../src/dialect/namespaces.js';
import { checksums } from '../helpers/checksum.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/**
 * The whole recovery through the built binary, on the demo CRM: the demo backs up between its
 * seed and its incident, then stage/diff must report exactly what the incident did, merge must
 * bring it all back (tables equal to the backup's), and undo must return to the incident state.
 */
describe.each(engines)('%s recovery of the demo incident', (engine) => {
  const sb = makeSandbox(`flow-${engine}`);
  const name = uniqueName('flow');
  const url = `${engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL}/${name}`;
  let demo: {
    backup: string;
    incident: { deletedContacts: number; deletedContactKeysSha256: string; deletedRelationRows: number; deletedNotes: number; softDeletedAccounts: number };
  };
  const tables = ['contacts', 'accounts', 'accounts_contacts', 'notes'];
  let live: TempDb;
  let postIncident: Record<string, string>;
  const merges: string[] = [];

  beforeAll(async () => {
    const r = await sb.run(['demo', '--db', name, '--scale', '3000', '--json', ...(engine === 'mysql' ? ['--mysql'] : [])], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    demo = JSON.parse(r.stdout);
    expect(demo.backup).toMatch(/^\d{8}T\d{6}Z-/);
    live = attachTempDb(engine, name);
    postIncident = await checksums(live, tables);
  }, 600_000);
  afterAll(async () => {
    await live?.drop();
    sb.cleanup();
  });

  const diff = async (table: string) => {
    const r = await sb.run(['diff', '--url', url, '--backup', demo.backup, '--table', table, '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    return ndjson(r.stdout);
  };

  it('diff reports exactly the deleted contacts, relation rows and notes, and the soft-deleted accounts', async () => {
    const contacts = await diff('contacts');
    expect(contacts[0]).toMatchObject({ type: 'summary', counts: { deleted: demo.incident.deletedContacts, softDeleted: 0, changed: 0, added: 0 } });
    const keys = contacts
      .filter((r) => r.class === 'deleted')
      .map((r) => String((r.key as { id: string }).id))
      .sort();
    expect(createHash('sha256').update(keys.join('\n')).digest('hex')).toBe(demo.incident.deletedContactKeysSha256);
    const accounts = await diff('accounts');
    expect(accounts[0]).toMatchObject({ counts: { deleted: 0, softDeleted: demo.incident.softDeletedAccounts, changed: 0, added: 0 } });
    const soft = accounts.find((r) => r.class === 'soft-deleted') as { changedColumns: string[] };
    expect(soft.changedColumns).toContain('deleted');
    expect((await diff('accounts_contacts'))[0]).toMatchObject({ counts: { deleted: demo.incident.deletedRelationRows, changed: 0, added: 0 } });
    expect((await diff('notes'))[0]).toMatchObject({ counts: { deleted: demo.incident.deletedNotes, changed: 0, added: 0 } });
    expect(await checksums(live, tables)).toEqual(postIncident);
  });

  it("audit incidents finds the incident and names the demo's backup as the newest one before it", async () => {
    const r = await sb.run(['audit', 'incidents', '--url', url, '--json', '--limit', '1']);
    expect(r.code, r.stderr).toBe(0);
    const [incident] = JSON.parse(r.stdout).incidents as { rows: { hard: number; soft: number }; backupBefore: { id: string } | null }[];
    expect(incident.rows).toMatchObject({
      hard: demo.incident.deletedContacts + demo.incident.deletedRelationRows + demo.incident.deletedNotes,
      soft: demo.incident.softDeletedAccounts,
    });
    expect(incident.backupBefore?.id).toBe(demo.backup);
  });

  it('merge --deleted --with-related and --soft-deleted bring every table back to the backup', async () => {
    const m1 = await sb.run([
      'merge',
      '--url',
      url,
      '--backup',
      demo.backup,
      '--table',
      'contacts',
      '--deleted',
      '--with-related',
      '--apply',
      '--yes',
      '--json',
    ]);
    expect(m1.code, m1.stderr).toBe(0);
    const r1 = ndjson(m1.stdout).find((l) => l.type === 'result') as {
      mergeId: string;
      tables: { name: string; inserts: number }[];
      verify: { mismatched: number };
    };
    const inserted = Object.fromEntries(r1.tables.map((t) => [t.name, t.inserts]));
    expect(inserted).toMatchObject({
      contacts: demo.incident.deletedContacts,
      accounts_contacts: demo.incident.deletedRelationRows,
      notes: demo.incident.deletedNotes,
    });
    expect(r1.verify.mismatched).toBe(0);
    merges.push(r1.mergeId);
    const m2 = await sb.run(['merge', '--url', url, '--backup', demo.backup, '--table', 'accounts', '--soft-deleted', '--apply', '--yes', '--json']);
    expect(m2.code, m2.stderr).toBe(0);
    const r2 = ndjson(m2.stdout).find((l) => l.type === 'result') as { mergeId: string; totals: { updated: number } };
    expect(r2.totals.updated).toBe(demo.incident.softDeletedAccounts);
    merges.push(r2.mergeId);
    const ns = stagingNamespace(name, demo.backup);
    const backupState: Record<string, string> = {};
    for (const t of tables) backupState[t] = (await checksums(live, [t], ns))[t];
    expect(await checksums(live, tables)).toEqual(backupState);
  });

  it('undo returns every table to the incident state', async () => {
    for (const id of [...merges].reverse()) {
      const u = await sb.run(['undo', id, '--url', url, '--yes', '--json']);
      expect(u.code, u.stderr).toBe(0);
      expect(JSON.parse(u.stdout).state).toBe('undone');
    }
    expect(await checksums(live, tables)).toEqual(postIncident);
    const list = await sb.run(['merges', '--url', url, '--json']);
    expect(JSON.parse(list.stdout).map((m: { state: string }) => m.state)).toEqual(['undone', 'undone']);
  });
});
