import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { recoveryServices } from '../../src/tui/services-recovery.js';
import { engines } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

describe.each(engines)('noBackupSources on %s', (engine) => {
  let temp: TempDb;
  let db: Db;
  beforeAll(async () => {
    temp = await createTempDb(engine, 'nbsrc');
    await temp.exec('CREATE TABLE contacts (id int PRIMARY KEY, name varchar(20))');
    await temp.exec("INSERT INTO contacts VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    await temp.exec('DELETE FROM contacts WHERE id < 3');
    // Reading dead tuples needs pageinspect (or pg_dirtyread): in this test's own database, where the server has it.
    if (engine === 'postgres') await temp.exec('CREATE EXTENSION IF NOT EXISTS pageinspect').catch(() => undefined);
    db = await openDb(parseTargetUrl(temp.url), { interactive: false, readOnly: true });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  it("lists both sources, the engine's own looked at (available, or why not), the other not kept by this server", async () => {
    // A window wide enough for any server clock: what is asserted does not depend on it.
    const list = await recoveryServices(db).noBackupSources({ tables: ['contacts', 'gone'], since: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' });
    expect(list.map((s) => s.ref)).toEqual(['binlog', 'dead-tuples']);
    const own = list.find((s) => s.ref === (engine === 'postgres' ? 'dead-tuples' : 'binlog'))!;
    const other = list.find((s) => s !== own)!;
    expect(other).toMatchObject({ available: false });
    expect(other.reason).toMatch(/not kept by this .* server/);
    expect(own.summary.length).toBeGreaterThan(0);
    if (own.available) {
      expect(own.reason).toBeNull();
      if (engine === 'postgres') expect(own.summary).toMatch(/of contacts still on disk/);
      else expect(own.summary).toMatch(/^on, /);
    } else expect(own.reason).toBeTruthy();
  });
});
