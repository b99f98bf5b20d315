import { describe, expect, it } from 'vitest';
import { dialectFor } from '../../src/dialect/index.js';
import type { Queryable } from '../../src/dialect/queryable.js';
import { finishHeader, insertHeader, markUndone } from '../../src/merge/journal.js';
import { recordStaged } from '../../src/stage/namespace.js';

/** A connection that records what it is asked to run and returns no rows. */
function recorder(): Queryable & { seen: { sql: string; params: readonly unknown[] }[] } {
  const seen: { sql: string; params: readonly unknown[] }[] = [];
  return {
    seen,
    query: <T>(sql: string, params: readonly unknown[] = []) => {
      seen.push({ sql, params });
      return Promise.resolve([] as T[]);
    },
  };
}

const EXPECTED = {
  postgres: {
    header: /^insert into "crm_rescue"\."merges" \(.*"db_user".*\) values \(\$1, \$2, \$3, current_user, \$4, \$5, \$6, \$7, \$8\)$/,
    finish: 'update "crm_rescue"."merges" set "finished_at" = now(), "tables_json" = $1, "totals_json" = $2 where "id" = $3',
    undone: 'update "crm_rescue"."merges" set "state" = $1, "undone_at" = now(), "undo_json" = $2 where "id" = $3',
    marker: /^insert into "ns"\."_crm_rescue_staging" \(.*\) values \('?\$1'?, .*now\(\)\)$/,
  },
  mysql: {
    header: /^insert into `crm_rescue`\.`merges` \(.*`db_user`.*\) values \(\?, \?, \?, CURRENT_USER\(\), \?, \?, \?, \?, \?\)$/,
    finish: 'update `crm_rescue`.`merges` set `finished_at` = CURRENT_TIMESTAMP(6), `tables_json` = ?, `totals_json` = ? where `id` = ?',
    undone: 'update `crm_rescue`.`merges` set `state` = ?, `undone_at` = CURRENT_TIMESTAMP(6), `undo_json` = ? where `id` = ?',
    marker: /^insert into `ns`\.`_crm_rescue_staging` \(.*\) values \(.*UTC_TIMESTAMP\(6\)\)$/,
  },
} as const;

describe.each(['postgres', 'mysql'] as const)("%s: crm-rescue's own tables through Kysely", (engine) => {
  const d = dialectFor(engine);
  const want = EXPECTED[engine];

  it('the journal takes the server clock and user in its own spelling, values as parameters', async () => {
    const conn = recorder();
    await insertHeader(conn, d, 'crm_rescue', { id: 'mrg_1', backupId: 'b1', database: 'crm', policy: 'skip', tables: [] });
    await finishHeader(conn, d, 'crm_rescue', 'mrg_1', [], { inserted: 1, updated: 0, skipped: 0 });
    await markUndone(conn, d, 'crm_rescue', 'mrg_1', 'undone', { ok: true });
    const [header, finish, undone] = conn.seen;
    expect(header.sql).toMatch(want.header);
    expect(header.params.slice(0, 3)).toEqual(['mrg_1', 'b1', 'crm']);
    expect(finish.sql).toBe(want.finish);
    expect(finish.params).toEqual(['[]', '{"inserted":1,"updated":0,"skipped":0}', 'mrg_1']);
    expect(undone.sql).toBe(want.undone);
    expect(undone.params).toEqual(['undone', '{"ok":true}', 'mrg_1']);
  });

  it("a staged table's marker row is replaced, stamped with the server's UTC time", async () => {
    const conn = recorder();
    await recordStaged(conn, d, 'ns', 'b1', 'crm', { schema: 's', name: 't', stagedAs: 't', rows: 3, bytes: null, stagedAt: '' });
    const [del, ins] = conn.seen;
    expect(del.sql).toContain('delete from');
    expect(del.params).toEqual(['table', 'keys', 's', 't']);
    expect(ins.sql).toMatch(want.marker);
    expect(ins.params).toEqual(['table', 'b1', 'crm', 's', 't', 't', 3, null]);
  });
});
