import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { fixture, haveSchemas, loadMysql, shared, skipNotice } from '../helpers/crm-dumps.js';
import { dolibarrDeleteThirdParty, isoSecondsAgo, keysOf, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Dolibarr's official 6.0.0 demo database (MariaDB), plus a third party of ours that Dolibarr
 * would let you delete (test/fixtures/dolibarr/thirdparty-6.0.sql). Dolibarr deletes for real
 * and cascades in application code: Societe::delete removes the contacts (Contact::delete: their
 * project roles, extra fields, categories), the sales representatives and the extra fields, then
 * the third party. 6.0 leaves the third party's events (the demo database itself holds events of
 * third parties deleted long ago) and has no COMPANY_DELETE automatic event, so nothing records
 * the delete: the backup diff localizes it.
 */

skipNotice('crm-e2e-dolibarr');
const SOC = 40;
const TABLES = [
  'llx_societe',
  'llx_societe_extrafields',
  'llx_socpeople',
  'llx_societe_commerciaux',
  'llx_actioncomm',
  'llx_actioncomm_resources',
  'llx_element_contact',
  'llx_projet',
  'llx_user',
];

describe.skipIf(!haveSchemas)('Dolibarr 6.0.0 demo database (MariaDB), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-dolibarr6', () => temp);
  let backup: string;
  let tables: Set<string>;

  beforeAll(async () => {
    temp = await createTempDb('mysql', 'e2edoli6');
    await loadMysql(temp, { file: shared('dolibarr', 'demo-dump', 'mysqldump_dolibarr_6.0.0.sql') });
    await loadMysql(temp, { file: fixture('dolibarr', 'thirdparty-6.0.sql') });
    tables = new Set(
      (await temp.query<{ t: string }>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()')).map((r) => r.t),
    );
    backup = await flow.backup();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, TABLES);

  it('is detected as Dolibarr, with the agenda and the security events as audit sources', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('dolibarr');
    expect(report.crm.auditSources.map((a) => a.kind)).toEqual(['dolibarr-agenda', 'dolibarr-security-events', 'dolibarr-blockedlog']);
  });

  it('a third party deleted with its contacts and sales representatives: no agenda event in 6.0, the backup diff finds the set, merge restores it parents first, undo deletes it again', async () => {
    const pre = await sums();
    const since = isoSecondsAgo(5);
    await dolibarrDeleteThirdParty(temp, SOC, 6, (t) => tables.has(t));
    const post = await sums();

    // Dolibarr 6.0 has no COMPANY_DELETE automatic event: nothing recorded the delete.
    const [{ n }] = await temp.query<{ n: number }>(`SELECT count(*) AS n FROM llx_c_action_trigger WHERE code = 'COMPANY_DELETE'`);
    expect(Number(n)).toBe(0);
    expect(await flow.incidents(['--since', since])).toEqual([]);

    await flow.stage(backup, ['llx_societe', 'llx_socpeople'], true);
    const d = Object.fromEntries(
      await Promise.all(
        [
          'llx_societe',
          'llx_societe_extrafields',
          'llx_socpeople',
          'llx_societe_commerciaux',
          'llx_actioncomm',
          'llx_actioncomm_resources',
          'llx_element_contact',
        ].map(async (t) => [t, await flow.diff(backup, t)] as const),
      ),
    );
    expect(d.llx_societe.summary.softDelete).toBeNull();
    expect(keysOf(d.llx_societe.rows, 'deleted')).toEqual(['40']);
    expect(keysOf(d.llx_societe_extrafields.rows, 'deleted')).toEqual(['98']);
    expect(keysOf(d.llx_socpeople.rows, 'deleted')).toEqual(['20', '21']);
    expect(keysOf(d.llx_societe_commerciaux.rows, 'deleted')).toEqual(['12', '13']);
    // The events stay, pointing at a third party that is gone (as the demo's older ones do).
    expect(d.llx_actioncomm.summary.counts).toMatchObject({ deleted: 0, changed: 0 });
    expect(d.llx_actioncomm_resources.summary.counts).toMatchObject({ deleted: 0, changed: 0 });
    expect(keysOf(d.llx_element_contact.rows, 'deleted')).toEqual(['29']);
    for (const t of Object.values(d)) expect(t.summary.counts).toMatchObject({ changed: 0, added: 0, softDeleted: 0 });

    const m = await flow.merge(backup, 'llx_societe', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({
      llx_societe: 1,
      llx_societe_extrafields: 1,
      llx_socpeople: 2,
      llx_societe_commerciaux: 2,
      llx_element_contact: 1,
    });
    const order = m.tables.map((t) => t.name);
    expect(order.indexOf('llx_societe')).toBeLessThan(order.indexOf('llx_socpeople'));
    expect(order.indexOf('llx_socpeople')).toBeLessThan(order.indexOf('llx_element_contact'));
    expect(await sums()).toEqual(pre);

    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
