import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { readStaging } from '../../src/stage/namespace.js';
import type { RowSource, SourceTable, TableDefinition } from '../../src/stage/row-source.js';
import { stageFromSource } from '../../src/stage/stage-rows.js';
import { engines } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const DEFINITION: TableDefinition = {
  columns: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'Name "quoted"', type: 'varchar(20)', nullable: true },
    { name: 'note', type: 'text', nullable: true },
  ],
  primaryKey: ['id'],
  uniqueKeys: [['Name "quoted"']],
};

/** A source of generated rows: what a decoder of another tool's dump, or of a log, would give. */
function memorySource(database: string, rowCount: number, failAt?: number): { source: RowSource; table: SourceTable } {
  const table: SourceTable = {
    schema: database,
    name: 'people',
    live: { schema: database, name: 'people' },
    bytes: null,
    definition: () => Promise.resolve(DEFINITION),
    async *rows() {
      for (let i = 1; i <= rowCount; i++) {
        if (i === failAt) throw new Error('the source broke off');
        yield [i, `n${i}`, i % 3 ? `note ${i} 'q' \\ ü` : null];
        if (i % 500 === 0) await new Promise((r) => setImmediate(r));
      }
    },
  };
  const source: RowSource = {
    id: 'test-memory-source',
    database,
    about: { description: 'generated rows', takenAt: null, coversUntil: null },
    find: () => Promise.resolve([table]),
    forLive: () => table,
  };
  return { source, table };
}

describe.each(engines)('%s stage from a row source without a load of its own', (engine) => {
  let live: TempDb;
  let db: Db;
  let ns = '';

  beforeAll(async () => {
    live = await createTempDb(engine, 'rowsource');
    db = await openDb(completeTarget(parseTargetUrl(live.url)), { readOnly: false, interactive: false });
  });
  afterAll(async () => {
    if (ns) await db.query(db.dialect.dropNamespace(ns)).catch(() => undefined);
    await db?.close();
    await live?.drop();
  });

  const tablesOf = async () => (await db.dialect.tablesIn(db, [ns])).map((t) => t.table).sort();

  it('creates the table from the definition, streams the rows in batches, adds the keys and records it', async () => {
    const { source, table } = memorySource(db.dialect.defaultSchema(db.target.database), 2_345);
    const res = await stageFromSource(db, source, [table]);
    ns = res.namespace;
    expect(res.tables.map((t) => [t.name, t.stagedAs, t.rows])).toEqual([['people', 'people', 2_345]]);
    const staging = await readStaging(db, db.dialect, ns);
    expect(staging?.backupId).toBe('test-memory-source');
    expect(staging?.tables.map((t) => [t.name, t.rows])).toEqual([['people', 2_345]]);
    const snap = await db.dialect.introspect(db, { schemas: [ns], includeInternal: true });
    const staged = snap.tables.find((t) => t.name === 'people')!;
    expect(staged.primaryKey?.columns).toEqual(['id']);
    expect(staged.uniqueKeys.map((k) => k.columns)).toEqual([['Name "quoted"']]);
    const q = db.dialect.quoteQualified(ns, 'people');
    const [row] = await db.query<{ note: string }>(`SELECT note FROM ${q} WHERE id = 2`);
    expect(row.note).toBe("note 2 'q' \\ ü");
    expect(await tablesOf()).toEqual(['_crm_rescue_staging', 'people']);
  });

  it('a source that breaks off leaves the earlier copy and its record intact, and no half-built table', async () => {
    const { source, table } = memorySource(db.dialect.defaultSchema(db.target.database), 5_000, 1_700);
    await expect(stageFromSource(db, source, [table])).rejects.toThrow('the source broke off');
    const staging = await readStaging(db, db.dialect, ns);
    expect(staging?.tables.map((t) => [t.name, t.rows])).toEqual([['people', 2_345]]);
    expect(await tablesOf()).toEqual(['_crm_rescue_staging', 'people']);
  });

  it('restaging swaps the new copy in and removes the old one', async () => {
    const { source, table } = memorySource(db.dialect.defaultSchema(db.target.database), 10);
    const res = await stageFromSource(db, source, [table]);
    expect(res.tables[0].rows).toBe(10);
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${db.dialect.quoteQualified(ns, 'people')}`);
    expect(Number(n)).toBe(10);
    expect(await tablesOf()).toEqual(['_crm_rescue_staging', 'people']);
  });
});
