import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { fixture, haveSchemas, loadMysql, shared, skipNotice } from '../helpers/crm-dumps.js';
import { isoSecondsAgo, keysOf, queryChecksum, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * vtiger CRM 8.3 (MariaDB): the real fresh-install dump plus a few records of ours
 * (test/fixtures/vtiger/records.sql). Two contacts go to the Recycle Bin the way
 * CRMEntity::trash puts them there (vtiger_crmentity.deleted = 1 with modifiedtime/modifiedby, a
 * vtiger_modtracker_basic row with status 1, Contacts::unlinkDependencies' back-up row in
 * vtiger_relatedlists_rb); then the bin is emptied the way RecycleBin's deleteRecords does it
 * (their recycle-bin and modtracker rows first, then DELETE FROM vtiger_crmentity, which cascades
 * through the real foreign keys to the module tables and the stars).
 */

skipNotice('crm-e2e-vtiger');
const ADA = 4;
const ALAN = 5;
const TRASHED = [ADA, ALAN];
/** The record tables: vtiger_crmentity first, then the module tables keyed by crmid. */
const RECORDS = [
  'vtiger_crmentity',
  'vtiger_contactdetails',
  'vtiger_contactaddress',
  'vtiger_contactsubdetails',
  'vtiger_contactscf',
  'vtiger_customerdetails',
  'vtiger_account',
  'vtiger_service',
  'vtiger_crmentity_user_field',
  'vtiger_crmentityrel',
];
const LOGS = ['vtiger_modtracker_basic', 'vtiger_modtracker_detail', 'vtiger_relatedlists_rb'];

/** CRMEntity::trash for some records of one module, by one user. */
function trash(module: string, ids: number[], user: number): string {
  const next = (i: number) => `(SELECT id + ${i + 1} FROM vtiger_modtracker_basic_seq)`;
  return [
    `UPDATE vtiger_crmentity SET deleted = 1, modifiedtime = UTC_TIMESTAMP(), modifiedby = ${user} WHERE crmid IN (${ids.join(', ')})`,
    // Contacts::unlinkDependencies backs up (here: no) related potentials it marks deleted.
    ...ids.map((id) => `INSERT INTO vtiger_relatedlists_rb VALUES (${id}, 'update', 'vtiger_crmentity', 'deleted', 'crmid', '')`),
    // ModTracker's afterdelete handler: one row with status 1 (deleted) per record.
    ...ids.map(
      (id, i) =>
        `INSERT INTO vtiger_modtracker_basic (id, crmid, module, whodid, changedon, status) VALUES (${next(i)}, ${id}, '${module}', ${user}, UTC_TIMESTAMP(), 1)`,
    ),
    `UPDATE vtiger_modtracker_basic_seq SET id = id + ${ids.length}`,
  ].join(';\n');
}

/** RecycleBin_Module_Model::emptyRecycleBin → deleteRecords(every deleted record). */
function emptyRecycleBin(ids: number[]): string {
  return [
    `DELETE FROM vtiger_relatedlists_rb WHERE entityid IN (${ids.join(', ')})`,
    `DELETE FROM vtiger_modtracker_basic WHERE crmid IN (${ids.join(', ')})`,
    `DELETE FROM vtiger_crmentity WHERE deleted = 1 AND crmid IN (${ids.join(', ')})`,
  ].join(';\n');
}

describe.skipIf(!haveSchemas)('vtiger CRM 8.3 (MariaDB), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-vtiger', () => temp);
  let backup: string;
  let original: Record<string, string>;

  beforeAll(async () => {
    temp = await createTempDb('mysql', 'e2evtiger');
    await loadMysql(temp, { file: shared('vtiger', 'vtiger.sql') });
    await loadMysql(temp, { file: fixture('vtiger', 'records.sql') });
    backup = await flow.backup();
    original = await sums();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, [...RECORDS, ...LOGS]);
  const records = () => checksums(temp, RECORDS);
  /** The log rows that existed before an incident (the trash writes its own). */
  const logsBefore = async () => ({
    vtiger_modtracker_basic: await queryChecksum(temp, 'SELECT * FROM vtiger_modtracker_basic WHERE status <> 1'),
    vtiger_modtracker_detail: await queryChecksum(temp, 'SELECT * FROM vtiger_modtracker_detail'),
    vtiger_relatedlists_rb: await queryChecksum(temp, 'SELECT * FROM vtiger_relatedlists_rb'),
  });

  it('is detected as vtiger, with modtracker and the recycle bin as audit sources', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('vtiger');
    expect(report.crm.auditSources.map((a) => a.kind)).toEqual(['vtiger-modtracker', 'vtiger-modtracker-detail', 'vtiger-recycle-bin']);
  });

  it('contacts moved to the Recycle Bin: modtracker localizes them, vtiger_crmentity carries the soft delete, merge restores the flag, undo trashes them again', async () => {
    const since = isoSecondsAgo(5);
    const preLogs = await logsBefore();
    await temp.exec(trash('Contacts', TRASHED, 1));
    const post = await sums();
    expect(await logsBefore()).toEqual({ ...preLogs, vtiger_relatedlists_rb: expect.any(String) });

    const incidents = await flow.incidents(['--since', since]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ actors: [{ id: '1', name: 'admin' }], rows: { total: 2, soft: 2, hard: 0 }, sources: ['vtiger-modtracker'] });
    expect(incidents[0].tables).toEqual([{ schema: temp.name, table: 'vtiger_contactdetails', hard: 0, soft: 2 }]);
    const events = await flow.deletions(['--since', since]);
    expect(events.map((e) => Number(e.key.crmid)).sort()).toEqual(TRASHED);

    // The mark lives on vtiger_crmentity; the module tables did not change.
    const crmentity = await flow.diff(backup, 'vtiger_crmentity');
    expect(crmentity.summary.softDelete).toEqual({ column: 'deleted', kind: 'flag' });
    expect(crmentity.summary.counts).toMatchObject({ deleted: 0, softDeleted: 2, changed: 0, added: 0 });
    expect(keysOf(crmentity.rows, 'soft-deleted')).toEqual(TRASHED.map(String));
    expect(crmentity.rows[0].changedColumns?.sort()).toEqual(['deleted', 'modifiedtime']);
    const contacts = await flow.diff(backup, 'vtiger_contactdetails');
    expect(contacts.summary.softDelete).toBeNull();
    expect(contacts.summary.counts).toMatchObject({ deleted: 0, softDeleted: 0, changed: 0, unchanged: 3 });

    const m = await flow.merge(backup, 'vtiger_crmentity', ['--soft-deleted', '--with-related']);
    expect(written(m)).toEqual({ vtiger_crmentity: 2 });
    expect(await records()).toEqual(Object.fromEntries(RECORDS.map((t) => [t, original[t]])));
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });

  it('the Recycle Bin emptied: no trace left in modtracker, the backup diff finds the records, merge restores vtiger_crmentity before the module tables; keyless tables need --key', async () => {
    await temp.exec(emptyRecycleBin(TRASHED));
    const post = await sums();
    const [{ n }] = await temp.query<{ n: number }>(`SELECT count(*) AS n FROM vtiger_contactaddress WHERE contactaddressid IN (${TRASHED.join(', ')})`);
    expect(Number(n)).toBe(0); // cascaded through vtiger_contactdetails

    expect(await flow.incidents(['--since', isoSecondsAgo(3600)])).toEqual([]);

    // vtiger_crmentity's neighbours, and vtiger_contactdetails' (the address, subdetails and
    // custom-field tables are two relations away from vtiger_crmentity).
    await flow.stage(backup, ['vtiger_crmentity', 'vtiger_contactdetails'], true);
    const crmentity = await flow.diff(backup, 'vtiger_crmentity');
    expect(crmentity.summary.counts).toMatchObject({ deleted: 2, softDeleted: 0, changed: 0, added: 0 });
    expect(keysOf(crmentity.rows, 'deleted')).toEqual(TRASHED.map(String));
    expect(keysOf((await flow.diff(backup, 'vtiger_contactdetails')).rows, 'deleted')).toEqual(TRASHED.map(String));
    // No primary or unique key: diff refuses to guess, --key names the row.
    const refused = await flow.run(['diff', '--url', temp.url, '--backup', backup, '--table', 'vtiger_crmentity_user_field', '--format', 'ndjson']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no primary key and no unique key.*--key/s);
    const stars = await flow.diff(backup, 'vtiger_crmentity_user_field', ['--key', 'recordid,userid']);
    expect(stars.summary.keySource).toBe('flag');
    expect(keysOf(stars.rows, 'deleted')).toEqual(['4|1', '5|1']);
    // vtiger leaves vtiger_crmentityrel rows of purged records in place (no foreign key).
    const rel = await flow.diff(backup, 'vtiger_crmentityrel', ['--key', 'crmid,module,relcrmid,relmodule']);
    expect(rel.summary.counts).toMatchObject({ deleted: 0, changed: 0, added: 0, unchanged: 2 });

    const m = await flow.merge(backup, 'vtiger_crmentity', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({
      vtiger_crmentity: 2,
      vtiger_contactdetails: 2,
      vtiger_contactaddress: 2,
      vtiger_contactsubdetails: 2,
      vtiger_contactscf: 2,
      vtiger_customerdetails: 2,
      vtiger_modtracker_basic: 3, // Ada's creation and update, Alan's creation
    });
    const order = m.tables.map((t) => t.name);
    expect(order.indexOf('vtiger_crmentity')).toBeLessThan(order.indexOf('vtiger_contactdetails'));
    expect(order.indexOf('vtiger_contactdetails')).toBeLessThan(order.indexOf('vtiger_contactaddress'));
    // --with-related leaves out tables without a key; the stars come back with --key.
    expect(order).not.toContain('vtiger_crmentity_user_field');
    const starsBack = await flow.merge(backup, 'vtiger_crmentity_user_field', ['--deleted', '--key', 'recordid,userid']);
    expect(written(starsBack)).toEqual({ vtiger_crmentity_user_field: 2 });
    // Back to before the trash: records, their creation history, and an empty recycle bin.
    expect(await sums()).toEqual(original);

    expect((await flow.undo(starsBack.mergeId)).state).toBe('undone');
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
