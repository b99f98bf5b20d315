import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { runCli } from '../helpers/cli.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14, item 9 and `--keys-from -`: keys never pass through a JavaScript number. BIGINT keys
 * above 2^53 come out of `audit deletions` exactly (text and JSON, from the trigger audit's JSON
 * log), and go back into `merge --keys-from` exactly, whether as text or as JSON numbers.
 */
describe.each(engines)('%s: BIGINT keys above 2^53 stay exact', (engine: TestEngine) => {
  const sb = makeSandbox(`bigkey-${engine}`);
  let db: TempDb;
  /** 2^53: stays live. 2^53 + 1 rounds to it as a JS number. */
  const LIVE = '9007199254740992';
  const GONE = ['9007199254740993', '9223372036854775807', '-9223372036854775808'];
  let full: string;

  const deleteGone = () => db.exec(`DELETE FROM contacts WHERE id <> ${LIVE}`);
  const deletions = async () => {
    const r = await sb.run(['audit', 'deletions', '--url', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    db = await createTempDb(engine, 'bigkey');
    await db.exec(`CREATE TABLE contacts (id bigint PRIMARY KEY, name varchar(40) NOT NULL)`);
    await db.exec(`INSERT INTO contacts VALUES (${LIVE}, 'live 2^53'), (${GONE[0]}, 'gone 2^53+1'), (${GONE[1]}, 'gone max'), (${GONE[2]}, 'gone min')`);
    const r = await sb.run(['audit', 'install', '--url', db.url, '--tables', 'contacts']);
    expect(r.code, r.stderr).toBe(0);
    full = await tableChecksum(db, 'contacts');
    await deleteGone();
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('audit deletions prints the deleted keys exactly, in text and in --json (key and row image)', async () => {
    const events = ndjson(await deletions()) as { key: { id: string }; image: { id: unknown } }[];
    expect(events.map((e) => e.key.id).sort()).toEqual([...GONE].sort());
    for (const e of events) expect(String(e.image.id)).toBe(e.key.id);
    const text = await sb.run(['audit', 'deletions', '--url', db.url]);
    expect(text.code, text.stderr).toBe(0);
    for (const k of GONE) expect(text.stdout).toContain(` ${k} `);
    // Rounded, 2^53 + 1 would name the live row, and 2^63 - 1 a key that cannot exist.
    expect(text.stdout).not.toContain(LIVE);
    expect(text.stdout).not.toContain('9223372036854776000');
  });

  it('audit deletions --json | merge --keys-from=- restores exactly the deleted rows', async () => {
    const r = await runCli(['merge', '--url', db.url, '--backup', 'audit-log', '--table', 'contacts', '--keys-from=-', '--apply', '--yes', '--json'], {
      env: sb.env,
      input: await deletions(),
    });
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as { totals: { inserted: number }; verify: { mismatched: number } };
    expect(result.totals.inserted).toBe(3);
    expect(result.verify.mismatched).toBe(0);
    expect(await tableChecksum(db, 'contacts')).toBe(full);
    await deleteGone();
  });

  it('merge --keys-from FILE with the keys as JSON numbers above 2^53 selects exactly those rows', async () => {
    const file = join(sb.home, 'keys.ndjson');
    // JSON numbers, not strings: JSON.parse would make the first one the live row's key.
    writeFileSync(file, `{"id": ${GONE[0]}}\n{"key": {"id": ${GONE[1]}}}\n`);
    const r = await sb.run(['merge', '--url', db.url, '--backup', 'audit-log', '--table', 'contacts', '--keys-from', file, '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = ndjson(r.stdout).find((l) => l.type === 'result') as { totals: { inserted: number; skipped: number }; verify: { mismatched: number } };
    expect(result.totals).toMatchObject({ inserted: 2, skipped: 0 });
    expect(result.verify.mismatched).toBe(0);
    const ids = await db.query<{ id: unknown; name: string }>(
      `SELECT ${engine === 'postgres' ? 'id::text' : 'CAST(id AS CHAR)'} AS id, name FROM contacts ORDER BY id`,
    );
    expect(ids.map((x) => [String(x.id), x.name])).toEqual([
      [LIVE, 'live 2^53'],
      [GONE[0], 'gone 2^53+1'],
      [GONE[1], 'gone max'],
    ]);
    await deleteGone();
  });

  it('merge --keys-from - (a lone dash, the README pipeline) reads the keys from stdin', async () => {
    const r = await runCli(['merge', '--url', db.url, '--backup', 'audit-log', '--table', 'contacts', '--keys-from', '-', '--json'], {
      env: sb.env,
      input: `${GONE[2]}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    const plan = ndjson(r.stdout).find((l) => l.type === 'plan') as { totals: { inserted: number } };
    expect(plan.totals.inserted).toBe(1);
  });
});
