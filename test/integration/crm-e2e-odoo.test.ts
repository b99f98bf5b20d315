import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { fixture, haveSchemas, loadPostgres, shared, skipNotice } from '../helpers/crm-dumps.js';
import { isoSecondsAgo, keysOf, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Odoo 16 (PostgreSQL): the real schema-only dump (776 tables, about 3,000 foreign keys) with
 * partners, chatter, followers and an activity of ours (test/fixtures/odoo/partners.sql).
 * Archiving is a write of active = false (with write_date/write_uid; res.partner does not track
 * the field, so no chatter message). Deleting is the ORM's unlink: the record's activities,
 * followers and messages first (their tracking values cascade), then a real DELETE whose foreign
 * keys do the rest (tags, followers the partner was, SET NULL on children). Odoo keeps no trace
 * of an unlink without the OCA auditlog module: here crm-rescue's trigger audit records it.
 */

skipNotice('crm-e2e-odoo');
const ARCHIVED = [13, 14];
const UNLINKED = [10, 11, 12];
const TABLES = [
  'res_partner',
  'mail_message',
  'mail_tracking_value',
  'mail_followers',
  'mail_activity',
  'res_partner_res_partner_category_rel',
  'res_users',
  'res_company',
];
const utcNow = "(now() AT TIME ZONE 'UTC')";

/** res.partner.unlink() as the ORM runs it, by the admin user. */
function unlink(ids: number[]): string {
  const list = ids.join(', ');
  return [
    `DELETE FROM mail_activity WHERE res_model = 'res.partner' AND res_id IN (${list})`,
    `DELETE FROM mail_followers WHERE res_model = 'res.partner' AND res_id IN (${list})`,
    `DELETE FROM mail_message WHERE model = 'res.partner' AND res_id IN (${list})`,
    `DELETE FROM res_partner WHERE id IN (${list})`,
  ].join(';\n');
}

describe.skipIf(!haveSchemas)('Odoo 16 schema with partners (PostgreSQL), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-odoo', () => temp);
  let backup: string;

  beforeAll(async () => {
    temp = await createTempDb('postgres', 'e2eodoo');
    // Role-ownership errors (the dump's owner openpg does not exist here) are harmless.
    await loadPostgres(temp, shared('odoo', 'mmdb_schema.sql'));
    await loadPostgres(temp, fixture('odoo', 'partners.sql'), { stopOnError: true });
    backup = await flow.backup();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, TABLES, 'public');

  it('is detected as Odoo, reading the chatter; hard deletes are said to leave no trace', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('odoo');
    expect(report.crm.auditSources.map((a) => a.kind)).toEqual(['odoo-mail-message', 'odoo-mail-tracking']);
    const sources = JSON.parse((await flow.ok(['audit', 'sources', '--url', temp.url, '--json'])).stdout);
    const available = Object.fromEntries(
      sources.sources.filter((s: { available: boolean }) => s.available).map((s: { id: string; caveat: string | null }) => [s.id, s.caveat]),
    );
    expect(Object.keys(available).sort()).toEqual(['odoo-mail-message', 'soft-delete']);
    expect(available['odoo-mail-message']).toMatch(/no trace unless the OCA auditlog module/);
  });

  it('partners unlinked with their chatter: Odoo keeps no trace, the trigger audit does; the backup brings back partners, messages, tracking values, followers, activity and tags', async () => {
    const installed = JSON.parse(
      (
        await flow.ok([
          'audit',
          'install',
          '--url',
          temp.url,
          '--json',
          '--tables',
          'res_partner,mail_message,mail_tracking_value,mail_followers,mail_activity,res_partner_res_partner_category_rel',
        ])
      ).stdout,
    );
    expect(installed.tables).toHaveLength(6);
    const pre = await sums();
    const since = isoSecondsAgo(5);
    await temp.exec(unlink(UNLINKED));
    const post = await sums();

    // Odoo's own sources see nothing: the messages went with the partners.
    expect(await flow.incidents(['--since', since, '--source', 'odoo-mail-message,soft-delete'])).toEqual([]);
    const incidents = await flow.incidents(['--since', since, '--source', 'trigger-audit']);
    expect(incidents).toHaveLength(1);
    expect(Object.fromEntries(incidents[0].tables.map((t) => [t.table, t.hard]))).toEqual({
      res_partner: 3,
      mail_message: 5,
      mail_followers: 2, // Azure's follower, and Brandon following Gemini (ON DELETE CASCADE)
      mail_tracking_value: 1,
      mail_activity: 1,
      res_partner_res_partner_category_rel: 1,
    });

    await flow.stage(backup, ['res_partner', 'mail_message'], true);
    const d = Object.fromEntries(
      await Promise.all(
        ['res_partner', 'mail_message', 'mail_tracking_value', 'mail_followers', 'mail_activity', 'res_partner_res_partner_category_rel'].map(
          async (t) => [t, await flow.diff(backup, t)] as const,
        ),
      ),
    );
    expect(keysOf(d.res_partner.rows, 'deleted')).toEqual(UNLINKED.map(String));
    expect(keysOf(d.mail_message.rows, 'deleted')).toEqual(['1', '2', '3', '7', '9'].sort());
    expect(keysOf(d.mail_tracking_value.rows, 'deleted')).toEqual(['2']);
    expect(keysOf(d.mail_followers.rows, 'deleted')).toEqual(['1', '4']);
    expect(keysOf(d.mail_activity.rows, 'deleted')).toEqual(['1']);
    expect(keysOf(d.res_partner_res_partner_category_rel.rows, 'deleted')).toEqual(['1|10']);

    const m = await flow.merge(backup, 'res_partner', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({
      res_partner: 3,
      mail_message: 5,
      mail_tracking_value: 1,
      mail_followers: 2,
      mail_activity: 1,
      res_partner_res_partner_category_rel: 1,
    });
    const order = m.tables.map((t) => t.name);
    expect(order.indexOf('mail_message')).toBeLessThan(order.indexOf('mail_tracking_value'));
    expect(await sums()).toEqual(pre);
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });

  it('partners archived (active = false): the mark localizes them, diff classes them soft-deleted, merge unarchives, undo archives again', async () => {
    const pre = await sums();
    const since = isoSecondsAgo(5);
    await temp.exec(`UPDATE res_partner SET active = false, write_date = ${utcNow}, write_uid = 2 WHERE id IN (${ARCHIVED.join(', ')})`);
    const post = await sums();

    const incidents = await flow.incidents(['--since', since, '--source', 'soft-delete,odoo-mail-message']);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ actors: [{ id: '2', name: 'admin' }], rows: { total: 2, soft: 2, hard: 0 }, sources: ['soft-delete'] });
    expect(incidents[0].tables).toEqual([{ schema: 'public', table: 'res_partner', hard: 0, soft: 2 }]);
    expect(incidents[0].backupBefore?.id).toBe(backup);

    const partners = await flow.diff(backup, 'res_partner');
    expect(partners.summary.softDelete).toEqual({ column: 'active', kind: 'active' });
    // (the partners unlinked above are still gone: that merge was undone)
    expect(partners.summary.counts).toMatchObject({ deleted: 3, softDeleted: 2, changed: 0, added: 0 });
    expect(keysOf(partners.rows, 'soft-deleted')).toEqual(ARCHIVED.map(String));

    const m = await flow.merge(backup, 'res_partner', ['--soft-deleted', '--with-related']);
    expect(written(m)).toEqual({ res_partner: 2 });
    expect(await sums()).toEqual(pre);
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
