import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableLabel } from '../../src/dialect/table-label.js';
import type { MergeResult } from '../../src/merge/model.js';
import { renderMergeSql, sqlStepOf } from '../../src/merge/sql-text.js';
import { makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #18: `merge --sql` prints the text the console's SQL pager shows and writes to a file.
 * Both come from renderMergeSql: the built binary's output is compared with it, rendered here
 * from the same dry run as JSON (the merge id, in shadow table names, differs between runs).
 */
describe.each(engines)('%s: merge --sql prints the shared SQL text', (engine) => {
  const sb = makeSandbox(`sqltext-${engine}`);
  const name = uniqueName('sqltext');
  const url = `${engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL}/${name}`;
  let backup = '';
  let live: TempDb | undefined;

  beforeAll(async () => {
    const r = await sb.run(['demo', '--db', name, '--scale', '300', '--json', ...(engine === 'mysql' ? ['--mysql'] : [])], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    backup = (JSON.parse(r.stdout) as { backup: string }).backup;
    live = attachTempDb(engine, name);
  }, 600_000);
  afterAll(async () => {
    await live?.drop();
    sb.cleanup();
  });

  it('the statements, each table headed with its counts, exactly as renderMergeSql renders the plan', async () => {
    const args = ['merge', '--url', url, '--backup', backup, '--table', 'contacts', '--deleted', '--with-related', '--sql'];
    const json = await sb.run([...args, '--json'], { timeoutMs: 300_000 });
    expect(json.code, json.stderr).toBe(0);
    const plan = ndjson(json.stdout).find((r) => r.type === 'plan') as unknown as MergeResult & { database: string };
    expect(plan.sql.length).toBeGreaterThan(2);
    const text = await sb.run(args, { timeoutMs: 300_000 });
    expect(text.code, text.stderr).toBe(0);
    const id = /merge (mrg_\S+) from backup/.exec(text.stdout)?.[1];
    expect(id).toBeTruthy();
    const expected = renderMergeSql(name, [sqlStepOf(plan, (t) => tableLabel(engine, t.schema, t.name))]).replaceAll(plan.mergeId, 'MERGE');
    expect(expected).toContain('-- contacts: ');
    const printed = text.stdout.replaceAll(id!, 'MERGE');
    expect(printed.endsWith(`\n${expected}`)).toBe(true);
  });
});
