import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectDump } from '../../src/external/detect.js';
import { importBackups } from '../../src/external/import.js';
import { openDump } from '../../src/external/open.js';
import { UserError } from '../../src/errors.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * mydumper on the shared test server: it refuses to start while any query of another test has
 * run for 60 s (--long-query-guard), and its FLUSH TABLES WITH READ LOCK would stall every other
 * test's writes (--no-locks: these tables do not change while dumped).
 */
const MYDUMPER_SHARED = ['--long-query-guard', '86400', '--no-locks'];

/**
 * Recognising dumps by content: every format made by the real tools (pg_dump in four formats,
 * mysqldump with and without comments, mydumper), each compression made by its own tool, and
 * the CRMs' wrappers (an Odoo zip, an EspoCRM tarball with a nested tar.gz). Names are
 * deliberately misleading (`.txt`, `.bin`) where the content alone must decide.
 */
let dir: string;
let pgDb: TempDb;
let myDb: TempDb;

const sh = (cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}) =>
  execFileSync(cmd, args, { cwd: opts.cwd ?? dir, input: opts.input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crs-detect-'));
  pgDb = await createTempDb('postgres', 'detect');
  myDb = await createTempDb('mysql', 'detect');
  await pgDb.exec(`CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 2000) g;`);
  await myDb.exec(`CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b');`);
  const pgArgs = ['-h', '127.0.0.1', '-U', 'root', '-d', pgDb.name];
  writeFileSync(file('custom.bin'), sh('pg_dump', [...pgArgs, '-Fc']));
  sh('pg_dump', [...pgArgs, '-Fd', '-f', file('pgdir')]);
  writeFileSync(file('archive.tar'), sh('pg_dump', [...pgArgs, '-Ft']));
  writeFileSync(file('plain.txt'), sh('pg_dump', [...pgArgs]));
  writeFileSync(
    file('plain-noheader.sql'),
    sh('pg_dump', [...pgArgs])
      .toString('utf8')
      .replace(/^--.*\n/gm, ''),
  );
  for (const [tool, ext] of [
    ['gzip', 'gz'],
    ['bzip2', 'bz2'],
    ['xz', 'xz'],
    ['zstd', 'zst'],
    ['lz4', 'lz4'],
  ] as const)
    writeFileSync(file(`plain.${ext}.bin`), sh(tool, ['-c'], { input: readFileSync(file('plain.txt')) }));
  writeFileSync(file('archive.tar.gz'), sh('gzip', ['-c'], { input: readFileSync(file('archive.tar')) }));
  const myArgs = ['-h', '127.0.0.1', '-uroot', myDb.name];
  writeFileSync(file('my.sql'), sh('mysqldump', myArgs));
  writeFileSync(file('my-compact.sql'), sh('mysqldump', ['--compact', ...myArgs]));
  writeFileSync(file('my-skip.sql'), sh('mysqldump', ['--skip-comments', ...myArgs]));
  writeFileSync(file('mysqldump_dolibarr_22.0.4_202611300200.sql.zst'), sh('zstd', ['-c'], { input: readFileSync(file('my.sql')) }));
  sh('mydumper', [...MYDUMPER_SHARED, '-h', '127.0.0.1', '-u', 'root', '-B', myDb.name, '-o', file('mydumper')]);
  // Odoo's database manager: a zip of dump.sql, manifest.json and filestore/.
  mkdirSync(file('odoo/filestore/ab'), { recursive: true });
  copyFileSync(file('plain.txt'), file('odoo/dump.sql'));
  writeFileSync(file('odoo/manifest.json'), JSON.stringify({ odoo_dump: '1', db_name: pgDb.name, version: '17.0' }));
  writeFileSync(file('odoo/filestore/ab/abcdef'), 'attachment');
  sh('zip', ['-qr', file('odoo-backup.zip'), '.'], { cwd: file('odoo') });
  // EspoCRM's backup script: a tar.gz holding a tar.gz holding db.sql.
  mkdirSync(file('espo/inner'), { recursive: true });
  copyFileSync(file('my.sql'), file('espo/inner/db.sql'));
  sh('tar', ['-czf', file('espo/backup-db.tar.gz'), '-C', file('espo/inner'), 'db.sql']);
  sh('tar', ['-czf', file('espocrm-backup.tar.gz'), '-C', file('espo'), 'backup-db.tar.gz']);
}, 120_000);

