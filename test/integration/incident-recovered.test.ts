import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTriggerAudit } from '../../src/audit/index.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { TableInfo } from '../../src/dialect/model.js';
import { prepareMerge } from '../../src/merge/engine.js';
import type { MergeRequest, Selection } from '../../src/merge/model.js';
import { undoMerge } from '../../src/merge/undo.js';
import { auditServices } from '../../src/recovery/audit.js';
import { engines } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const ROWS = Array.from({ length: 30 }, (_, i) => `(${i + 1}, 'item ${i + 1}')`).join(', ');

describe.each(engines)('%s incidents recovered by a merge', (engine) => {
  let live: TempDb;
  let stageDb: TempDb | undefined;
  let stagingNs: string;
  let db: Db;

  beforeEach(async () => {
    live = await createTempDb(engine, 'recovered');
    const ddl = `CREATE TABLE items (id int PRIMARY KEY, label varchar(40))`;
    if (engine === 'postgres') {
      stagingNs = 'crm_rescue_stage_test';
      await live.exec(`CREATE SCHEMA ${stagingNs}`);
      await live.exec(`SET search_path = ${stagingNs}; ${ddl}; INSERT INTO items VALUES ${ROWS}`);
    } else {
      stageDb = await createTempDb('mysql', 'recoveredstage');
      stagingNs = stageDb.name;
      await stageDb.exec(`${ddl}`);
      await stageDb.exec(`INSERT INTO items VALUES ${ROWS}`);
    }
    await live.exec(ddl);
    await live.exec(`INSERT INTO items VALUES ${ROWS}`);
    db = await openDb(completeTarget(parseTargetUrl(live.url)), { readOnly: false, interactive: false });
    await installTriggerAudit(db, { tables: ['items'] });
    // The incident: 25 rows deleted by one user in one statement.
    await live.exec(`DELETE FROM items WHERE id <= 25`);
  });
  afterEach(async () => {
    await db?.close();
    await live?.drop();
    await stageDb?.drop();
  });

  const request = async (selections: Selection[]): Promise<MergeRequest> => {
    const snap = await db.dialect.introspect(db, engine === 'postgres' ? { schemas: ['public', stagingNs], includeInternal: true } : {});
    const liveItems = snap.tables.find((t) => t.name === 'items' && t.schema === (engine === 'postgres' ? 'public' : live.name)) as TableInfo;
    return {
      backupId: 'test-backup',
      root: { live: liveItems, staged: { ...liveItems, schema: stagingNs }, key: ['id'] },
      selections,
      related: [],
      relations: [],
      withRelated: false,
      policy: 'abort',
      erasureHashes: [],
    };
  };
  const merge = async (selections: Selection[]) => {
    const session = await prepareMerge(db, await request(selections), { stagingNs });
    try {
      return await session.execute(true);
    } finally {
      await session.close();
    }
  };
  const incidents = () => auditServices(db, { ...process.env, CRM_RESCUE_HOME: '/nonexistent-crm-rescue-home' }).incidents();

  it('an incident whose rows a merge brought back is marked with the merge; undo takes the mark away', async () => {
    const [before] = await incidents();
    expect(before.rows.total).toBe(25);
    expect(before.recovered).toBeUndefined();

    const r = await merge([{ kind: 'deleted' }]);
    expect(r.totals.inserted).toBe(25);
    const [after] = await incidents();
    expect(after.id).toBe(before.id);
    expect(after.recovered).toEqual({ extent: 'all', mergeIds: [r.mergeId], rows: 25, of: 25, mark: `recovered by ${r.mergeId}` });

    await undoMerge(db, r.mergeId);
    // The undo's own deletes are logged too (an incident of their own, or part of this one).
    const all = await incidents();
    const undone = all.find((i) => i.id === before.id);
    expect(undone).toBeDefined();
    expect(all.filter((i) => i.recovered)).toEqual([]);
  });

  it('a merge of some of the rows marks the incident partly recovered', async () => {
    const r = await merge([{ kind: 'keys', keys: [{ id: 3 }, { id: 4 }, { id: 5 }] }]);
    expect(r.totals.inserted).toBe(3);
    const [i] = await incidents();
    expect(i.recovered).toEqual({ extent: 'some', mergeIds: [r.mergeId], rows: 3, of: 25, mark: `partly recovered by ${r.mergeId} (3 of 25 rows)` });
  });
});
