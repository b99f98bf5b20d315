import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { dolibarrDdlFiles, fixture, haveSchemas, loadPostgres, shared, skipNotice } from '../helpers/crm-dumps.js';
import { dolibarrDeleteThirdParty, isoSecondsAgo, keysOf, queryChecksum, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Dolibarr 22.0.4 on PostgreSQL. Dolibarr ships its DDL in MySQL syntax only; its PostgreSQL
 * driver converts every statement on the fly (DoliDBPgsql::convertSQLFromMysql) while the
 * installer runs the table files, then the key files. `dolibarrToPostgres` applies the same
 * rules (written here from their effect, not copied): AUTO_INCREMENT keys become SERIAL PRIMARY
 * KEY, tinyint smallint, datetime timestamp, double/float numeric, blobs and sized texts text,
 * `tms` a NOT NULL timestamp defaulting to now() (no ON UPDATE), `ADD [UNIQUE] INDEX` a CREATE
 * INDEX, foreign keys DEFERRABLE INITIALLY IMMEDIATE, table options dropped. As with the installer,
 * a few statements fail and are passed over (keys to llx_categorie, which is not among the 48
 * files, and an index name used twice). Dolibarr's pgsql functions.sql (tms triggers) is not in
 * the shared files and not loaded.
 *
 * The deletion: Societe::delete (22.x): the COMPANY_DELETE trigger first (the automatic event
 * AC_COMPANY_DELETE when "third party deleted" is enabled in Agenda setup), then its cascade:
 * contacts one by one, sales representatives, events (a plain DELETE), extra fields, the third
 * party.
 */

skipNotice('crm-e2e-dolibarr22');

/** One MySQL DDL statement of Dolibarr's files, as Dolibarr's PostgreSQL driver would run it. */
export function dolibarrToPostgres(statement: string): string {
  let s = statement.replace(/\s+/g, ' ').trim().replace(/;$/, '').trim();
  if (!s) return s;
  s = s.replace(/\)\s*(?:ENGINE|TYPE)\s*=\s*(?:MyISAM|innodb)\b.*$/i, ')');
  s = s.replace(
    /(\w+)\s+(big)?int(?:eger)?\b[^,]*?\bAUTO_INCREMENT\b[^,]*/i,
    (_m, col: string, big?: string) => `${col} ${big ? 'BIGSERIAL' : 'SERIAL'} PRIMARY KEY`,
  );
  s = s.replace(/\btinyint\b(?:\s*\(\d+\))?/gi, 'smallint');
  s = s.replace(/\b(\w*int\w*)\s+unsigned\b/gi, '$1');
  s = s.replace(/\b\w*blob\b/gi, 'text');
  s = s.replace(/\b(?:tiny|medium|long)text\b/gi, 'text').replace(/\btext\s*\(\d+\)/gi, 'text');
  s = s.replace(/\bdatetime\s+not\s+null\b/gi, 'timestamp').replace(/\bdatetime\b/gi, 'timestamp');
  s = s.replace(/\b(?:double|float)\b/gi, 'numeric');
  s = s.replace(/\btms\s+timestamp\b/gi, 'tms timestamp without time zone DEFAULT now() NOT NULL');
  s = s.replace(/\s*\bDEFAULT\s+CURRENT_TIMESTAMP\b/gi, '').replace(/\s*\bON\s+UPDATE\s+CURRENT_TIMESTAMP\b/gi, '');
  const index = /^ALTER TABLE (\w+) ADD (UNIQUE INDEX|INDEX|UNIQUE) (\w+) ?\(([^)]+)\)$/i.exec(s);
  if (index) return `CREATE ${/UNIQUE/i.test(index[2]) ? 'UNIQUE ' : ''}INDEX ${index[3]} ON ${index[1]} (${index[4]})`;
  s = s.replace(/^ALTER TABLE (\w+) ADD PRIMARY KEY \w+ ?\(/i, 'ALTER TABLE $1 ADD PRIMARY KEY (');
  if (/^ALTER TABLE \w+ ADD CONSTRAINT \w+ FOREIGN KEY/i.test(s)) s += ' DEFERRABLE INITIALLY IMMEDIATE';
  return s;
}

