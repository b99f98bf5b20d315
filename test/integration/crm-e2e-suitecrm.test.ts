import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { haveSchemas, loadMysql, shared, skipNotice } from '../helpers/crm-dumps.js';
import { isoSecondsAgo, keysOf, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * SuiteCRM 7.12 with its installer's demo data (MariaDB), deleted the way SuiteCRM deletes:
 * SugarBean::mark_deleted sets deleted=1, date_modified and modified_user_id on the record,
 * flags its many-to-many relation rows deleted=1 (with date_modified), and blanks the key of its
 * one-to-many children (`cases.account_id`, `calls.parent_id`, `tasks.contact_id` = '', saved with
 * a new date_modified and modified_user_id). The "Prune Database" scheduler job later hard-deletes
 * every deleted=1 row of every table. No foreign keys: every relation is implied.
 */

skipNotice('crm-e2e-suitecrm');
const MAX = 'seed_max_id';
/** A.D. Importing Company Inc, AB Drivers Limited, B.C. Investing International. */
const ACCOUNTS = ['81c180ce-ce05-43bf-3ee3-636e7c231e3b', '198706b7-df4e-a832-f735-636e7b8fd060', '1bfd15c1-aacc-cad0-a1d1-636e7cbed502'];
/** Max Abston, Malcom Acuna, Ronda Ahern, Patrick Akers: none of them at those accounts. */
const CONTACTS = [
  '7c556e83-6ecd-d125-c024-636e7d1884a9',
  'f06b0b73-1c01-9016-3cdf-636e7c7c4db4',
  'e7927045-f80e-346a-9572-636e7ce5df8d',
  '5ffc4743-e6e0-c8d1-73b3-636e7c15131a',
];
const list = (ids: string[]) => ids.map((i) => `'${i}'`).join(', ');

/** The many-to-many relation tables SuiteCRM flags with a record, and the column naming it. */
const M2M: Record<'Accounts' | 'Contacts', [table: string, column: string, where?: string][]> = {
  Accounts: [
    ['accounts_contacts', 'account_id'],
    ['accounts_opportunities', 'account_id'],
    ['accounts_bugs', 'account_id'],
    ['email_addr_bean_rel', 'bean_id', "bean_module = 'Accounts'"],
  ],
  Contacts: [
    ['accounts_contacts', 'contact_id'],
    ['opportunities_contacts', 'contact_id'],
    ['calls_contacts', 'contact_id'],
    ['meetings_contacts', 'contact_id'],
    ['email_addr_bean_rel', 'bean_id', "bean_module = 'Contacts'"],
  ],
};
/** One-to-many children whose link SuiteCRM blanks when their parent is deleted. */
const ONE_TO_MANY: Record<'Accounts' | 'Contacts', [table: string, column: string, where?: string][]> = {
  Accounts: [
    ['cases', 'account_id'],
    ['calls', 'parent_id', "parent_type = 'Accounts'"],
    ['meetings', 'parent_id', "parent_type = 'Accounts'"],
    ['notes', 'parent_id', "parent_type = 'Accounts'"],
    ['tasks', 'parent_id', "parent_type = 'Accounts'"],
  ],
  Contacts: [['tasks', 'contact_id']],
};

/** SugarBean::mark_deleted for some records of one module, by one user, now (UTC). */
function markDeleted(module: 'Accounts' | 'Contacts', ids: string[], user: string): string {
  const table = module.toLowerCase();
  const now = 'UTC_TIMESTAMP()';
  return [
    ...M2M[module].map(
      ([t, c, w]) => `UPDATE ${t} SET deleted = 1, date_modified = ${now} WHERE ${c} IN (${list(ids)})${w ? ` AND ${w}` : ''} AND deleted = 0`,
    ),
    ...ONE_TO_MANY[module].map(
      ([t, c, w]) =>
        `UPDATE ${t} SET ${c} = '', date_modified = ${now}, modified_user_id = '${user}' WHERE ${c} IN (${list(ids)})${w ? ` AND ${w}` : ''} AND deleted = 0`,
    ),
    `UPDATE ${table} SET deleted = 1, date_modified = ${now}, modified_user_id = '${user}' WHERE id IN (${list(ids)})`,
  ].join(';\n');
}

/** The Prune Database job: every deleted=1 row of every table with a deleted column goes, with its _cstm row. */
async function pruneDatabase(temp: TempDb): Promise<Record<string, number>> {
  const tables = await temp.query<{ t: string }>(
    `SELECT c.TABLE_NAME AS t FROM information_schema.COLUMNS c JOIN information_schema.COLUMNS i ON i.TABLE_SCHEMA = c.TABLE_SCHEMA AND i.TABLE_NAME = c.TABLE_NAME AND i.COLUMN_NAME = 'id'
     WHERE c.TABLE_SCHEMA = DATABASE() AND c.COLUMN_NAME = 'deleted' ORDER BY c.TABLE_NAME`,
  );
  const all = new Set(
    (await temp.query<{ t: string }>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`)).map((r) => r.t),
  );
  const removed: Record<string, number> = {};
  for (const { t } of tables) {
    const ids = (await temp.query<{ id: string }>(`SELECT id FROM \`${t}\` WHERE deleted = 1`)).map((r) => r.id);
    if (!ids.length) continue;
    if (all.has(`${t}_cstm`)) await temp.exec(`DELETE FROM \`${t}_cstm\` WHERE id_c IN (${list(ids)})`);
    await temp.exec(`DELETE FROM \`${t}\` WHERE id IN (${list(ids)})`);
    removed[t] = ids.length;
  }
  return removed;
}

