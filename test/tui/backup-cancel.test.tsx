import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups } from '../../src/backup/catalog.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { findFirstTool } from '../../src/exec/find-tool.js';
import { backupServices } from '../../src/recovery/backups.js';
import { makeSandbox } from '../helpers/flow.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { KEYS, fakeServices, frameWhere, frameWith, press, renderConsole } from './helpers.js';

/**
 * Issue #18, defect: Backups → b → Esc said "the catalog is as it was" yet left a `✗ failed`
 * entry and its `.tmp-<id>/` folder. Here the real backup service runs from the Backups screen;
 * its pg_dump starts writing, then blocks until it is killed, so Esc always lands mid-dump.
 */
describe('Backups → b → Esc in the console (postgres)', () => {
  const sb = makeSandbox('bcancel');
  const bin = mkdtempSync(join(tmpdir(), 'crm-rescue-slowdump-'));
  let temp: TempDb;
  let db: Db;

  beforeAll(async () => {
    temp = await createTempDb('postgres', 'bcancel');
    await temp.exec("CREATE TABLE contacts (id int PRIMARY KEY, email text); INSERT INTO contacts VALUES (1, 'a@example.com')");
    db = await openDb(parseTargetUrl(temp.url), { interactive: false });
    const real = findFirstTool(['pg_dump'], { binDir: process.env.CRM_RESCUE_PG_BINDIR, env: process.env });
    if (!real) throw new Error('pg_dump not found: the test needs the PostgreSQL client tools');
    // Answers --version as the real one; a dump writes a partial file, reports its first table
    // (as pg_dump --verbose does) and then waits to be killed.
    writeFileSync(
      join(bin, 'pg_dump'),
      [
        '#!/bin/sh',
        `case "$*" in *--version*) exec '${real}' --version;; esac`,
        'for a in "$@"; do case "$a" in --file=*) dir="${a#--file=}";; esac; done',
        'mkdir -p "$dir" && echo partial > "$dir/toc.dat"',
        `echo 'pg_dump: dumping contents of table "public.contacts"' >&2`,
        'exec tail -f /dev/null',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'pg_dump'), 0o755);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
    sb.cleanup();
    rmSync(bin, { recursive: true, force: true });
  });

  it('Esc mid-dump leaves the catalog as it was (no failed entry, no .tmp folder) and says so', async () => {
    const env = { ...process.env, ...sb.env, CRM_RESCUE_PG_BINDIR: bin };
    const catalogEntries = () => (existsSync(sb.dir) ? readdirSync(sb.dir).filter((n) => n !== '.locks') : []);
    const before = { list: await listBackups(sb.dir), entries: catalogEntries() };
    const app = await renderConsole({ services: fakeServices({ backups: backupServices(db, env) }) });
    await frameWith(app, 'crm_prod');
    await press(app, 'g', 'j', 'j', KEYS.enter);
    await frameWith(app, 'no backups of this target yet');
    await press(app, 'b');
    // The dump is under way: its partial file is in the temporary folder, the screen shows it.
    await frameWith(app, 'dump public.contacts');
    const tmp = catalogEntries().filter((n) => n.startsWith('.tmp-'));
    expect(tmp).toHaveLength(1);
    expect(readdirSync(join(sb.dir, tmp[0]))).not.toHaveLength(0);

    await press(app, KEYS.escape);
    // The service settles after its clean-up: from the cancel line on, the folder is final.
    const cancelled = await frameWith(app, 'cancelled', 60_000);
    expect(catalogEntries()).toEqual(before.entries);
    expect(await listBackups(sb.dir)).toEqual(before.list);
    // The lock is gone too: the next backup is not refused.
    expect(existsSync(join(sb.dir, '.locks')) ? readdirSync(join(sb.dir, '.locks')) : []).toEqual([]);
    expect(cancelled).toContain('nothing was kept; the catalog is as it was');
    // Read afresh, the list has no entry for the cancelled run.
    await press(app, KEYS.escape, KEYS.enter);
    const list = await frameWhere(app, (f) => f.includes('Home › Backups') && !f.includes('reading'), 60_000, 'the catalog read again');
    expect(list).toContain('no backups of this target yet');
    expect(list).not.toContain('failed');
    app.unmount();
  });
});
