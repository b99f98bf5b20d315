import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findBackup, listBackups } from '../../src/backup/catalog.js';
import { parseBackupId } from '../../src/backup/id.js';
import { pruneBackups } from '../../src/backup/prune.js';
import { targetKey } from '../../src/backup/target-key.js';
import { checkUnchanged, hashOnce, withTakenAt } from '../../src/external/import.js';
import type { DumpIndex, ExternalBackupRecord } from '../../src/external/model.js';
import {
  externalDir,
  findBySha256,
  findExternal,
  listExternal,
  newExternalId,
  newRecord,
  readExternal,
  removeExternal,
  saveExternal,
} from '../../src/external/store.js';
import { closest, matchTable } from '../../src/stage/sources/external-dump.js';

let dir: string;
let catalog: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crm-rescue-external-'));
  catalog = join(dir, 'catalog');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function index(over: Partial<DumpIndex> = {}): DumpIndex {
  return {
    engine: 'postgres',
    format: 'pg-custom',
    wrapper: null,
    compression: 'none',
    location: { path: join(dir, 'crm.dump'), members: [] },
    databases: ['crm'],
    tables: [
      { schema: 'public', name: 'contacts', database: 'crm', bytes: 100, rows: 3, hasDefinition: true, hasData: true },
      { schema: 'public', name: 'companies', database: 'crm', bytes: 50, rows: 2, hasDefinition: true, hasData: true },
    ],
    takenAt: '2026-11-20T03:00:00.000Z',
    takenAtSource: 'archive-header',
    tool: 'pg_dump 15.19',
    serverVersion: '15.19',
    ...over,
  };
}

async function record(over: Partial<DumpIndex> = {}, content = 'PGDMP fake'): Promise<ExternalBackupRecord> {
  const ix = index(over);
  await writeFile(ix.location.path, content);
  const file = await hashOnce(ix.location.path);
  return newRecord(newExternalId(ix), '2026-11-21T10:00:00.000Z', [file], false, ix);
}