const CHECKED = [
  'accounts',
  'contacts',
  'accounts_contacts',
  'accounts_opportunities',
  'accounts_bugs',
  'opportunities_contacts',
  'email_addr_bean_rel',
  'cases',
  'calls',
  'meetings',
  'notes',
  'tasks',
  'opportunities',
];

describe.skipIf(!haveSchemas)('SuiteCRM 7.12 demo data (MariaDB), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-suitecrm', () => temp);
  let backup: string;

  beforeAll(async () => {
    temp = await createTempDb('mysql', 'e2esuite');
    await loadMysql(temp, { file: shared('suitecrm', 'suitecrm_clean_db_with_demo_data.sql') });
    backup = await flow.backup();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, CHECKED);

  it('is detected as SuiteCRM; its only deletion trace is the deleted flag on the rows', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('suitecrm');
    expect(report.crm.auditSources.every((a) => a.kind === 'suitecrm-audit')).toBe(true);
    const sources = JSON.parse((await flow.ok(['audit', 'sources', '--url', temp.url, '--json'])).stdout);
    const available = sources.sources.filter((s: { available: boolean }) => s.available).map((s: { id: string }) => s.id);
    expect(available).toEqual(['soft-delete']);
  });

  it('contacts deleted, then removed by the Prune Database job: no trace left, the backup diff finds them, merge --with-related brings back every relation row', async () => {
    const pre = await sums();
    await temp.exec(markDeleted('Contacts', CONTACTS, 'seed_sally_id'));
    const pruned = await pruneDatabase(temp);
    expect(pruned).toEqual({ contacts: 4, accounts_contacts: 4, opportunities_contacts: 4, email_addr_bean_rel: 8 });
    const post = await sums();

    // The rows and their deleted flags are gone: the audit has nothing to show.
    expect(await flow.incidents(['--since', isoSecondsAgo(3600)])).toEqual([]);

    const staged = await flow.stage(backup, ['contacts'], true);
    expect(staged.tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['contacts', 'accounts_contacts', 'opportunities_contacts', 'email_addr_bean_rel', 'tasks']),
    );
    const contacts = await flow.diff(backup, 'contacts');
    expect(contacts.summary).toMatchObject({ key: ['id'], softDelete: { column: 'deleted', kind: 'flag' } });
    expect(contacts.summary.counts).toMatchObject({ deleted: 4, softDeleted: 0, changed: 0, added: 0 });
    expect(keysOf(contacts.rows, 'deleted')).toEqual([...CONTACTS].sort());
    const tasks = await flow.diff(backup, 'tasks');
    expect(tasks.summary.counts).toMatchObject({ deleted: 0, changed: 4 });
    expect(tasks.rows.every((r) => r.changedColumns?.includes('contact_id'))).toBe(true);

    const m = await flow.merge(backup, 'contacts', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({ contacts: 4, accounts_contacts: 4, opportunities_contacts: 4, email_addr_bean_rel: 8 });
    // One-to-many links SuiteCRM blanked are changes: put back column by column.
    const links = await flow.merge(backup, 'tasks', [
      '--changed',
      '--columns',
      'contact_id,date_modified,modified_user_id',
      '--where',
      `contact_id IN (${list(CONTACTS)})`,
    ]);
    expect(written(links)).toEqual({ tasks: 4 });
    expect(await sums()).toEqual(pre);

    expect((await flow.undo(links.mergeId)).state).toBe('undone');
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });

  it('accounts soft-deleted by a user: the deleted flags localize them, diff classes them soft-deleted, merge --with-related restores the relation rows too', async () => {
    const pre = await sums();
    const since = isoSecondsAgo(5);
    await temp.exec(markDeleted('Accounts', ACCOUNTS, MAX));
    const post = await sums();

    // The record carries who and when; its relation rows only when (no user column).
    const incidents = await flow.incidents(['--since', since]);
    expect(incidents).toHaveLength(2);
    const byActor = Object.fromEntries(
      incidents.map((i) => [i.actors[0].name ?? i.actors[0].id ?? 'unknown', Object.fromEntries(i.tables.map((t) => [t.table, t.soft]))]),
    );
    expect(byActor).toEqual({
      max: { accounts: 3 },
      unknown: { accounts_contacts: 12, email_addr_bean_rel: 6, accounts_bugs: 3, accounts_opportunities: 3 },
    });
    expect(incidents.every((i) => i.sources.join() === 'soft-delete' && i.rows.hard === 0)).toBe(true);
    expect(incidents.every((i) => i.backupBefore?.id === backup)).toBe(true);

    const accounts = await flow.diff(backup, 'accounts');
    expect(accounts.summary.counts).toMatchObject({ deleted: 0, softDeleted: 3, changed: 0, added: 0 });
    expect(keysOf(accounts.rows, 'soft-deleted')).toEqual([...ACCOUNTS].sort());
    expect(accounts.rows[0].changedColumns?.sort()).toEqual(['date_modified', 'deleted', 'modified_user_id']);
    const rel = await flow.diff(backup, 'accounts_contacts');
    expect(rel.summary.counts).toMatchObject({ softDeleted: 12, changed: 0 });

    const m = await flow.merge(backup, 'accounts', ['--soft-deleted', '--with-related']);
    expect(written(m)).toEqual({ accounts: 3, accounts_contacts: 12, accounts_opportunities: 3, accounts_bugs: 3, email_addr_bean_rel: 6 });
    expect(m.totals).toEqual({ inserted: 0, updated: 27, skipped: 0 });
    const links: string[] = [];
    // --changed takes every changed row of the table (the tasks blanked by the previous incident
    // too): --where keeps the rows whose link, in the backup, named one of these accounts.
    for (const [table, column] of ONE_TO_MANY.Accounts) {
      const r = await flow.merge(backup, table, [
        '--changed',
        '--columns',
        `${column},date_modified,modified_user_id`,
        '--where',
        `${column} IN (${list(ACCOUNTS)})`,
      ]);
      expect(r.totals.updated, table).toBeGreaterThan(0);
      links.push(r.mergeId);
    }
    expect(await sums()).toEqual(pre);

    for (const id of links.reverse()) expect((await flow.undo(id)).state).toBe('undone');
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
