import type { BackupOrigin } from '../backup/belongs.js';
import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import type { CrmKnowledge } from '../crm/flavour.js';
import { relationsOf } from '../crm/relations.js';
import type { SchemaSnapshot, TableInfo } from '../dialect/model.js';
import type { DiffPlan } from '../diff/model.js';
import { planDiff } from '../diff/plan.js';
import type { ProgressListener } from '../progress/event.js';
import { findLiveTables, stagedPairs, type StagedPair } from '../stage/resolve.js';
import type { SourceTable } from '../stage/row-source.js';
import type { SourceChoice } from '../stage/sources/index.js';
import { openRowSource } from '../stage/sources/index.js';
import { keysCondition, type KeyFilter } from '../stage/key-filter.js';
import type { Dialect } from '../dialect/dialect.js';
import type { Targeted } from '../stage/namespace.js';
import { servesFilter } from '../stage/stage-rows.js';
import { stageSourceTables } from './stage-tables.js';

/** What diff and merge need before comparing: the backup, the live and staged tables. */
export interface PreparedDiff {
  backupId: string;
  /** Whose backup it is (null for a source that is the target's own: the trigger-audit log). */
  backupOrigin: BackupOrigin | null;
  snapshot: SchemaSnapshot;
  knowledge: CrmKnowledge;
  pairs: StagedPair[];
  /** Tables that had to be staged first (said on stderr by the caller). */
  stagedNow: string[];
  /** Why tables staged earlier from a growing source were used as they are (said on stderr), or null. */
  kept: string | null;
  /**
   * Targeted: the root table's staged copy holds only the rows of the keys asked for (and its
   * related tables only the rows tied to them), so a diff or merge compared only those keys.
   * Absent when the copy is the whole table.
   */
  targeted?: Targeted;
  /** Tables ("schema\0name") staged or checked for this request: a targeted copy of any other table may hold other keys' rows only. */
  current: Set<string>;
  /** The filters of the live tables asked for whose staged copies are targeted ("schema\0name"): a diff compares only those keys. */
  filters: Map<string, KeyFilter>;
}

/** What to prepare. */
export interface PrepareRequest {
  /** What `--backup` names: a backup id, unique prefix, `latest`, or `audit-log` (rows rebuilt from the trigger-audit log). */
  backup: string;
  /** Live tables, `name` or `schema.name`. */
  tables: string[];
  /** Catalog root (`--dir`). */
  dir?: string;
  /** Stage the tables related to these too (and restage these: onlyMissing keeps what is there). */
  withRelated?: boolean;
  onProgress?: ProgressListener;
  /** Stops staging between tables; live is never touched either way. */
  signal?: AbortSignal;
  /** Accept a backup of another database than the target's (named by id, never `latest`). */
  allowOtherDatabase?: boolean;
  /** For a dump made by another tool: `--from-table`, `--from-database`, `--verify`. */
  external?: SourceChoice;
  /**
   * Use what is staged from a source that grows (the binary log, dead tuples) instead of reading
   * it again; only a table not staged yet is read (see SourceWindow.staged).
   */
  keepStaged?: boolean;
  /**
   * Targeted staging: the filter a table's rows are staged by (see KeyFilter), given the live
   * table; null, or no `target`, stages the whole table.
   */
  target?: (live: TableInfo) => Promise<KeyFilter | null>;
  /**
   * With withRelated: a related table's own filter, when the request knows one (an incident's
   * keys of each table), in place of the one derived from its relation to the targeted table.
   */
  relatedTarget?: (live: TableInfo) => Promise<KeyFilter | null>;
}

/**
 * Resolves the source `backup` names (see openRowSource) and the live tables, and stages from it
 * whatever is not staged yet — every time for a source that grows (the trigger-audit log) —
 * through a separate read-write connection that only writes the staging namespace. The one way
 * diff and merge, in the CLI and in the console, get their tables staged.
 */
