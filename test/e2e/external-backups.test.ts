import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { expectOneLineError, makeSandbox } from '../helpers/flow.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #16, backups people already have: a pg_dump or mysqldump file made by the real tools is
 * imported by reference (`backups import`), listed beside crm-rescue's own, staged one table at a
 * time and merged back, through the built binary. Bad input is one line, exit non-zero, nothing
 * staged.
 */

const sh = (cmd: string, args: string[], out?: string) => {
  const data = execFileSync(cmd, args, { maxBuffer: 1 << 28 });
  if (out) writeFileSync(out, data);
  return data;
};

/** `staging list --json`: the backup ids something is staged from. */
async function stagedIds(run: ReturnType<typeof makeSandbox>['run'], url: string): Promise<string[]> {
  const r = await run(['staging', 'list', '--url', url, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { backupId: string }[] | { stagings?: { backupId: string }[] };
  const list = Array.isArray(doc) ? doc : (doc.stagings ?? []);
  return list.map((s) => s.backupId);
}

const mysqlArgs = () => {
  const u = new URL(MYSQL_ADMIN_URL);
  return ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root')];
};

describe('PostgreSQL: dumps made by pg_dump', () => {
  const sb = makeSandbox('ext-pg');
  let db: TempDb;
  let before: string;
  const files = (name: string) => join(sb.home, 'dumps', name);
  let id = '';

  beforeAll(async () => {
    mkdirSync(files(''), { recursive: true });
    db = await createTempDb('postgres', 'extpg');
    await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name text NOT NULL, note text)`);
    await db.exec(`CREATE TABLE companies (id int PRIMARY KEY, name text)`);
    await db.exec(`INSERT INTO contacts SELECT g, 'name ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n''ote' || g END FROM generate_series(1, 40) g`);
    await db.exec(`INSERT INTO companies SELECT g, 'co ' || g FROM generate_series(1, 5) g`);
    before = await tableChecksum(db, 'contacts');
    sh('pg_dump', ['-Fc', '-f', files('crm.dump'), '-d', db.url]);
    sh('pg_dump', ['-Fp', '-f', files('crm.sql'), '-d', db.url]);
    writeFileSync(files('notes.txt'), 'this is not a dump\n');
    await db.exec('DELETE FROM contacts WHERE id > 30');
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('imports a custom archive by reference and lists it as external', async () => {
    const r = await sb.run(['backups', 'import', files('crm.dump'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [out] = JSON.parse(r.stdout) as { id: string; existing: boolean; record: { files: { path: string }[] } }[];
    expect(out.existing).toBe(false);
    expect(out.record.files[0].path).toBe(files('crm.dump'));
    id = out.id;
    expect(id).toMatch(/^\d{8}T\d{6}Z-postgres-/);
    const list = await sb.run(['backups', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const item = (JSON.parse(list.stdout) as { id: string; path: string; external?: { format: string } }[]).find((e) => e.id === id);
    expect(item?.external?.format).toBe('pg-custom');
    expect(item?.path).toBe(files('crm.dump'));
    const text = await sb.run(['backups', 'list']);
    expect(text.stdout).toMatch(new RegExp(`${id}.*external.*crm\\.dump`));
    // The same bytes again: the earlier record.
    const again = await sb.run(['backups', 'import', files('crm.dump')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`imported before as ${id}`);
  });

  it('merges the deleted rows back from it: live identical to before', async () => {
    const r = await sb.run(['merge', '--url', db.url, '--table', 'contacts', '--backup', id, '--deleted', '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksum(db, 'contacts')).toBe(before);
    const v = await sb.run(['backups', 'verify', id]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^ok: /);
  });

  it('--backup FILE imports a plain dump first, says so, and stages from it', async () => {
    const r = await sb.run(['stage', '--url', db.url, '--backup', files('crm.sql'), '--table', 'companies']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/imported .*crm\.sql as \d{8}T\d{6}Z-postgres-/);
  });

  it('a table not in the dump lists the closest names', async () => {
    const r = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'contact']);
    expectOneLineError(r, 1, /table "contact" is not in .*crm\.dump.*contacts/);
  });

  it('--from-table picks the dump table for a live table of another name', async () => {
    await db.exec('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, note text)');
    const r = await sb.run(['diff', '--url', db.url, '--table', 'people', '--backup', id, '--from-table', 'contacts', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary.counts.deleted).toBe(40);
  });

  it('a file changed since import is refused in one line, nothing staged', async () => {
    // Other bytes than crm.dump's: another import.
    sh('pg_dump', ['-Fc', '-t', 'companies', '-f', files('copy.dump'), '-d', db.url]);
    const imp = await sb.run(['backups', 'import', files('copy.dump'), '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const copyId = (JSON.parse(imp.stdout) as { id: string }[])[0].id;
    const t = statSync(files('copy.dump')).mtime;
    utimesSync(files('copy.dump'), t, new Date(t.getTime() + 60_000));
    const r = await sb.run(['stage', '--url', db.url, '--backup', copyId, '--table', 'companies']);
    expectOneLineError(r, 1, /copy\.dump changed since it was imported on .*import it again/i);
    expect(await stagedIds(sb.run, db.url)).not.toContain(copyId);
  });

  it('a dump of the other engine is refused', async () => {
    const my = await createTempDb('mysql', 'extother');
    try {
      await my.exec('CREATE TABLE contacts (id int PRIMARY KEY)');
      sh('mysqldump', [...mysqlArgs(), my.name], files('other.sql'));
      const r = await sb.run(['stage', '--url', db.url, '--backup', files('other.sql'), '--table', 'contacts']);
      expectOneLineError(r, 1, /other\.sql is a MySQL\/MariaDB dump; the target is PostgreSQL/);
    } finally {
      await my.drop();
    }
  });

  it('backups import of a file that is not a dump says so in one line', async () => {
    const r = await sb.run(['backups', 'import', files('notes.txt')]);
    expectOneLineError(r, 1, /notes\.txt/);
  });

  it('--scan lists the dumps under a folder newest first, and skips the rest', async () => {
    const dir = join(sb.home, 'scan');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    copyFileSync(files('crm.dump'), join(dir, 'old.dump'));
    copyFileSync(files('crm.sql'), join(dir, 'sub', 'new.sql'));
    writeFileSync(join(dir, 'readme.txt'), 'not a dump\n');
    utimesSync(join(dir, 'old.dump'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    utimesSync(join(dir, 'sub', 'new.sql'), new Date('2026-02-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'));
    const r = await sb.run(['backups', 'import', '--scan', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const found = JSON.parse(r.stdout) as { path: string; engine: string }[];
    expect(found.map((f) => f.path)).toEqual([join(dir, 'sub', 'new.sql'), join(dir, 'old.dump')]);
    expect(found.every((f) => f.engine === 'postgres')).toBe(true);
  });

  it('--copy puts a private copy in the catalog; stage --verify checks its sha256; forget deletes only the copy', async () => {
    sh('pg_dump', ['-Fd', '-f', files('crm.dir'), '-d', db.url]);
    const imp = await sb.run(['backups', 'import', files('crm.dir'), '--copy', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const [{ id: copyId, record }] = JSON.parse(imp.stdout) as { id: string; record: { copied: boolean; files: { path: string }[] } }[];
    expect(record.copied).toBe(true);
    for (const f of record.files) {
      expect(f.path.startsWith(join(sb.dir, 'external-files', copyId))).toBe(true);
      expect(statSync(f.path).mode & 0o777).toBe(0o600);
    }
    const r = await sb.run(['stage', '--url', db.url, '--backup', copyId, '--table', 'companies', '--verify']);
    expect(r.code, r.stderr).toBe(0);
    const f = await sb.run(['backups', 'forget', copyId]);
    expect(f.code, f.stderr).toBe(0);
    expect(existsSync(join(sb.dir, 'external-files', copyId))).toBe(false);
    expect(existsSync(join(files('crm.dir'), 'toc.dat'))).toBe(true);
  });

  it('prune never deletes the external file', async () => {
    const r = await sb.run(['backups', 'prune', '--all-targets', '--keep-last', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(files('crm.dump'))).toBe(true);
    const list = await sb.run(['backups', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((e) => e.id)).toContain(id);
  });
});

describe('MariaDB: mysqldump | gzip', () => {
  const sb = makeSandbox('ext-my');
  let db: TempDb;
  let other: TempDb;
  let before: string;
  let dump = '';

  beforeAll(async () => {
    mkdirSync(join(sb.home, 'dumps'), { recursive: true });
    dump = join(sb.home, 'dumps', 'nightly.sql.gz');
    db = await createTempDb('mysql', 'extmy');
    await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name varchar(60) NOT NULL, note text) ENGINE=InnoDB`);
    await db.exec(`CREATE TABLE deals (id int PRIMARY KEY, amount decimal(10,2))`);
    await db.exec(`INSERT INTO contacts SELECT seq, CONCAT('name ', seq), IF(seq % 3 = 0, NULL, CONCAT('n''ote', seq)) FROM seq_1_to_40`);
    await db.exec(`INSERT INTO deals SELECT seq, seq * 1.5 FROM seq_1_to_5`);
    before = await tableChecksum(db, 'contacts');
    writeFileSync(dump, execFileSync('gzip', ['-c'], { input: sh('mysqldump', [...mysqlArgs(), '--single-transaction', db.name]), maxBuffer: 1 << 28 }));
    await db.exec('DELETE FROM contacts WHERE id > 30');
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    await other?.drop();
    sb.cleanup();
  });

  it('imports, lists as external, merges the deleted rows back: live identical to before', async () => {
    const imp = await sb.run(['backups', 'import', dump, '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    const id = (JSON.parse(imp.stdout) as { id: string }[])[0].id;
    expect(id).toMatch(/^\d{8}T\d{6}Z-mysql-/);
    const list = await sb.run(['backups', 'list', '--url', db.url, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string; external?: object }[]).find((e) => e.id === id)?.external).toBeTruthy();
    const r = await sb.run(['merge', '--url', db.url, '--table', 'contacts', '--backup', id, '--deleted', '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksum(db, 'contacts')).toBe(before);
  });

  it('--backup FILE onto a database named otherwise (the dump was taken from another database)', async () => {
    other = await createTempDb('mysql', 'extmyother');
    await other.exec(`CREATE TABLE deals (id int PRIMARY KEY, amount decimal(10,2))`);
    const r = await sb.run(['merge', '--url', other.url, '--table', 'deals', '--backup', dump, '--deleted', '--apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/nightly\.sql\.gz was imported before as \d{8}T\d{6}Z-mysql-/);
    expect(await tableChecksum(other, 'deals')).toBe(await tableChecksum(db, 'deals'));
  });

  it('a dump of the other engine is refused', async () => {
    const pgFile = join(sb.home, 'dumps', 'pg.dump');
    const pgdb = await createTempDb('postgres', 'extothpg');
    try {
      await pgdb.exec('CREATE TABLE contacts (id int PRIMARY KEY)');
      sh('pg_dump', ['-Fc', '-f', pgFile, '-d', `${PG_ADMIN_URL}/${pgdb.name}`]);
    } finally {
      await pgdb.drop();
    }
    const r = await sb.run(['stage', '--url', db.url, '--backup', pgFile, '--table', 'contacts']);
    expectOneLineError(r, 1, /pg\.dump is a PostgreSQL dump; the target is MySQL\/MariaDB/);
  });
});