describe('external backup records', () => {
  it('round-trips through the catalog, private and atomic', async () => {
    const r = await record();
    await saveExternal(catalog, r);
    expect(await readExternal(catalog, r.id)).toEqual(r);
    const names = await readdir(externalDir(catalog));
    expect(names).toEqual([`${r.id}.json`]);
    expect((await stat(join(externalDir(catalog), names[0]))).mode & 0o777).toBe(0o600);
    expect((await stat(externalDir(catalog))).mode & 0o777).toBe(0o700);
  });

  it('has an id shaped like a catalog backup, named after the time taken and the database', async () => {
    const r = await record();
    const parts = parseBackupId(r.id)!;
    expect(parts.engine).toBe('postgres');
    expect(parts.database).toBe('crm');
    expect(parts.startedAt.toISOString()).toBe('2026-11-20T03:00:00.000Z');
  });

  it('is found by id, by unique prefix and as latest, beside catalog backups', async () => {
    const a = await record();
    await saveExternal(catalog, a);
    expect((await findExternal(catalog, a.id))!.id).toBe(a.id);
    expect((await findExternal(catalog, a.id.slice(0, 30)))!.id).toBe(a.id);
    expect(await findExternal(catalog, '19990101')).toBeNull();
    const entry = await findBackup(catalog, a.id.slice(0, 25));
    expect(entry.external?.id).toBe(a.id);
    expect(entry).toMatchObject({ usable: true, status: 'ok', manifest: null, engine: 'postgres', database: 'crm', startedAt: a.index.takenAt });
    expect((await findBackup(catalog, 'latest')).id).toBe(a.id);
  });

  it('refuses a prefix shared by two imports', async () => {
    const a = await record();
    const b = { ...a, id: a.id.replace(/-[0-9a-f]{4}$/, a.id.endsWith('ffff') ? '-0000' : '-ffff') };
    await saveExternal(catalog, a);
    await saveExternal(catalog, b);
    await expect(findExternal(catalog, a.id.slice(0, 20))).rejects.toThrow(/matches 2 imported backups/);
    expect((await listExternal(catalog)).length).toBe(2);
  });

  it('lists newest taken first, and by engine for a target', async () => {
    const old = await record({ takenAt: '2026-11-01T00:00:00.000Z' });
    const fresh = await record({ takenAt: '2026-11-19T00:00:00.000Z', location: { path: join(dir, 'b.dump'), members: [] } }, 'other');
    const my = await record(
      { engine: 'mysql', format: 'mysqldump', databases: ['crm_old'], location: { path: join(dir, 'c.sql'), members: [] } },
      'mysql dump',
    );
    for (const r of [old, fresh, my]) await saveExternal(catalog, r);
    expect((await listBackups(catalog)).map((e) => e.id)).toEqual([my.id, fresh.id, old.id].sort((x, y) => (x < y ? 1 : -1)));
    const pg = await listBackups(catalog, { targetKey: targetKey({ engine: 'postgres', host: 'h', port: 5432, database: 'other' }), database: 'other' });
    expect(pg.map((e) => e.id)).toEqual([fresh.id, old.id]);
    const mysql = await listBackups(catalog, { targetKey: targetKey({ engine: 'mysql', host: 'h', port: 3306, database: 'crm' }), database: 'crm' });
    expect(mysql.map((e) => e.id)).toEqual([my.id]);
  });

  it('finds an import by its files’ sha256', async () => {
    const r = await record();
    await saveExternal(catalog, r);
    expect((await findBySha256(catalog, [r.files[0].sha256]))!.id).toBe(r.id);
    expect(await findBySha256(catalog, ['0'.repeat(64)])).toBeNull();
  });

  it('is forgotten without touching the dump', async () => {
    const r = await record();
    await saveExternal(catalog, r);
    await removeExternal(catalog, r.id);
    expect(await readExternal(catalog, r.id)).toBeNull();
    expect((await stat(r.files[0].path)).size).toBe(r.files[0].bytes);
  });

  it('is never pruned', async () => {
    const r = await record();
    await saveExternal(catalog, r);
    const res = await pruneBackups({ catalog, policy: { keepLast: 1 }, targetKey: null, dryRun: false });
    expect(res.removed).toEqual([]);
    expect(res.kept.map((k) => k.id)).toEqual([r.id]);
    expect(res.kept[0].reasons[0]).toMatch(/never deletes/);
    expect(await readExternal(catalog, r.id)).not.toBeNull();
  });

  it('takes the newest file’s mtime when the dump does not say when it was taken', async () => {
    const r = await record();
    await utimes(r.files[0].path, new Date('2026-10-02T12:00:00Z'), new Date('2026-10-02T12:00:00Z'));
    const file = await hashOnce(r.files[0].path);
    const ix = withTakenAt({ ...r.index, takenAt: '', takenAtSource: 'mtime' }, [file]);
    expect(ix).toMatchObject({ takenAt: '2026-10-02T12:00:00.000Z', takenAtSource: 'mtime' });
    expect(withTakenAt(r.index, [file]).takenAt).toBe(r.index.takenAt);
  });

  it('refuses a file changed since import in one line', async () => {
    const r = await record();
    await checkUnchanged(r);
    await writeFile(r.files[0].path, 'PGDMP changed, longer');
    await expect(checkUnchanged(r)).rejects.toThrow(/changed since it was imported on 2026-11-21 10:00:00/);
    await rm(r.files[0].path);
    await expect(checkUnchanged(r)).rejects.toThrow(/is gone since it was imported/);
  });
});

describe('matching a dump table by name', () => {
  const t = (schema: string, name: string, database = 'crm') => ({ schema, name, database, bytes: null, rows: null, hasDefinition: true, hasData: true });
  const tables = [t('public', 'contacts'), t('public', 'Companies'), t('sales', 'deals'), t('archive', 'deals'), t('public', 'contact_tags')];

  it('finds schema.name, the bare name, and ignores case last', () => {
    expect(matchTable(tables, 'public.contacts', 'x', true, null).name).toBe('contacts');
    expect(matchTable(tables, 'contacts', 'x', true, null).name).toBe('contacts');
    expect(matchTable(tables, 'crm.contacts', 'x', true, null).schema).toBe('public');
    expect(matchTable(tables, 'companies', 'x', true, null).name).toBe('Companies');
  });

  it('refuses an ambiguous name, listing the schemas', () => {
    expect(() => matchTable(tables, 'deals', 'dump.sql', true, null)).toThrow('table "deals" is in several schemas of dump.sql: sales.deals, archive.deals');
  });

  it('lists the closest names when the table is missing', () => {
    expect(() => matchTable(tables, 'contact', 'dump.sql', true, null)).toThrow(/is not in dump.sql/);
    expect(closest('contact', ['deals', 'contacts', 'contact_tags', 'Companies'], 2)).toEqual(['contacts', 'contact_tags']);
  });
});
