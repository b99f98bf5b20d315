import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { refreshStatistics } from '../../src/merge/statistics.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { freezeStatistics, statRows } from '../helpers/statistics.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const schemaOf = (engine: TestEngine, live: TempDb) => (engine === 'postgres' ? 'public' : live.name);

describe.each(engines)('%s statistics after a write', (engine) => {
  let live: TempDb;
  let db: Db;

  beforeEach(async () => {
    live = await createTempDb(engine, 'stats');
    await live.exec(`CREATE TABLE items (id int PRIMARY KEY, label varchar(40))`);
    db = await openDb(completeTarget(parseTargetUrl(live.url)), { readOnly: false, interactive: false });
  });
  afterEach(async () => {
    await db?.close();
    await live?.drop();
  });

  const insertRange = async (from: number, to: number) => {
    const values = Array.from({ length: to - from + 1 }, (_, i) => `(${from + i}, 'item ${from + i}')`);
    for (let i = 0; i < values.length; i += 500) await live.exec(`INSERT INTO items (id, label) VALUES ${values.slice(i, i + 500).join(', ')}`);
  };

  it('brings the row estimate back to the live count after rows come back', async () => {
    await insertRange(1, 2000);
    await live.exec(`DELETE FROM items WHERE id > 500`);
    await freezeStatistics(live, 'items');
    expect(await statRows(live, 'items')).toBe(500);
    // The rows come back; the estimate still says 500 until someone analyzes.
    await insertRange(501, 2000);
    expect(await statRows(live, 'items')).toBe(500);

    const notes = await refreshStatistics(db, db.dialect, [{ schema: schemaOf(engine, live), name: 'items' }]);
    expect(notes).toEqual([]);
    const n = await statRows(live, 'items');
    // Exact for a table this small on both engines; a band keeps InnoDB's sampling honest.
    expect(n).toBeGreaterThanOrEqual(1800);
    expect(n).toBeLessThanOrEqual(2200);
  });

  it('a table that cannot be analyzed is a note, not a failure, and the others are still refreshed', async () => {
    await insertRange(1, 300);
    await freezeStatistics(live, 'items');
    await insertRange(301, 600);
    const schema = schemaOf(engine, live);
    const notes = await refreshStatistics(db, db.dialect, [
      { schema, name: 'no_such_table' },
      { schema, name: 'items' },
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(new RegExp(`^statistics of ${schema}\\.no_such_table not refreshed: .*(exist|not found)`, 'i'));
    expect(await statRows(live, 'items')).toBe(600);
  });
});
