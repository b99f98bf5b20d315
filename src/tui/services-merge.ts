import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import { relationsOf } from '../crm/relations.js';
import { internalNamespace } from '../dialect/namespaces.js';
import { prepareTables } from '../diff/prepare.js';
import { UserError } from '../errors.js';
import { identifyingKey } from '../inspect/report.js';
import { prepareMerge, type MergeSession } from '../merge/engine.js';
import { readErasures } from '../merge/erasures.js';
import { MergeConflictError } from '../merge/errors.js';
import { listMerges } from '../merge/journal.js';
import type { MergeResult } from '../merge/model.js';
import { buildMergeRequest } from '../merge/prepare.js';
import { splitSelections } from '../merge/split.js';
import { undoMerge } from '../merge/undo.js';
import { findLiveTable } from '../stage/resolve.js';
import { catalogDir } from '../util/paths.js';
import type { MergeOutcome, MergePlan, MergeServices, MergeStep } from './services-types.js';
import { tableDisplay } from './table-name.js';

/**
 * Merges from the console. A plan is a real dry run of every merge (rolled back); its sessions
 * stay open on a read-write connection so that applying runs exactly what was previewed, each
 * merge in its own transaction, parents first.
 */
export function mergeServices(db: Db, env: NodeJS.ProcessEnv = process.env): MergeServices {
  const internalNs = internalNamespace(db.dialect.engine, db.target.database);
  return {
    database: () => db.target.database,
    async plan(request, options = {}) {
      const snapshot = await db.dialect.introspect(db);
      const relations = relationsOf(snapshot, detectCrm(snapshot));
      const selections = request.selections.map((s) => {
        const t = findLiveTable(snapshot, s.table);
        return { table: { schema: t.schema, name: t.name }, classes: s.classes, keys: s.keys };
      });
      const keyOf = (ref: { schema: string; name: string }) => identifyingKey(findLiveTable(snapshot, `${ref.schema}.${ref.name}`))?.columns ?? [];
      const roots = splitSelections(selections, relations, db.dialect, keyOf);
      const erasures = (await readErasures(env)).map((e) => e.hash);
      const rw = await openDb(db.target, { readOnly: false, interactive: false, poolSize: roots.length + 3 });
      const sessions: { session: MergeSession; step: MergeStep }[] = [];
      const closeAll = async () => {
        for (const s of sessions) await s.session.close().catch(() => undefined);
        await rw.close().catch(() => undefined);
      };
      try {
        for (const [i, root] of roots.entries()) {
          options.signal?.throwIfAborted();
          const id = `${root.table.schema}.${root.table.name}`;
          const shown = tableDisplay(db.dialect.engine, root.table.schema, root.table.name);
          options.onProgress?.({ operation: 'merge', phase: 'plan', table: shown, done: i, total: roots.length });
          const prepared = await prepareTables(rw, {
            backup: request.backupId,
            tables: [id],
            dir: catalogDir(undefined, env),
            withRelated: root.flags.withRelated,
          });
          const req = await buildMergeRequest(rw, prepared, { ...root.flags, policy: request.policy }, erasures);
          let session: MergeSession;
          try {
            session = await prepareMerge(rw, req, { stagingNs: prepared.pairs[0].namespace });
          } catch (err) {
            // Rows that are no longer different (someone put them back meanwhile): nothing to do.
            if (err instanceof UserError && /matches no rows/.test(err.message)) continue;
            throw err;
          }
          const entry = { session, step: emptyStep(session.mergeId, shown) };
          sessions.push(entry);
          try {
            entry.step = toStep(await session.execute(false), shown, db.dialect.engine);
          } catch (err) {
            if (!(err instanceof MergeConflictError)) throw err;
            entry.step = { ...entry.step, blocked: err.message, conflictRows: err.conflicts.slice(0, 20) };
          }
        }
        options.onProgress?.({ operation: 'merge', phase: 'plan', done: roots.length, total: roots.length });
      } catch (err) {
        await closeAll();
        throw err;
      }
      if (!sessions.length) {
        await closeAll();
        throw new UserError('the selected rows are no longer different from the backup', 'Nothing to merge: the diff shows what differs now');
      }
      let applied = false;
      const plan: MergePlan = {
        database: db.target.database,
        backupId: request.backupId,
        policy: request.policy,
        merges: sessions.map((s) => s.step),
        totals: sum(sessions.map((s) => s.step.totals)),
        async apply(onStep) {
          if (applied) throw new UserError('this plan was applied already', 'Plan again to merge more rows');
          const blocked = sessions.find((s) => s.step.blocked);
          if (blocked)
            throw new UserError(
              `the plan has conflicts and the policy is abort: nothing was applied`,
              'Choose another policy (skip or overwrite) and plan again',
            );
          applied = true;
          const merges: MergeOutcome['merges'] = [];
          let failed: MergeOutcome['failed'] = null;
          for (const [i, s] of sessions.entries()) {
            onStep?.(i, sessions.length);
            try {
              const r = await s.session.execute(true);
              merges.push({ ...toStep(r, s.step.root, db.dialect.engine), applied: true, verify: r.verify ?? null, durationSeconds: r.durationSeconds });
            } catch (err) {
              failed = { root: s.step.root, error: err instanceof Error ? err.message : String(err) };
              break;
            }
          }
          return {
            merges,
            failed,
            totals: sum(merges.map((m) => m.totals)),
            verify: merges.reduce((v, m) => ({ checked: v.checked + (m.verify?.checked ?? 0), mismatched: v.mismatched + (m.verify?.mismatched ?? 0) }), {
              checked: 0,
              mismatched: 0,
            }),
          };
        },
        close: closeAll,
      };
      return plan;
    },
    async list() {
      const records = await listMerges(db, db.dialect, internalNs);
      return records.map((r) => ({
        id: r.id,
        backupId: r.backupId,
        createdAt: r.createdAt,
        state: r.state,
        tables: r.tables.filter((t) => t.inserts + t.updates > 0).map((t) => t.name),
        totals: r.totals,
        dbUser: r.dbUser,
      }));
    },
    async undo(mergeId) {
      const rw = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 2 });
      try {
        const r = await undoMerge(rw, mergeId);
        return { mergeId: r.mergeId, state: r.state, tables: r.tables };
      } finally {
        await rw.close().catch(() => undefined);
      }
    },
  };
}

function emptyStep(mergeId: string, root: string): MergeStep {
  return { mergeId, root, tables: [], totals: { inserted: 0, updated: 0, skipped: 0 }, sql: [], blocked: null, conflictRows: [] };
}

function toStep(r: MergeResult, root: string, engine: string): MergeStep {
  return {
    mergeId: r.mergeId,
    root,
    tables: r.tables
      .filter((t) => t.inserts + t.updates + t.skipped > 0)
      .map((t) => ({
        table: tableDisplay(engine, t.schema, t.name),
        inserts: t.inserts,
        updates: t.updates,
        skipped: t.skipped,
        conflicts: t.conflicts,
        via: t.via,
      })),
    totals: r.totals,
    sql: r.sql,
    blocked: null,
    conflictRows: [],
  };
}

function sum(totals: { inserted: number; updated: number; skipped: number }[]): { inserted: number; updated: number; skipped: number } {
  return totals.reduce((a, t) => ({ inserted: a.inserted + t.inserted, updated: a.updated + t.updated, skipped: a.skipped + t.skipped }), {
    inserted: 0,
    updated: 0,
    skipped: 0,
  });
}
