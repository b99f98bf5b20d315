import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/backup/catalog.js';
import { manifestProblem, readManifest, writeManifest, type BackupManifest } from '../../src/backup/manifest.js';
import { UserError } from '../../src/errors.js';

function sampleManifest(over: Partial<BackupManifest> = {}): BackupManifest {
  return {
    format: 'crm-rescue-backup',
    formatVersion: 1,
    id: '20261121T164200Z-postgres-crm-a1b2',
    label: null,
    status: 'ok',
    target: 'postgres://crm@db:5432/crm',
    targetKey: 'postgres://db:5432/crm',
    engine: 'postgres',
    database: 'crm',
    serverVersion: '15.20',
    client: { tool: 'pg_dump', version: '15.20', banner: 'pg_dump (PostgreSQL) 15.20' },
    command: 'pg_dump --format=directory',
    layout: 'pg-directory',
    options: { tables: null, compress: 'gzip', compressLevel: 6, jobs: 2 },
    startedAt: '2026-11-21T16:42:00.000Z',
    finishedAt: '2026-11-21T16:42:10.000Z',
    durationSeconds: 10,
    createdBy: { host: 'h', crmRescue: '0.1.0' },
    tables: [{ schema: 'public', name: 'accounts', file: 'dump/3360.dat.gz', bytes: 10, sha256: 'ab', rows: 5, rowsEstimated: false, dumpId: 3360 }],
    files: [{ path: 'dump/toc.dat', bytes: 100, sha256: 'cd' }],
    totals: { tables: 1, bytes: 110, rows: 5 },
    ...over,
  };
}

describe('manifest read/write', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-rescue-manifest-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips, with mode 0600 and no temporary file left', async () => {
    const m = sampleManifest();
    await writeManifest(dir, m);
    expect(await readManifest(dir)).toEqual(m);
    expect((await stat(join(dir, 'manifest.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['manifest.json']);
  });

  it('replaces atomically: a second write fully replaces the first', async () => {
    await writeManifest(dir, sampleManifest({ label: 'one' }));
    await writeManifest(dir, sampleManifest({ label: 'two' }));
    expect((await readManifest(dir)).label).toBe('two');
  });

  it('names the file when it is truncated or not a manifest', async () => {
    await writeManifest(dir, sampleManifest());
    const text = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeFile(join(dir, 'manifest.json'), text.slice(0, 100));
    await expect(readManifest(dir)).rejects.toThrow(UserError);
    await expect(readManifest(dir)).rejects.toThrow(/manifest\.json is damaged: not valid JSON/);
    await writeFile(join(dir, 'manifest.json'), '{"format":"x"}');
    await expect(readManifest(dir)).rejects.toThrow(/manifest\.json is damaged: format/);
  });

  it('checks the shape', () => {
    expect(manifestProblem(sampleManifest())).toBe(null);
    expect(manifestProblem([])).toBe('not a JSON object');
    expect(manifestProblem({ ...sampleManifest(), tables: [{ name: 'x' }] })).toBe('tables[0] is incomplete');
    expect(manifestProblem({ ...sampleManifest(), status: 'maybe' })).toMatch(/unknown status/);
  });

  it('lists only complete ok folders as usable', async () => {
    const ok = sampleManifest();
    await mkdir(join(dir, ok.id));
    await writeManifest(join(dir, ok.id), ok);
    const failedId = '20261121T170000Z-postgres-crm-0001';
    await mkdir(join(dir, `.tmp-${failedId}`));
    await writeManifest(join(dir, `.tmp-${failedId}`), sampleManifest({ id: failedId, status: 'failed', error: 'disk full' }));
    await mkdir(join(dir, '.tmp-20261121T180000Z-postgres-crm-0002'));
    await mkdir(join(dir, '20261121T190000Z-postgres-crm-0003'));
    await writeFile(join(dir, '20261121T190000Z-postgres-crm-0003', 'manifest.json'), '{');
    await mkdir(join(dir, 'not-a-backup'));
    const list = await listBackups(dir);
    expect(list.map((e) => [e.id, e.status, e.usable])).toEqual([
      ['20261121T190000Z-postgres-crm-0003', 'damaged', false],
      ['20261121T180000Z-postgres-crm-0002', 'incomplete', false],
      [failedId, 'failed', false],
      [ok.id, 'ok', true],
    ]);
    expect(list[2].error).toBe('disk full');
  });
});
