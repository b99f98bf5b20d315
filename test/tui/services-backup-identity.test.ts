import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { diffServices } from '../../src/recovery/diff.js';
import { mergeServices } from '../../src/recovery/merges.js';
import { stageServices } from '../../src/recovery/stage.js';
import { tableChecksum } from '../helpers/checksum.js';
import { backupId, makeSandbox } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/** Issue #14, item 1, in the console: its stage, diff and merge services take only the target's own backups. */
describe.each(engines)("%s console services refuse another database's backup", (engine: TestEngine) => {
  const sb = makeSandbox(`svcid-${engine}`);
  const env = { ...process.env, ...sb.env };
  let prod: TempDb;
  let copy: TempDb;
  let db: Db;
  let prodId: string;
  let copyId: string;

  beforeAll(async () => {
    prod = await createTempDb(engine, 'svcidprod');
    copy = await createTempDb(engine, 'svcidcopy');
    for (const [t, n] of [
      [prod, 3],
      [copy, 6],
    ] as const) {
      await t.exec('CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40) NOT NULL)');
      await t.exec(`INSERT INTO contacts VALUES ${Array.from({ length: n }, (_, i) => `(${i + 1}, 'row ${i + 1}')`).join(', ')}`);
    }
    prodId = await backupId(sb.run, prod.url);
    copyId = await backupId(sb.run, copy.url);
    db = await openDb(parseTargetUrl(prod.url), { interactive: false });
  }, 300_000);
  afterAll(async () => {
    await db?.close();
    await prod?.drop();
    await copy?.drop();
    sb.cleanup();
  });

  it('stage, diff and merge plans from the copy are refused; live is untouched; the own backup stages', async () => {
    const before = await tableChecksum(prod, 'contacts');
    const stage = stageServices(db, () => db.dialect.introspect(db), env);
    const refused = /is not a backup of/;
    await expect(stage.backupTables(copyId)).rejects.toThrow(refused);
    await expect(stage.run({ backupId: copyId, tables: ['public.contacts'], withRelated: false })).rejects.toThrow(refused);
    await expect(diffServices(db, env).open({ backupId: copyId, tables: ['contacts'] })).rejects.toThrow(refused);
    await expect(
      mergeServices(db, env).plan({ backupId: copyId, selections: [{ table: 'contacts', classes: ['deleted'], keys: [] }], policy: 'abort' }),
    ).rejects.toThrow(refused);
    expect(await tableChecksum(prod, 'contacts')).toBe(before);
    expect((await stage.list()).map((s) => s.backupId)).not.toContain(copyId);
    const own = await stage.backupTables(prodId);
    expect(own.map((t) => t.name)).toEqual(['contacts']);
  });
});
