import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { fixture, loadPostgres } from '../helpers/crm-dumps.js';
import { isoSecondsAgo, keysOf, queryChecksum, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Twenty (PostgreSQL), on our own workspace fixture (test/fixtures/twenty/workspace.sql: Twenty
 * publishes no SQL schema). A company and its people are soft-deleted the way Twenty does it
 * (TypeORM softDelete: "deletedAt" and "updatedAt" set, one `<object>.deleted` timeline activity
 * each, holding the record), found in the timeline and restored; then destroyed from the trash
 * (hard DELETE: noteTarget, taskTarget and timelineActivity rows cascade away, opportunity links
 * are set to NULL) and restored from a backup.
 */

const WS = 'workspace_1wgvd1injqtife6y4rvfbu3h5';
const ALICE = '20202020-0687-4c41-b707-ed1bfca972a7';
const ACME = '20202020-3ec3-4fe3-8997-b76aa0bfa408';
const CHLOE = '20202020-ac73-4797-824e-87a1f5aea9e0';
const MARC = '20202020-7b1c-4e0a-9d55-3f1e2a6c8b90';
const OPPORTUNITY = '20202020-be10-412b-a663-16bd3c2228e1';
const TABLES = ['company', 'person', 'opportunity', 'note', 'noteTarget', 'task', 'taskTarget', 'timelineActivity', 'workspaceMember'];
const q = (s: string) => `"${WS}"."${s}"`;

describe('Twenty workspace (PostgreSQL), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-twenty', () => temp);
  let backup: string;
  let original: Record<string, string>;

  beforeAll(async () => {
    temp = await createTempDb('postgres', 'e2etwenty');
    await loadPostgres(temp, fixture('twenty', 'workspace.sql'), { stopOnError: true });
    // A second person at Acme, with the timeline activity Twenty writes on creation.
    await temp.exec(`
      INSERT INTO ${q('person')} ("id", "nameFirstName", "nameLastName", "emailsPrimaryEmail", "jobTitle", "city", "createdByWorkspaceMemberId", "createdByName", "companyId", "createdAt", "updatedAt")
        VALUES ('${MARC}', 'Marc', 'Durand', 'marc@acme.example.test', 'Engineer', 'Lyon', '${ALICE}', 'Alice Martin', '${ACME}', '2025-01-10 08:00:00+00', '2025-01-10 08:00:00+00');
      INSERT INTO ${q('timelineActivity')} ("happensAt", "name", "properties", "workspaceMemberId", "personId")
        VALUES ('2025-01-10 08:00:00+00', 'person.created', '{"after": {"id": "${MARC}", "name": {"firstName": "Marc", "lastName": "Durand"}}}', '${ALICE}', '${MARC}');`);
    backup = await flow.backup();
    original = await sums();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, TABLES, WS);
  /** Everything but the timeline activities written since `since` (Twenty's own record of the incident). */
  const sumsBefore = async (since: string) => ({
    ...(await sums()),
    timelineActivity: await queryChecksum(temp, `SELECT * FROM ${q('timelineActivity')} WHERE "happensAt" < '${since}'`),
  });

  it('is detected as Twenty, with the timeline as audit source', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('twenty');
    expect(report.crm.auditSources.map((a) => a.kind)).toEqual(['twenty-timeline']);
  });

  it('soft delete of a company and its people: found in the timeline, classed soft-deleted, restored with --with-related, undone', async () => {
    const since = isoSecondsAgo(5);
    // Twenty: one timeline activity per record (properties.before = the record), then softDelete.
    await temp.exec(`
      INSERT INTO ${q('timelineActivity')} ("happensAt", "name", "properties", "linkedRecordCachedName", "workspaceMemberId", "companyId")
        SELECT now(), 'company.deleted', jsonb_build_object('before', to_jsonb(c)), c."name", '${ALICE}', c."id" FROM ${q('company')} c WHERE c."id" = '${ACME}';
      INSERT INTO ${q('timelineActivity')} ("happensAt", "name", "properties", "linkedRecordCachedName", "workspaceMemberId", "personId")
        SELECT now(), 'person.deleted', jsonb_build_object('before', to_jsonb(p)), p."nameFirstName" || ' ' || p."nameLastName", '${ALICE}', p."id" FROM ${q('person')} p WHERE p."companyId" = '${ACME}';
      UPDATE ${q('person')} SET "deletedAt" = now(), "updatedAt" = now() WHERE "companyId" = '${ACME}';
      UPDATE ${q('company')} SET "deletedAt" = now(), "updatedAt" = now() WHERE "id" = '${ACME}';`);
    const post = await sums();

    const incidents = await flow.incidents(['--since', since]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].sources).toEqual(['twenty-timeline']);
    expect(incidents[0].actors).toEqual([{ id: ALICE, name: 'alice@example.test' }]);
    expect(incidents[0].tables.map((t) => [t.table, t.soft, t.hard])).toEqual([
      ['person', 2, 0],
      ['company', 1, 0],
    ]);
    expect(incidents[0].backupBefore?.id).toBe(backup);
    const events = await flow.deletions(['--since', since]);
    expect(events.map((e) => [e.table, e.key.id]).sort()).toEqual(
      [
        ['company', ACME],
        ['person', CHLOE],
        ['person', MARC],
      ].sort(),
    );
    expect(events.find((e) => e.table === 'company')?.image).toMatchObject({ id: ACME, name: 'Acme Tools', deletedAt: null });

    const company = await flow.diff(backup, 'company');
    expect(company.summary.softDelete).toEqual({ column: 'deletedAt', kind: 'timestamp' });
    expect(company.summary.counts).toMatchObject({ deleted: 0, softDeleted: 1, changed: 0, added: 0 });
    expect(keysOf(company.rows, 'soft-deleted')).toEqual([ACME]);
    expect(company.rows[0].changedColumns?.sort()).toEqual(['deletedAt', 'updatedAt']);
    const person = await flow.diff(backup, 'person');
    expect(person.summary.counts).toMatchObject({ deleted: 0, softDeleted: 2, changed: 0 });

    // The people come along: rows of a related table flagged deleted since the backup, under a
    // company being brought back.
    const m = await flow.merge(backup, 'company', ['--soft-deleted', '--with-related']);
    expect(written(m)).toEqual({ company: 1, person: 2 });
    expect(m.totals).toEqual({ inserted: 0, updated: 3, skipped: 0 });
    expect(await sumsBefore(since)).toEqual(original);
    const u = await flow.undo(m.mergeId);
    expect(u.state).toBe('undone');
    expect(await sums()).toEqual(post);
  });

  it('destroy from the trash (hard DELETE with cascades): no trace left in the timeline, the backup diff finds it, merge restores it all, undo reverses', async () => {
    // Twenty destroys trashed records with a real DELETE; the foreign keys do the rest.
    await temp.exec(`
      DELETE FROM ${q('person')} WHERE "companyId" = '${ACME}' AND "deletedAt" IS NOT NULL;
      DELETE FROM ${q('company')} WHERE "id" = '${ACME}' AND "deletedAt" IS NOT NULL;`);
    const post = await sums();
    const [opp] = await temp.query<{ companyId: string | null; pointOfContactId: string | null }>(
      `SELECT "companyId", "pointOfContactId" FROM ${q('opportunity')} WHERE id = '${OPPORTUNITY}'`,
    );
    expect(opp).toEqual({ companyId: null, pointOfContactId: null });

    // The timeline rows of the company and its people cascaded away, the delete events too.
    expect((await flow.deletions(['--table', 'company'])).map((e) => e.key.id)).not.toContain(ACME);
    expect(await flow.incidents(['--since', isoSecondsAgo(3600)])).toEqual([]);

    const diffs = Object.fromEntries(
      await Promise.all(['company', 'person', 'noteTarget', 'timelineActivity', 'opportunity'].map(async (t) => [t, await flow.diff(backup, t)] as const)),
    );
    expect(keysOf(diffs.company.rows, 'deleted')).toEqual([ACME]);
    expect(keysOf(diffs.person.rows, 'deleted')).toEqual([CHLOE, MARC].sort());
    expect(diffs.noteTarget.summary.counts).toMatchObject({ deleted: 2, added: 0 });
    expect(diffs.timelineActivity.summary.counts).toMatchObject({ deleted: 3, added: 0 });
    expect(keysOf(diffs.opportunity.rows, 'changed')).toEqual([OPPORTUNITY]);
    expect(diffs.opportunity.rows[0].changedColumns?.sort()).toEqual(['companyId', 'pointOfContactId']);

    const m = await flow.merge(backup, 'company', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({ company: 1, person: 2, noteTarget: 2, timelineActivity: 3 });
    const order = m.tables.map((t) => t.name);
    expect(order.indexOf('company')).toBeLessThan(order.indexOf('person'));
    // ON DELETE SET NULL cut the opportunity's links: they are changes, put back by a second merge.
    const links = await flow.merge(backup, 'opportunity', ['--changed', '--columns', 'companyId,pointOfContactId']);
    expect(written(links)).toEqual({ opportunity: 1 });
    expect(await sums()).toEqual(original);

    expect((await flow.undo(links.mergeId)).state).toBe('undone');
    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