export async function prepareTables(db: Db, opts: PrepareRequest): Promise<PreparedDiff> {
  const snapshot = await db.dialect.introspect(db);
  const knowledge = detectCrm(snapshot);
  const live = await findLiveTables(db, snapshot, opts.tables);
  // The target's own backup, or another database's only when asked for (never `latest`).
  const opened = await openRowSource(db, opts.backup, { ...opts.external, dir: opts.dir, allowOtherDatabase: opts.allowOtherDatabase, snapshot });
  const { origin } = opened;
  const keep = Boolean(opts.keepStaged || opened.source.keepOnceStaged) && Boolean(opened.source.grows);
  const source = keep ? { ...opened.source, grows: false } : opened.source;
  const filters: (KeyFilter | null)[] = [];
  for (const t of live) filters.push(opts.target ? await opts.target(t) : null);
  // A growing source is staged again anyway: no need to look at what is staged first. A copy
  // serves when it is whole and none is asked for by key, or targeted by the same filter; a
  // whole copy of a source read once (dead tuples) serves a targeted request too.
  const serves = (p: StagedPair, f: KeyFilter | null) => (f && !p.targeted ? keep : servesFilter(p, f ?? undefined));
  let pairs: (StagedPair | null)[] = source.grows
    ? live.map(() => null)
    : (await stagedPairs(db, source.id, live)).map((p, i) => (p && serves(p, filters[i]) ? p : null));
  const stagedNow: string[] = [];
  const current = new Set(live.map((t) => `${t.schema}\0${t.name}`));
  if (pairs.some((p) => !p) || opts.withRelated) {
    const toStage = opts.withRelated ? live : live.filter((_, i) => !pairs[i]);
    const wanted = await source.find(toStage.map((t) => sourceTableRef(db, t)));
    // A kept whole copy (a source read once) serves as it is: no filter, so it is not read again.
    const rootFilters = new Map(
      wanted.flatMap((w, i) => {
        const j = live.indexOf(toStage[i]);
        return filters[j] && !(pairs[j] && !pairs[j].targeted) ? [[w, filters[j]] as const] : [];
      }),
    );
    const writer = await openDb(db.target, { readOnly: false, interactive: false });
    try {
      const res = await stageSourceTables(writer, source, wanted, {
        withRelated: opts.withRelated,
        relations: () => Promise.resolve(relationsOf(snapshot, knowledge)),
        onProgress: opts.onProgress,
        signal: opts.signal,
        onlyMissing: true,
        filters: rootFilters,
        // A related table the request has keys for (the wizard's incident) is staged by those.
        ...(opts.relatedTarget && {
          relatedFilter: (t: SourceTable) => {
            const info = snapshot.tables.find((x) => x.schema === t.live.schema && x.name === t.live.name);
            return info ? opts.relatedTarget!(info) : Promise.resolve(null);
          },
        }),
      });
      // What a copy leaves out (the log's rows that cannot be restored exactly) is said with its name.
      stagedNow.push(...res.tables.map((t) => `${t.schema}.${t.name}${t.note ?? ''}`));
      for (const t of res.tables) current.add(`${t.schema}\0${t.name}`);
      if (opts.withRelated) for (const t of res.related) current.add(`${t.live.schema}\0${t.live.name}`);
    } finally {
      await writer.close();
    }
    pairs = await stagedPairs(db, source.id, live);
  }
  opts.signal?.throwIfAborted();
  const named = (t: TableInfo) => `${t.schema}.${t.name}`;
  const reused = keep ? live.filter((t) => !stagedNow.some((s) => s === named(t) || s.startsWith(`${named(t)} `))) : [];
  const kept =
    reused.length && opened.source.keepOnceStaged
      ? `used ${reused.map(named).join(', ')} as staged before from ${source.id} (${opened.source.keepOnceStaged}); \`crm-rescue stage --backup ${source.id}\` reads it again`
      : null;
  const targeted = pairs[0]?.targeted;
  const keysOf = new Map<string, KeyFilter>();
  live.forEach((t, i) => filters[i] && pairs[i]?.targeted && keysOf.set(`${t.schema}\0${t.name}`, filters[i]));
  return {
    backupId: source.id,
    backupOrigin: origin,
    snapshot,
    knowledge,
    pairs: pairs as StagedPair[],
    stagedNow,
    kept,
    current,
    filters: keysOf,
    ...(targeted && { targeted }),
  };
}

/**
 * How a source names a live table. A schema of a multi-schema database is the same in the
 * source; where the schema is the database itself, a backup's is the database it was taken
 * from, whatever it was called, so the bare name finds it.
 */
function sourceTableRef(db: Db, t: TableInfo): string {
  return db.dialect.capabilities.multiSchema ? `${t.schema}.${t.name}` : t.name;
}

/** The diff plan of one prepared table, with the CRM's soft-delete mark. */
export function diffPlanFor(p: PreparedDiff, i: number, flags: { key?: string[]; columns?: string[]; where?: string }, d: Dialect): DiffPlan {
  const pair = p.pairs[i];
  // A targeted copy is compared on its keys only, on both sides: a live row of another key is
  // not "added", it was just not looked at.
  const filter = p.filters.get(`${pair.live.schema}\0${pair.live.name}`);
  const only = filter ? keysCondition(d, filter.columns, filter.keys) : null;
  const where = only ? (flags.where ? `(${flags.where}) AND ${only}` : only) : flags.where;
  const plan = planDiff({
    staged: pair.staged,
    live: pair.live,
    key: flags.key,
    columns: flags.columns,
    where,
    softDelete: p.knowledge.softDelete({ schema: pair.live.schema, name: pair.live.name }),
  });
  return only ? { ...plan, shownWhere: flags.where ?? null } : plan;
}