afterAll(async () => {
  await pgDb?.drop();
  await myDb?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('detectDump recognises by content', () => {
  it.each([
    ['custom.bin', 'postgres', 'pg-custom', 'none', null],
    ['pgdir', 'postgres', 'pg-directory', 'none', null],
    ['archive.tar', 'postgres', 'pg-tar', 'none', null],
    ['archive.tar.gz', 'postgres', 'pg-tar', 'gzip', null],
    ['plain.txt', 'postgres', 'pg-plain', 'none', null],
    ['plain-noheader.sql', 'postgres', 'pg-plain', 'none', null],
    ['plain.gz.bin', 'postgres', 'pg-plain', 'gzip', null],
    ['plain.bz2.bin', 'postgres', 'pg-plain', 'bzip2', null],
    ['plain.xz.bin', 'postgres', 'pg-plain', 'xz', null],
    ['plain.zst.bin', 'postgres', 'pg-plain', 'zstd', null],
    ['plain.lz4.bin', 'postgres', 'pg-plain', 'lz4', null],
    ['my.sql', 'mysql', 'mysqldump', 'none', null],
    ['my-compact.sql', 'mysql', 'mysqldump', 'none', null],
    ['my-skip.sql', 'mysql', 'mysqldump', 'none', null],
    ['mysqldump_dolibarr_22.0.4_202611300200.sql.zst', 'mysql', 'mysqldump', 'zstd', 'dolibarr'],
    ['mydumper', 'mysql', 'mydumper', 'none', null],
    ['odoo-backup.zip', 'postgres', 'pg-plain', 'none', 'odoo-zip'],
    ['espocrm-backup.tar.gz', 'mysql', 'mysqldump', 'none', 'espocrm-tar'],
  ])('%s → %s %s (%s)', async (name, engine, format, compression, wrapper) => {
    const d = await detectDump(file(name));
    expect({ engine: d.engine, format: d.format, compression: d.compression, wrapper: d.wrapper }).toEqual({ engine, format, compression, wrapper });
    expect(d.location.path).toBe(file(name));
  });

  it('finds the dump inside the wrappers and reads it whole', async () => {
    const odoo = await detectDump(file('odoo-backup.zip'));
    expect(odoo.location.members).toEqual(['dump.sql']);
    const espo = await detectDump(file('espocrm-backup.tar.gz'));
    expect(espo.location.members).toEqual(['backup-db.tar.gz', 'db.sql']);
    for (const d of [odoo, espo]) {
      const { stream } = await openDump(d.location);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      const expected = readFileSync(file(d === odoo ? 'plain.txt' : 'my.sql'));
      expect(Buffer.concat(chunks).equals(expected)).toBe(true);
    }
  });
});

describe("Odoo's zip", () => {
  it('names the database from manifest.json and the time from dump.sql inside the zip, not the zip file', async () => {
    // The zip file's mtime is a copy's; dump.sql's entry keeps the time Odoo wrote it.
    sh('touch', ['-d', '2030-01-01 00:00:00', file('odoo-backup.zip')]);
    const [imported] = await importBackups([file('odoo-backup.zip')], { catalog: file('catalog') });
    const x = imported.record.index;
    expect(x.databases).toEqual([pgDb.name]);
    expect(x.takenAtSource).toBe('odoo-zip-entry');
    expect(Date.parse(x.takenAt)).toBeLessThan(Date.parse('2030-01-01T00:00:00Z') - 86_400_000);
    expect(x.tool).toMatch(/^pg_dump .*\(Odoo 17\.0\)$/);
  });
});

describe('detectDump refuses what is no dump, in one line', () => {
  const refusal = async (path: string) => {
    const err = await detectDump(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  };

  it('says what the file looks like', async () => {
    writeFileSync(file('contacts.csv'), 'id,name,email\n1,Ann,ann@example.com\n');
    expect(await refusal(file('contacts.csv'))).toMatch(/is not a database dump: it looks like a CSV/);
    writeFileSync(file('page.sql'), '<!DOCTYPE html><html></html>');
    expect(await refusal(file('page.sql'))).toMatch(/looks like XML or HTML/);
    writeFileSync(file('empty.sql'), '');
    expect(await refusal(file('empty.sql'))).toMatch(/is empty/);
    expect(await refusal(file('missing.sql'))).toMatch(/does not exist/);
    mkdirSync(file('just-a-folder'));
    expect(await refusal(file('just-a-folder'))).toMatch(/neither a pg_dump directory archive/);
  });

  it('says an encrypted file is encrypted', async () => {
    sh('openssl', ['enc', '-aes-256-cbc', '-pbkdf2', '-pass', 'pass:secret', '-in', file('my.sql'), '-out', file('my.sql.enc')]);
    expect(await refusal(file('my.sql.enc'))).toMatch(/OpenSSL-encrypted/);
    sh('gpg', ['--batch', '--yes', '--passphrase', 'secret', '--pinentry-mode', 'loopback', '-c', '-o', file('my.sql.gpg'), file('my.sql')]);
    expect(await refusal(file('my.sql.gpg'))).toMatch(/GnuPG-encrypted/);
    sh('zip', ['-q', '-P', 'secret', file('locked.zip'), 'dump.sql'], { cwd: file('odoo') });
    expect(await refusal(file('locked.zip'))).toMatch(/encrypted zip/);
  });

  it('a truncated compressed stream fails the read with the byte where it ended', async () => {
    for (const [tool, ext] of [
      ['gzip', 'gz'],
      ['zstd', 'zst'],
    ] as const) {
      const big = Buffer.from('x'.repeat(64) + '\n')
        .toString()
        .repeat(40_000);
      const whole = sh(tool, ['-c'], { input: Buffer.from(`-- PostgreSQL database dump\n${big}`) });
      const cut = file(`cut.sql.${ext}`);
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
      expect(statSync(cut).size).toBeLessThan(whole.length);
      const d = await detectDump(cut);
      const { stream } = await openDump(d.location);
      const err = await (async () => {
        for await (const chunk of stream) void chunk;
      })().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(new RegExp(`${ext === 'gz' ? 'gzip' : 'zstd'} stream is truncated.* at byte \\d+ of the file`));
    }
  });
});
