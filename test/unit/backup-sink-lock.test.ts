import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink } from '../../src/backup/file-sink.js';
import { acquireTargetLock, locksDir } from '../../src/backup/lock.js';
import { parseTocTableData } from '../../src/dialect/postgres/postgres-dump.js';
import { selectTables } from '../../src/backup/select-tables.js';
import type { TableInfo } from '../../src/dialect/index.js';
import { UsageError, UserError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crm-rescue-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file sink', () => {
  it('writes parallel gzip blocks that gunzip (and the gzip tool) read back as one stream; hashes what it wrote', async () => {
    const data = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.from(`${i}:${randomBytes(50_000).toString('hex')}\n`)));
    const sink = await FileSink.create(join(dir, 'a.sql.gz'), { gzip: true, level: 1, maxInFlight: 3, blockSize: 256 * 1024 });
    for (let i = 0; i < data.length; i += 65536) await sink.write(data.subarray(i, i + 65536));
    const r = await sink.close();
    const file = await readFile(join(dir, 'a.sql.gz'));
    expect(gunzipSync(file).equals(data)).toBe(true);
    expect(r.bytes).toBe(file.length);
    expect(r.rawBytes).toBe(data.length);
    expect(r.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect((await stat(join(dir, 'a.sql.gz'))).mode & 0o777).toBe(0o600);
    const z = spawnSync('gzip', ['-t', join(dir, 'a.sql.gz')]);
    expect(z.status).toBe(0);
  });

  it('writes a valid empty gzip file and plain files', async () => {
    const e = await FileSink.create(join(dir, 'e.gz'), { gzip: true, level: 6 });
    await e.close();
    expect(gunzipSync(await readFile(join(dir, 'e.gz'))).length).toBe(0);
    const p = await FileSink.create(join(dir, 'p.sql'), { gzip: false, level: 0 });
    await p.write(Buffer.from('hello'));
    await p.close();
    expect(await readFile(join(dir, 'p.sql'), 'utf8')).toBe('hello');
  });

  it('removes its file on abort', async () => {
    const s = await FileSink.create(join(dir, 'x.gz'), { gzip: true, level: 1 });
    await s.write(Buffer.alloc(3 << 20, 1));
    await s.abort();
    await expect(stat(join(dir, 'x.gz'))).rejects.toThrow();
  });
});

describe('target lock', () => {
  it('stops a second holder while the first is alive, and names the running backup', async () => {
    const a = await acquireTargetLock(dir, 'postgres://h:5432/crm', 'crm', { backupId: 'b1', target: 'postgres://u@h:5432/crm' });
    const err = await acquireTargetLock(dir, 'postgres://h:5432/crm', 'crm', { backupId: 'b2', target: 'postgres://u@h:5432/crm' }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/another backup of postgres:\/\/u@h:5432\/crm is running \(pid \d+ .*backup b1/);
    // Another target is not blocked.
    const other = await acquireTargetLock(dir, 'postgres://h:5432/other', 'other', { backupId: 'b3', target: 'x' });
    await other.release();
    await a.release();
    const b = await acquireTargetLock(dir, 'postgres://h:5432/crm', 'crm', { backupId: 'b2', target: 'x' });
    await b.release();
  });

  it('takes over a stale lock whose process is gone', async () => {
    const a = await acquireTargetLock(dir, 'k', 'crm', { backupId: 'b1', target: 'x' });
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    const content = JSON.parse(await readFile(a.path, 'utf8'));
    await writeFile(a.path, JSON.stringify({ ...content, pid: Number(dead), procStart: null }));
    const b = await acquireTargetLock(dir, 'k', 'crm', { backupId: 'b2', target: 'x' });
    expect(JSON.parse(await readFile(b.path, 'utf8')).backupId).toBe('b2');
    await b.release();
    expect(locksDir(dir)).toBe(join(dir, '.locks'));
  });
});

describe('pg_restore --list parsing', () => {
  it('reads TABLE DATA entries with their OIDs, whatever the names contain', () => {
    const listing = [
      ';',
      '; Archive created at 2026-11-21 05:08:51 UTC',
      '216; 1259 38514 TABLE public accounts root',
      '3360; 0 38514 TABLE DATA public accounts root',
      '3361; 0 38522 TABLE DATA public odd name "q" root',
      '3370; 0 0 SEQUENCE SET public accounts_id_seq root',
    ].join('\n');
    expect(parseTocTableData(listing)).toEqual([
      { dumpId: 3360, oid: 38514, rest: 'public accounts root' },
      { dumpId: 3361, oid: 38522, rest: 'public odd name "q" root' },
    ]);
  });
});

describe('--tables selection', () => {
  const t = (schema: string, name: string) => ({ schema, name }) as TableInfo;
  const all = [t('public', 'accounts'), t('public', 'contacts'), t('s2', 'accounts'), t('public', 'a.b')];
  it('accepts names and schema.name, checked against introspection', () => {
    expect(selectTables(all, undefined, 'crm')).toBe(null);
    expect(selectTables(all, ['contacts', 's2.accounts', 'a.b'], 'crm')).toEqual([all[1], all[2], all[3]]);
  });
  it('names tables that do not exist', () => {
    expect(() => selectTables(all, ['nope', 'contacts'], 'crm')).toThrow(/table "nope" does not exist in crm/);
  });
  it('refuses ambiguous names', () => {
    expect(() => selectTables(all, ['accounts'], 'crm')).toThrow(UsageError);
  });
});