/** Runs Dolibarr's DDL through the conversion, statement by statement; returns the failures. */
async function installDolibarr(temp: TempDb): Promise<string[]> {
  const failures: string[] = [];
  for (const { file, sql } of dolibarrDdlFiles(shared('dolibarr', 'tables-22.0.4'))) {
    for (const statement of sql.split(';').map(dolibarrToPostgres).filter(Boolean)) {
      await temp.exec(statement).catch((err: Error) => failures.push(`${file}: ${err.message}`));
    }
  }
  return failures;
}

const SOC = 2;
const TABLES = [
  'llx_societe',
  'llx_societe_extrafields',
  'llx_socpeople',
  'llx_societe_contacts',
  'llx_societe_commerciaux',
  'llx_actioncomm',
  'llx_actioncomm_resources',
  'llx_element_contact',
  'llx_projet',
  'llx_user',
];

describe.skipIf(!haveSchemas)('Dolibarr 22.0.4 DDL on PostgreSQL (converted as Dolibarr does), end to end', { timeout: 900_000 }, () => {
  let temp: TempDb;
  const flow = recoveryFlow('e2e-dolibarr22', () => temp);
  let backup: string;
  let failures: string[];
  let tables: Set<string>;

  beforeAll(async () => {
    temp = await createTempDb('postgres', 'e2edoli22');
    failures = await installDolibarr(temp);
    await loadPostgres(temp, shared('dolibarr', 'data-22.0.4', 'llx_c_action_trigger.sql'), { stopOnError: true });
    await loadPostgres(temp, fixture('dolibarr', 'records-22.0.4.sql'), { stopOnError: true });
    tables = new Set((await temp.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).map((r) => r.t));
    backup = await flow.backup();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, TABLES, 'public');
  /** Everything but the agenda's record of the delete (AC_COMPANY_DELETE and its attendee row). */
  const sumsWithoutDeleteEvent = async () => ({
    ...(await sums()),
    llx_actioncomm: await queryChecksum(temp, `SELECT * FROM llx_actioncomm WHERE code IS DISTINCT FROM 'AC_COMPANY_DELETE'`),
    llx_actioncomm_resources: await queryChecksum(
      temp,
      `SELECT * FROM llx_actioncomm_resources WHERE fk_actioncomm NOT IN (SELECT id FROM llx_actioncomm WHERE code = 'AC_COMPANY_DELETE')`,
    ),
  });

  it('the converted DDL loads like the installer loads it, and is detected as Dolibarr with its declared keys', async () => {
    expect(tables.size).toBe(24);
    expect(failures).toHaveLength(3);
    expect(failures.filter((f) => /relation "llx_categorie" does not exist/.test(f))).toHaveLength(2);
    expect(failures.filter((f) => /llx_blockedlog_authority.*"signature" already exists/.test(f))).toHaveLength(1);
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('dolibarr');
    expect(report.crm.auditSources.map((a) => a.kind)).toEqual(['dolibarr-agenda', 'dolibarr-security-events', 'dolibarr-blockedlog']);
  });

  it('a third party deleted with its cascade: the AC_COMPANY_DELETE event localizes it, the backup diff gives the set, merge restores it in dependency order, undo reverses', async () => {
    const pre = await sums();
    const since = isoSecondsAgo(5);
    // Societe::delete calls the COMPANY_DELETE trigger first: with the automatic event enabled,
    // ActionsAuto writes an AC_COMPANY_DELETE event naming the third party by elementtype +
    // fk_element (a Societe object has no socid, so fk_soc stays empty and the cascade below
    // does not take the event with it). Then the cascade.
    await temp.exec(`
      INSERT INTO llx_actioncomm (ref, entity, datep, datep2, fk_action, code, datec, fk_user_author, fk_user_action, fk_soc, fk_parent, priority, fulldayevent, percent, label, note, elementtype, fk_element, status)
        VALUES ('(PROV)', 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 40, 'AC_COMPANY_DELETE', now() AT TIME ZONE 'UTC', 2, 2, NULL, 0, 0, 0, -1,
                'Third party Rescue Test SARL deleted', 'Author: jdoe', 'societe', ${SOC}, 0);
      UPDATE llx_actioncomm SET ref = id::text WHERE ref = '(PROV)';
      INSERT INTO llx_actioncomm_resources (fk_actioncomm, element_type, fk_element, transparency)
        SELECT id, 'user', 2, 1 FROM llx_actioncomm WHERE code = 'AC_COMPANY_DELETE';`);
    await dolibarrDeleteThirdParty(temp, SOC, 22, (t) => tables.has(t));
    const post = await sums();

    const incidents = await flow.incidents(['--since', since]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ actors: [{ id: '2', name: 'jdoe' }], rows: { total: 1, hard: 1, soft: 0 }, sources: ['dolibarr-agenda'] });
    expect(incidents[0].tables).toEqual([{ schema: 'public', table: 'llx_societe', hard: 1, soft: 0 }]);
    expect(incidents[0].backupBefore?.id).toBe(backup);
    const [event] = await flow.deletions(['--since', since]);
    expect(event).toMatchObject({
      table: 'llx_societe',
      key: { rowid: String(SOC) },
      kind: 'hard',
      source: 'dolibarr-agenda',
      details: 'Third party Rescue Test SARL deleted',
    });

    await flow.stage(backup, ['llx_societe', 'llx_socpeople', 'llx_actioncomm'], true);
    const d = Object.fromEntries(
      await Promise.all(
        [
          'llx_societe',
          'llx_societe_extrafields',
          'llx_socpeople',
          'llx_societe_contacts',
          'llx_societe_commerciaux',
          'llx_actioncomm',
          'llx_actioncomm_resources',
          'llx_element_contact',
        ].map(async (t) => [t, await flow.diff(backup, t)] as const),
      ),
    );
    expect(keysOf(d.llx_societe.rows, 'deleted')).toEqual([String(SOC)]);
    expect(keysOf(d.llx_societe_extrafields.rows, 'deleted')).toEqual(['1']);
    expect(keysOf(d.llx_socpeople.rows, 'deleted')).toEqual(['1', '2']);
    expect(keysOf(d.llx_societe_contacts.rows, 'deleted')).toEqual(['1']);
    expect(keysOf(d.llx_societe_commerciaux.rows, 'deleted')).toEqual(['1', '2']);
    expect(keysOf(d.llx_actioncomm.rows, 'deleted')).toEqual(['2', '3', '4']);
    expect(keysOf(d.llx_actioncomm.rows, 'added')).toHaveLength(1); // the AC_COMPANY_DELETE event
    // The events went with a plain DELETE: their attendee rows stayed behind.
    expect(d.llx_actioncomm_resources.summary.counts).toMatchObject({ deleted: 0, added: 1 });
    expect(keysOf(d.llx_element_contact.rows, 'deleted')).toEqual(['1']);

    const m = await flow.merge(backup, 'llx_societe', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({
      llx_societe: 1,
      llx_societe_extrafields: 1,
      llx_socpeople: 2,
      llx_societe_contacts: 1,
      llx_societe_commerciaux: 2,
      llx_actioncomm: 3,
      llx_element_contact: 1,
    });
    // Declared keys (llx_socpeople.fk_soc, llx_societe_contacts.fk_socpeople, …) put parents first.
    const order = m.tables.map((t) => t.name);
    expect(order.indexOf('llx_societe')).toBeLessThan(order.indexOf('llx_socpeople'));
    expect(order.indexOf('llx_socpeople')).toBeLessThan(order.indexOf('llx_societe_contacts'));
    expect(await sumsWithoutDeleteEvent()).toEqual(pre);
    // The sequences moved past the restored keys: Dolibarr's next contact gets a fresh rowid.
    const [{ id }] = await temp.query<{ id: number }>(
      `INSERT INTO llx_socpeople (lastname, entity, statut, fk_user_creat) VALUES ('New', 1, 1, 1) RETURNING rowid AS id`,
    );
    expect(Number(id)).toBe(4);
    await temp.exec(`DELETE FROM llx_socpeople WHERE rowid = ${id}`);

    expect((await flow.undo(m.mergeId)).state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
