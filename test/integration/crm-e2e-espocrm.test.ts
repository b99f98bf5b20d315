import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { haveSchemas, loadMysql, shared, skipNotice } from '../helpers/crm-dumps.js';
import { isoSecondsAgo, keysOf, queryChecksum, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * EspoCRM 9.2 (MariaDB), on a real install's dump that already holds two contacts deleted in
 * the UI (contact.deleted = 1, modified_at/modified_by_id set, action_history_record rows with
 * action 'delete'; relation rows left as they were). Then EspoCRM's daily Cleanup job: records
 * deleted more than 2 months ago are removed for good with their many-to-many rows and stream
 * notes (Cleanup::cleanupDeletedEntity), and action history older than 15 days is purged. Before
 * that, a contact soft-deleted after the backup.
 */

skipNotice('crm-e2e-espocrm');
const ADMIN = '691c22dba7a3c3692';
/** Deleted in the dump (lia dusja at 13:27:51, luci lo at 13:27:45). */
const DUMP_DELETED = ['691c49d9a477c1d70', '691c61402d1e3067b'];
/** lilo loo: deleted by the test after the backup. */
const LILO = '691c64e2705a9c5cd';
const list = (ids: string[]) => ids.map((i) => `'${i}'`).join(', ');

/** Many-to-many middle tables of Contact (relationName → table) and their key of the contact. */
const CONTACT_MIDDLE: [table: string, midKey: string, condition?: string][] = [
  ['account_contact', 'contact_id'],
  ['contact_opportunity', 'contact_id'],
  ['case_contact', 'contact_id'],
  ['contact_target_list', 'contact_id'],
  ['contact_meeting', 'contact_id'],
  ['call_contact', 'contact_id'],
  ['contact_document', 'contact_id'],
  ['entity_team', 'entity_id', "entity_type = 'Contact'"],
  ['entity_user', 'entity_id', "entity_type = 'Contact'"],
  ['entity_email_address', 'entity_id', "entity_type = 'Contact'"],
  ['entity_phone_number', 'entity_id', "entity_type = 'Contact'"],
];

/**
 * The Cleanup job as it runs on this database: cleanupActionHistory (older than 15 days) and
 * cleanupDeletedRecords for Contact, the only entity with deleted records here (older than 2
 * months: deleteFromDb, the many-to-many rows, the notes whose parent or related record it is
 * with their own middle rows, the array values).
 */
async function cleanupJob(temp: TempDb): Promise<string[]> {
  await temp.exec('DELETE FROM action_history_record WHERE DATE(created_at) < DATE(UTC_TIMESTAMP() - INTERVAL 15 DAY)');
  const ids = (
    await temp.query<{ id: string }>(`SELECT id FROM contact WHERE deleted = 1 AND modified_at < UTC_TIMESTAMP() - INTERVAL 2 MONTH ORDER BY id`)
  ).map((r) => r.id);
  if (!ids.length) return ids;
  const notes = (
    await temp.query<{ id: string }>(
      `SELECT id FROM note WHERE (parent_type = 'Contact' AND parent_id IN (${list(ids)})) OR (related_type = 'Contact' AND related_id IN (${list(ids)}))`,
    )
  ).map((r) => r.id);
  const statements = [
    `DELETE FROM contact WHERE id IN (${list(ids)})`,
    ...CONTACT_MIDDLE.map(([t, k, c]) => `DELETE FROM ${t} WHERE ${k} IN (${list(ids)})${c ? ` AND ${c}` : ''}`),
    ...(notes.length ? ['note_team', 'note_user', 'note_portal'].map((t) => `DELETE FROM ${t} WHERE note_id IN (${list(notes)})`) : []),
    ...(notes.length ? [`DELETE FROM note WHERE id IN (${list(notes)})`] : []),
    `DELETE FROM array_value WHERE entity_type = 'Contact' AND entity_id IN (${list(ids)})`,
  ];
  await temp.exec(statements.join(';\n'));
  return ids;
}

const CHECKED = ['contact', 'account_contact', 'entity_email_address', 'entity_phone_number', 'note', 'account'];

describe.skipIf(!haveSchemas)('EspoCRM 9.2 (MariaDB), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-espocrm', () => temp);
  let backup: string;

  beforeAll(async () => {
    temp = await createTempDb('mysql', 'e2eespo');
    await loadMysql(temp, { file: shared('espocrm', 'espocrm.sql') });
    backup = await flow.backup();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, CHECKED);
  /** The action history of some contacts (the rest of the history is not theirs to restore). */
  const history = (ids: string[]) => queryChecksum(temp, `SELECT * FROM action_history_record WHERE target_type = 'Contact' AND target_id IN (${list(ids)})`);

  it('is detected as EspoCRM and finds the two contacts the dump holds as deleted, from the action history', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('espocrm');
    expect(report.crm.auditSources.map((a) => a.kind)).toEqual(['espocrm-action-history', 'espocrm-stream']);

    const events = await flow.deletions();
    expect(events.map((e) => [e.time.slice(0, 19), e.table, e.key.id, e.actorName, e.kind, e.source])).toEqual([
      ['2025-11-18T13:27:51', 'contact', DUMP_DELETED[0], 'admin', 'soft', 'espocrm-action-history'],
      ['2025-11-18T13:27:45', 'contact', DUMP_DELETED[1], 'admin', 'soft', 'espocrm-action-history'],
    ]);
    const incidents = await flow.incidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ actors: [{ id: ADMIN, name: 'admin' }], rows: { total: 2, soft: 2, hard: 0 }, sources: ['espocrm-action-history'] });
    expect(incidents[0].tables).toEqual([{ schema: temp.name, table: 'contact', hard: 0, soft: 2 }]);
    // The only backup was taken after those deletes: it holds them deleted too, so there is
    // nothing to restore them from (crm-rescue restores rows to a backup's values).
    expect(incidents[0].backupBefore).toBeNull();
    const contact = await flow.diff(backup, 'contact');
    expect(contact.summary.counts).toEqual({ deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 7 });
  });

  it('no backup holds them undeleted: merge --undelete --with-related clears their mark (nothing else), undo puts it back', async () => {
    const tables = (await temp.query<{ t: string }>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1`)).map(
      (r) => r.t,
    );
    const all = () => checksums(temp, tables);
    const before = await all();
    const columns = (
      await temp.query<{ c: string }>(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'contact' AND COLUMN_NAME <> 'deleted' ORDER BY ORDINAL_POSITION`,
      )
    ).map((r) => `\`${r.c}\``);
    const contactButMark = () => queryChecksum(temp, `SELECT ${columns.join(', ')} FROM contact`);
    const contactBefore = await contactButMark();
    const marks = async () =>
      (await temp.query<{ id: string; deleted: number }>(`SELECT id, deleted FROM contact WHERE id IN (${list(DUMP_DELETED)}) ORDER BY id`)).map((r) => [
        r.id,
        Number(r.deleted),
      ]);
    expect(await marks()).toEqual([...DUMP_DELETED].sort().map((id) => [id, 1]));

    // The keys come from the audit source that found the deletions (action_history_record).
    const events = await flow.run(['audit', 'deletions', '--url', temp.url, '--json', '--limit', '0']);
    expect(events.code, events.stderr).toBe(0);
    const keysFile = join(flow.sb.home, 'espo-deleted.ndjson');
    writeFileSync(keysFile, events.stdout);

    const m = await flow.undelete('contact', ['--keys-from', keysFile, '--with-related']);
    // EspoCRM leaves relation rows as they were on delete: only the two contact rows are written.
    expect(written(m)).toEqual({ contact: 2 });
    expect(m.verify).toEqual({ checked: 2, mismatched: 0 });
    expect(m.notes?.[0]).toMatch(/contact: clears deleted \(to 0\) and writes nothing else; modified_at, modified_by_id keep the values the delete wrote/);
    expect(await marks()).toEqual([...DUMP_DELETED].sort().map((id) => [id, 0]));
    // Every other column of contact, and every other table, byte for byte as before.
    expect(await contactButMark()).toBe(contactBefore);
    const after = await all();
    expect(Object.keys(after).filter((t) => after[t] !== before[t])).toEqual(['contact']);
    // An earlier unlink (account_contact 3, of a contact never deleted) stays unlinked.
    expect((await temp.query<{ d: number }>('SELECT deleted AS d FROM account_contact WHERE id = 3'))[0].d).toBe(1);

    const merges = JSON.parse((await flow.ok(['merges', '--url', temp.url, '--json'])).stdout) as { id: string; backupId: string; state: string }[];
    expect(merges[0]).toMatchObject({ id: m.mergeId, backupId: 'undelete', state: 'applied' });
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await all()).toEqual(before);
  });

  it('a contact soft-deleted after the backup: found in the action history, classed soft-deleted, restored, undone', async () => {
    const pre = await sums();
    const since = isoSecondsAgo(5);
    // EspoCRM's delete: the flag with modified_at/modified_by_id, and an action history record.
    await temp.exec(`
      UPDATE contact SET deleted = 1, modified_at = UTC_TIMESTAMP(), modified_by_id = '${ADMIN}' WHERE id = '${LILO}';
      INSERT INTO action_history_record (id, deleted, target_type, action, created_at, ip_address, target_id, user_id)
        VALUES ('6a1f00c0de0000001', 0, 'Contact', 'delete', UTC_TIMESTAMP(), '127.0.0.1', '${LILO}', '${ADMIN}')`);
    const post = await sums();

    const incidents = await flow.incidents(['--since', since]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ actors: [{ id: ADMIN, name: 'admin' }], rows: { total: 1, soft: 1, hard: 0 }, sources: ['espocrm-action-history'] });
    expect(incidents[0].backupBefore?.id).toBe(backup);

    const contact = await flow.diff(backup, 'contact');
    expect(contact.summary.softDelete).toEqual({ column: 'deleted', kind: 'flag' });
    expect(keysOf(contact.rows, 'soft-deleted')).toEqual([LILO]);
    // (modified_by_id was admin already)
    expect(contact.rows.find((r) => r.class === 'soft-deleted')?.changedColumns?.sort()).toEqual(['deleted', 'modified_at']);

    // EspoCRM left the relation rows as they were: only the contact row changes.
    const m = await flow.merge(backup, 'contact', ['--soft-deleted', '--with-related']);
    expect(written(m)).toEqual({ contact: 1 });
    expect(await sums()).toEqual(pre);
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });

  it('the Cleanup job removes them for good and purges the history: the backup diff finds them, merge --with-related brings back their relation rows, notes and history', async () => {
    const pre = await sums();
    const preHistory = await history(DUMP_DELETED);
    expect(await cleanupJob(temp)).toEqual([...DUMP_DELETED].sort());
    const post = await sums();
    const postHistory = await history(DUMP_DELETED);

    // Only the record of the recent delete survives the purge; the two older ones are gone.
    expect((await flow.deletions()).map((e) => e.key.id)).toEqual([LILO]);

    await flow.stage(backup, ['contact'], true);
    const contact = await flow.diff(backup, 'contact');
    // lilo, soft-deleted after the backup (previous test), is too recent for the job.
    expect(contact.summary.counts).toMatchObject({ deleted: 2, softDeleted: 1, changed: 0, added: 0 });
    expect(keysOf(contact.rows, 'deleted')).toEqual([...DUMP_DELETED].sort());
    // They were in EspoCRM's trash when the backup was taken, and come back there.
    expect(contact.rows.filter((r) => r.class === 'deleted').map((r) => Number(r.before?.deleted))).toEqual([1, 1]);

    const m = await flow.merge(backup, 'contact', ['--deleted', '--with-related']);
    // The history rows of those two contacts (create, reads, delete) come along; the rest of the
    // purged history is no relation of theirs and stays purged.
    expect(written(m)).toEqual({ contact: 2, account_contact: 2, entity_email_address: 1, note: 2, action_history_record: 6 });
    expect(await sums()).toEqual(pre);
    expect(await history(DUMP_DELETED)).toEqual(preHistory);

    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
    expect(await history(DUMP_DELETED)).toEqual(postHistory);
  });
});
