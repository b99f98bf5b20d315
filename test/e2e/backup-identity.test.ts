import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14, item 1: the catalog is shared by every target, so a backup must belong to the
 * database it is used on. `latest` is the target's newest, another database's backup is refused
 * unless --backup-of-other-database (and then said in the preview), and a backup from before
 * identities were recorded is matched by address and database only, saying so.
 */
describe.each(engines)('%s: a backup belongs to its own database', (engine: TestEngine) => {
  const sb = makeSandbox(`bkid-${engine}`);
  let prod: TempDb;
  let copy: TempDb;
  let prodId: string;
  let copyId: string;
  /** prod's contacts as backed up (before the deletion). */
  let full: string;

  const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `(${i + 1}, '${prefix} ${i + 1}')`).join(', ');
  const deleteTwo = () => prod.exec('DELETE FROM contacts WHERE id IN (4, 5)');

  beforeAll(async () => {
    prod = await createTempDb(engine, 'bkidprod');
    copy = await createTempDb(engine, 'bkidcopy');
    // A test copy with the same schema and other rows.
    for (const [db, prefix, n] of [
      [prod, 'prod', 5],
      [copy, 'TEST COPY', 8],
    ] as const) {
      await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
      await db.exec(`INSERT INTO contacts VALUES ${rows(prefix, n)}`);
    }
    prodId = await backupId(sb.run, prod.url);
    // The newest backup of the catalog is the copy's.
    copyId = await backupId(sb.run, copy.url);
    full = await tableChecksum(prod, 'contacts');
    await deleteTwo();
  }, 300_000);
  afterAll(async () => {
    await prod?.drop();
    await copy?.drop();
    sb.cleanup();
  });

  /** A copy of the catalog whose manifests `edit` rewrote (older crm-rescue, another server). */
  function editedCatalog(name: string, edit: (m: Record<string, unknown>) => void): string {
    const dir = join(sb.home, name);
    cpSync(sb.dir, dir, { recursive: true });
    for (const id of [prodId, copyId]) {
      const path = join(dir, id, 'manifest.json');
      const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      edit(m);
      writeFileSync(path, JSON.stringify(m, null, 2));
    }
    return dir;
  }

  it('the manifest records the server identity and the database', async () => {
    const r = await sb.run(['backups', 'show', prodId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { identity?: { server: string | null; serverSource: string; database: string } };
    expect(m.identity).toMatchObject({ database: prod.name, serverSource: engine === 'postgres' ? 'system_identifier' : '@@hostname:@@port:@@server_id' });
    expect(m.identity?.server).toMatch(engine === 'postgres' ? /^\d+$/ : /^.+:\d+:\d+$/);
  });

  it("stage, diff and merge refuse another database's backup named by id; nothing is staged or written", async () => {
    const before = await tableChecksum(prod, 'contacts');
    const refused = new RegExp(`backup ${copyId} is not a backup of ${prod.name}: taken from database "${copy.name}".*--backup-of-other-database`);
    expectOneLineError(await sb.run(['stage', '--url', prod.url, '--backup', copyId, '--table', 'contacts']), 1, refused);
    expectOneLineError(await sb.run(['diff', '--url', prod.url, '--backup', copyId, '--table', 'contacts']), 1, refused);
    expectOneLineError(await sb.run(['merge', '--url', prod.url, '--backup', copyId, '--table', 'contacts', '--deleted', '--apply', '--yes']), 1, refused);
    expect(await tableChecksum(prod, 'contacts')).toBe(before);
    const staged = await sb.run(['staging', 'list', '--url', prod.url, '--json']);
    expect(staged.code, staged.stderr).toBe(0);
    expect((JSON.parse(staged.stdout) as { backupId: string }[]).map((s) => s.backupId)).not.toContain(copyId);
  });

  it('--backup-of-other-database uses it on purpose and the preview says so (text and --json)', async () => {
    const before = await tableChecksum(prod, 'contacts');
    const text = await sb.run(['merge', '--url', prod.url, '--backup', copyId, '--backup-of-other-database', '--table', 'contacts', '--deleted']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`note: backup ${copyId} is of another database \\(\\S+/${copy.name}; .*\\), used on purpose \\(--backup-of-other-database\\)`),
    );
    const json = await sb.run(['merge', '--url', prod.url, '--backup', copyId, '--backup-of-other-database', '--table', 'contacts', '--deleted', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const plan = ndjson(json.stdout).find((l) => l.type === 'plan') as {
      backupId: string;
      backupOrigin: { match: string; backupTarget: string; note: string };
    };
    expect(plan.backupId).toBe(copyId);
    expect(plan.backupOrigin).toMatchObject({ match: 'other-database', backupTarget: expect.stringContaining(`/${copy.name}`) });
    const diff = await sb.run(['diff', '--url', prod.url, '--backup', copyId, '--backup-of-other-database', '--table', 'contacts', '--format', 'ndjson']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(ndjson(diff.stdout)[0]).toMatchObject({ type: 'summary', backupId: copyId, backupOrigin: { match: 'other-database' } });
    // A dry run and a diff: live is as it was.
    expect(await tableChecksum(prod, 'contacts')).toBe(before);
  });

  it("a backup from before identities were recorded: latest takes the target's by address and says so; another database's stays refused", async () => {
    const dir = editedCatalog('legacy', (m) => delete m.identity);
    const r = await sb.run(['merge', '--url', prod.url, '--dir', dir, '--backup', 'latest', '--table', 'contacts', '--deleted', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = ndjson(r.stdout).find((l) => l.type === 'plan') as {
      backupId: string;
      totals: { inserted: number };
      backupOrigin: { match: string; note: string };
    };
    expect(plan.backupId).toBe(prodId);
    expect(plan.totals.inserted).toBe(2);
    expect(plan.backupOrigin).toMatchObject({ match: 'target-unverified', note: expect.stringMatching(/identity not recorded/) });
    const text = await sb.run(['merge', '--url', prod.url, '--dir', dir, '--backup', 'latest', '--table', 'contacts', '--deleted']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/note: backup \S+: identity not recorded/);
    expectOneLineError(
      await sb.run(['merge', '--url', prod.url, '--dir', dir, '--backup', copyId, '--table', 'contacts', '--deleted']),
      1,
      /is not a backup of/,
    );
  });

  it('the same address now leading to another server: the backup is refused, and latest finds none', async () => {
    const dir = editedCatalog('moved', (m) => {
      (m.identity as { server: string }).server = 'another-server-identity';
    });
    expectOneLineError(
      await sb.run(['merge', '--url', prod.url, '--dir', dir, '--backup', prodId, '--table', 'contacts', '--deleted']),
      1,
      /is not a backup of .*: taken from another server at the same address/,
    );
    expectOneLineError(
      await sb.run(['stage', '--url', prod.url, '--dir', dir, '--backup', 'latest', '--table', 'contacts']),
      1,
      /no usable backup of .* \(2 of other databases: latest never picks those\)/,
    );
  });

  it("merge --backup latest --deleted --apply takes the target's own newest backup, not the catalog's newest", async () => {
    const r = await sb.run(['merge', '--url', prod.url, '--backup', 'latest', '--table', 'contacts', '--deleted', '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as {
      backupId: string;
      totals: { inserted: number };
      verify: { mismatched: number };
      backupOrigin: { match: string; note: string | null };
    };
    expect(result.backupId).toBe(prodId);
    expect(result.totals.inserted).toBe(2);
    expect(result.verify.mismatched).toBe(0);
    expect(result.backupOrigin).toMatchObject({ match: 'target', note: null });
    // Exactly prod's rows again: none of the copy's.
    expect(await tableChecksum(prod, 'contacts')).toBe(full);
    const names = await prod.query<{ name: string }>('SELECT name FROM contacts ORDER BY id');
    expect(names.map((n) => n.name)).toEqual(['prod 1', 'prod 2', 'prod 3', 'prod 4', 'prod 5']);
  });
});
