import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { dropStaging, listStagings } from '../../src/stage/namespace.js';
import { backupId, makeSandbox } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * A staging namespace dropped by another session between the listing of namespaces and the read
 * of its marker is gone, not an error: `staging list`, `staging drop --all` and the console list
 * the others. The drop is made to land exactly in that gap, on the real server.
 */
describe.each(engines)('%s: listing stagings while one is dropped', (engine: TestEngine) => {
  const sb = makeSandbox(`stlrace-${engine}`);
  let temp: TempDb;
  let db: Db;
  let id: string;
  const stage = async () => {
    const s = await sb.run(['stage', '--url', temp.url, '--backup', id, '--table', 'contacts', '--json']);
    expect(s.code, s.stderr).toBe(0);
  };

  beforeAll(async () => {
    temp = await createTempDb(engine, 'stlrace');
    await temp.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40))`);
    await temp.exec(`INSERT INTO contacts VALUES (1, 'a'), (2, 'b')`);
    id = await backupId(sb.run, temp.url);
    db = await openDb(parseTargetUrl(temp.url), { interactive: false, readOnly: false });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
    sb.cleanup();
  });

  it('a namespace that vanishes between listing and reading its marker is skipped', async () => {
    await stage();
    const before = await listStagings(db);
    expect(before).toHaveLength(1);
    const ns = before[0].namespace;
    let dropped = false;
    // Every statement goes to the real server; the marker's SELECT is preceded by the drop.
    const racing = Object.create(db) as Db;
    racing.query = async <T>(sqlText: string, params?: readonly unknown[]): Promise<T[]> => {
      if (!dropped && /^select/i.test(sqlText) && sqlText.includes('_crm_rescue_staging') && sqlText.includes(ns)) {
        dropped = true;
        await temp.exec(db.dialect.dropNamespace(ns)); // another session
      }
      return db.query<T>(sqlText, params);
    };
    expect(await listStagings(racing)).toEqual([]);
    expect(dropped).toBe(true);
  });

  it('staging drop of a namespace another session dropped after the listing says it is gone already', async () => {
    await stage();
    const [listed] = await listStagings(db);
    await temp.exec(db.dialect.dropNamespace(listed.namespace)); // another session
    expect(await dropStaging(db, listed.namespace)).toBe(false);
    await stage();
    const [again] = await listStagings(db);
    expect(await dropStaging(db, again.namespace)).toBe(true);
    expect(await listStagings(db)).toEqual([]);
  });
});
