import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/backup/catalog.js';
import { listExternal } from '../../src/external/store.js';
import { toItem } from '../../src/recovery/backups.js';
import { withExternalBackups } from '../../src/tui/services-external.js';
import type { BackupServices } from '../../src/tui/services.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * The console's import (services-external.ts) over real dumps: pg_dump and mysqldump files made
 * by the tools, a catalog in a temporary folder. What the Backups screen and the wizard call:
 * import (all or none, the other engine refused), scan, the list and details with the record.
 */
let dir: string;
let catalog: string;
let pgDb: TempDb;
let myDb: TempDb;
let backups: BackupServices;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crs-console-import-'));
  catalog = join(dir, 'catalog');
  mkdirSync(join(dir, 'dumps', 'nightly'), { recursive: true });
  pgDb = await createTempDb('postgres', 'cimport');
  myDb = await createTempDb('mysql', 'cimport');
  await pgDb.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name text); INSERT INTO contacts SELECT g, 'c' || g FROM generate_series(1, 50) g;`);
  await myDb.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name text); INSERT INTO contacts VALUES (1, 'a');`);
  writeFileSync(join(dir, 'dumps', 'nightly', 'crm.dump'), sh('pg_dump', ['-h', '127.0.0.1', '-U', 'root', '-d', pgDb.name, '-Fc']));
  writeFileSync(join(dir, 'dumps', 'plain.sql'), sh('pg_dump', ['-h', '127.0.0.1', '-U', 'root', '-d', pgDb.name]));
  writeFileSync(join(dir, 'dumps', 'my.sql'), sh('mysqldump', ['-h', '127.0.0.1', '-uroot', myDb.name]));
  writeFileSync(join(dir, 'dumps', 'notes.txt'), 'remember to rotate the backups\n');
  const base: BackupServices = {
    list: async () => (await listBackups(catalog, { targetKey: `postgres://127.0.0.1:5432/${pgDb.name}`, database: pgDb.name })).map(toItem),
    detail: async (id) => {
      throw new Error(`no manifest for ${id}`);
    },
    run: async () => {
      throw new Error('not here');
    },
    verify: async (id) => ({ id, ok: true, filesChecked: 0, bytesChecked: 0, problems: [] }),
  };
  backups = withExternalBackups(base, { engine: 'postgres', catalog: () => catalog });
}, 120_000);

afterAll(async () => {
  await pgDb?.drop();
  await myDb?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the console import over real dumps', () => {
  it('tells folders from files, and scans a folder newest first with what each dump is', async () => {
    expect(await backups.isFolder!(join(dir, 'dumps'))).toBe(true);
    expect(await backups.isFolder!(join(dir, 'dumps', 'my.sql'))).toBe(false);
    expect(await backups.isFolder!(join(dir, 'nope'))).toBe(false);
    const found = await backups.scanFolder!(join(dir, 'dumps'));
    expect(found.map((f) => f.path.slice(dir.length + 1)).sort()).toEqual(['dumps/my.sql', 'dumps/nightly/crm.dump', 'dumps/plain.sql']);
    const custom = found.find((f) => f.path.endsWith('crm.dump'))!;
    expect(custom).toMatchObject({ engine: 'postgres', format: 'pg-custom', database: pgDb.name });
    expect(found.find((f) => f.path.endsWith('my.sql'))).toMatchObject({ engine: 'mysql', format: 'mysqldump' });
    for (let i = 1; i < found.length; i++) expect(Date.parse(found[i - 1].modifiedAt)).toBeGreaterThanOrEqual(Date.parse(found[i].modifiedAt));
  });

  it('imports a file by reference: listed marked external, with its record in the details', async () => {
    const path = join(dir, 'dumps', 'nightly', 'crm.dump');
    const [r] = await backups.importPaths!([path]);
    expect(r.existing).toBe(false);
    const e = r.item.external;
    expect(e).toMatchObject({ path, format: 'pg-custom', compression: 'none', databases: [pgDb.name], takenAtSource: 'archive-header', changed: null });
    expect(e.files[0].sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    const listed = (await backups.list()).find((b) => b.id === r.item.id);
    expect(listed?.external?.path).toBe(path);
    expect(listed?.usable).toBe(true);
    const detail = await backups.detail(r.item.id);
    expect(detail.external?.path).toBe(path);
    expect(detail.tableList.map((t) => t.id)).toContain('public.contacts');
    // The same bytes again: the earlier record.
    const [again] = await backups.importPaths!([path]);
    expect(again).toMatchObject({ existing: true, item: { id: r.item.id } });
  });

  it('refuses a dump of the other engine, or a file that is not a dump, and keeps nothing of the batch', async () => {
    const before = (await listExternal(catalog)).length;
    await expect(backups.importPaths!([join(dir, 'dumps', 'my.sql')])).rejects.toThrow(/is a MySQL\/MariaDB dump; this console's target is PostgreSQL/);
    await expect(backups.importPaths!([join(dir, 'dumps', 'plain.sql'), join(dir, 'dumps', 'notes.txt')])).rejects.toThrow(/notes\.txt is not a database dump/);
    expect((await listExternal(catalog)).length).toBe(before);
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(backups.importPaths!([join(dir, 'dumps', 'plain.sql')], { signal: cancelled.signal })).rejects.toThrow();
    expect((await listExternal(catalog)).length).toBe(before);
  });

  it('a dump changed since its import is listed unusable, saying what changed', async () => {
    const path = join(dir, 'dumps', 'plain.sql');
    const [r] = await backups.importPaths!([path]);
    appendFileSync(path, '-- appended later\n');
    const listed = (await backups.list()).find((b) => b.id === r.item.id)!;
    expect(listed.usable).toBe(false);
    expect(listed.external?.changed).toMatch(/plain\.sql changed since it was imported/);
  });
});
