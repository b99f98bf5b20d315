import type { BackupOrigin } from '../backup/belongs.js';
import type { Db } from '../connect/open.js';
import type { Relation } from '../crm/relations.js';
import { preloadOwnTables } from '../dialect/own-tables-db.js';
import type { ProgressListener } from '../progress/event.js';
import type { StagedTable } from '../stage/namespace.js';
import { relatedSourceTables } from '../stage/related.js';
import type { RowSource, SourceTable } from '../stage/row-source.js';
import type { SourceChoice } from '../stage/sources/index.js';
import { openRowSource } from '../stage/sources/index.js';
import { stageFromSource, type StagedFromSource } from '../stage/stage-rows.js';
import { filterOfValues, keyFilterOf, type KeyFilter } from '../stage/key-filter.js';
import { readStaging, type Targeted } from '../stage/namespace.js';
import { findLiveTables } from '../stage/resolve.js';
import { identifyingKey } from '../keys/identifying-key.js';
import { readFlagKeys } from '../merge/prepare.js';
import { UsageError, UserError } from '../errors.js';
import { tableLabel } from '../dialect/table-label.js';

/** What to stage. */
export interface StageRequest {
  /** What `--backup` names: a backup id, unique prefix or `latest`, or another row source (`audit-log`). */
  backup: string;
  /** Table names (`name` or `schema.name`) as in the source. */
  tables: string[];
  /** Also stage tables related to these (declared and CRM-implied relations). */
  withRelated?: boolean;
  /** Catalog root (`--dir`). */
  dir?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Skip tables that are already staged from this source (diff and merge stage on demand). */
  onlyMissing?: boolean;
  /** Accept a backup of another database than the target's (`--backup-of-other-database`). */
  allowOtherDatabase?: boolean;
  /** For a dump made by another tool: `--from-table`, `--from-database`, `--verify`. */
  external?: SourceChoice;
  /**
   * Targeted staging of the one table asked for (`--keys`, `--keys-from`): only its rows of these
   * keys, by the live table's identifying key or `key`.
   */
  keys?: string[];
  keysFrom?: string;
  key?: string[];
}

/** What staging did. */
export interface StageResult {
  /** The source's id: the backup's, or `audit-log`. */
  backupId: string;
  /**
   * Whose backup it is: the target's, the target's without a recorded identity, or another
   * database's; null for a source that is the target's own (the trigger-audit log).
   */
  backupOrigin: BackupOrigin | null;
  namespace: string;
  /** `note`: what the copy leaves out and why (a log's rows that cannot be restored exactly), starting with a space. */
  tables: (StagedTable & { seconds: number; related: boolean; note?: string })[];
  /** A targeted stage: how many keys were asked for and how many the source holds. */
  targeted?: Targeted;
}

/** How to stage tables already found in a source. */
export interface StageSourceOptions {
  /** Also stage the source's tables related to these; `relations` gives the live database's relations. */
  withRelated?: boolean;
  relations?: () => Promise<Relation[]>;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  onlyMissing?: boolean;
  /**
   * Targeted staging of wanted tables: only their rows of these keys, and with withRelated only
   * the related rows that point at them (children, by reference) or that they point at (parents,
   * by the references of the staged rows). A wanted table without a filter, and a related table
   * tied to the targeted ones by no simple relation, is staged whole.
   */
  filters?: Map<SourceTable, KeyFilter>;
  /**
   * A related table's own filter when the request has one for it (an incident deleted rows of
   * both a table and its children: the children's own keys, which the wizard's other steps ask
   * for too), in place of the one derived from a relation; null: derive it.
   */
  relatedFilter?: (t: SourceTable) => Promise<KeyFilter | null>;
}

/**
 * Stages tables of a row source into its staging namespace on the live server (DESIGN.md safety
 * rule 2), with their related tables when asked (see relatedSourceTables). Each table is built
 * under a temporary name and swapped in at the end, so a failure leaves an earlier staged copy
 * intact. Live tables are never written; `db` must be read-write only for the staging namespace.
 * The one way every caller stages (see stageTables, prepareTables).
 */
export async function stageSourceTables(
  db: Db,
  source: RowSource,
  wanted: SourceTable[],
  opts: StageSourceOptions = {},
): Promise<{ namespace: string; tables: (StagedFromSource & { related: boolean })[]; related: SourceTable[] }> {
  preloadOwnTables();
  const relations = opts.withRelated ? await (opts.relations ?? (() => liveRelations(db)))() : [];
  const related = opts.withRelated ? await relatedSourceTables(source, wanted, relations) : [];
  const base = { onProgress: opts.onProgress, signal: opts.signal, onlyMissing: opts.onlyMissing };
  const roots = opts.filters ?? new Map<SourceTable, KeyFilter>();
  if (!roots.size) {
    const staged = await stageFromSource(db, source, [...wanted, ...related], base);
    return { namespace: staged.namespace, tables: staged.tables.map((t) => ({ ...t, related: related.includes(t.from) })), related };
  }
  // Targeted: the wanted tables and the children of targeted ones first (their filters are the
  // roots' keys), then the roots' parents, whose keys are the references the staged rows hold.
  const plan = targetedRelated(roots, related, relations);
  for (const t of related) {
    const own = opts.relatedFilter ? await opts.relatedFilter(t) : null;
    if (!own) continue;
    plan.children.set(t, own);
    plan.parents.delete(t);
  }
  const filters = new Map<SourceTable, KeyFilter>([...roots, ...plan.children]);
  const first = await stageFromSource(db, source, [...wanted, ...related.filter((t) => !plan.parents.has(t))], { ...base, filters });
  const out = first.tables.map((t) => ({ ...t, related: !wanted.includes(t.from) }));
  if (plan.parents.size) {
    const parentFilters = new Map<SourceTable, KeyFilter>();
    for (const [t, { root, rel }] of plan.parents) {
      const values = await referencedValues(db, first.namespace, root, rel.childColumns);
      if (values) parentFilters.set(t, filterOfValues(rel.parentColumns, values));
    }
    const second = await stageFromSource(db, source, [...plan.parents.keys()], { ...base, filters: parentFilters });
    out.push(...second.tables.map((t) => ({ ...t, related: true })));
  }
  return { namespace: first.namespace, tables: out, related };
}

/**
 * How each related table of targeted roots is narrowed: a child by its reference to a root's key
 * (when exactly one relation ties it to exactly one targeted root, on exactly the key's
 * columns), a parent by the values one root's rows refer to it with (one relation). Any other
 * related table is staged whole.
 */
function targetedRelated(roots: Map<SourceTable, KeyFilter>, related: SourceTable[], relations: Relation[]) {
  const same = (a: { schema: string; name: string }, b: { schema: string; name: string }) => a.schema === b.schema && a.name === b.name;
  const children = new Map<SourceTable, KeyFilter>();
  const parents = new Map<SourceTable, { root: SourceTable; rel: Relation }>();
  const rootList = [...roots.keys()];
  for (const t of related) {
    const asChild = relations.filter((r) => same(r.child, t.live) && rootList.some((x) => same(r.parent, x.live)));
    const asParent = relations.filter((r) => same(r.parent, t.live) && rootList.some((x) => same(r.child, x.live)));
    if (asChild.length === 1 && !asParent.length) {
      const r = asChild[0];
      const filter = roots.get(rootList.find((x) => same(r.parent, x.live))!)!;
      // The child's columns in the order of the root filter's.
      const cols = filter.columns.map((c) => r.childColumns[r.parentColumns.indexOf(c)]);
      if (r.parentColumns.length === filter.columns.length && cols.every(Boolean)) children.set(t, filterOfValues(cols, filter.keys));
    } else if (asParent.length === 1 && !asChild.length) {
      const r = asParent[0];
      parents.set(t, { root: rootList.find((x) => same(r.child, x.live))!, rel: r });
    }
  }
  return { children, parents };
}

/** The distinct non-null values of `columns` in the staged copy of `root` (null when it is not staged by that name). */
async function referencedValues(db: Db, ns: string, root: SourceTable, columns: string[]): Promise<unknown[][] | null> {
  const staging = await readStaging(db, db.dialect, ns);
  const entry = staging?.tables.find((t) => t.schema === root.live.schema && t.name === root.live.name);
  if (!entry) return null;
  const d = db.dialect;
  const list = columns.map((c) => d.quoteIdent(c)).join(', ');
  try {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT DISTINCT ${list} FROM ${d.quoteQualified(ns, entry.stagedAs)} WHERE ${columns.map((c) => `${d.quoteIdent(c)} IS NOT NULL`).join(' AND ')}`,
    );
    const values = rows.map((r) => columns.map((c) => r[c]));
    // Only values whose text is the one a reader sees (ids); a date or bytes: the parent is staged whole.
    return values.every((v) => v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'bigint')) ? values : null;
  } catch {
    // A column the backup does not have: the parent is staged whole.
    return null;
  }
}

/**
 * Stages tables of the source `--backup` names (see openRowSource): the target's own backup (or
 * another database's, on purpose), never another engine's; or the trigger-audit log. The `stage`
 * verb and the console's staging call it, on a connection that may write staging.
 */
export async function stageTables(db: Db, req: StageRequest): Promise<StageResult> {
  preloadOwnTables();
  // Before the source is opened (an import can take minutes): keys are one table's.
  if ((req.keys?.length || req.keysFrom) && req.tables.length !== 1) throw new UsageError('--keys and --keys-from stage one table: name exactly one --table');
  const { source, origin } = await openRowSource(db, req.backup, { ...req.external, dir: req.dir, allowOtherDatabase: req.allowOtherDatabase });
  const wanted = await source.find(req.tables);
  const filters = await flagFilters(db, wanted, req);
  const staged = await stageSourceTables(db, source, wanted, {
    withRelated: req.withRelated,
    onProgress: req.onProgress,
    signal: req.signal,
    onlyMissing: req.onlyMissing,
    ...(filters && { filters }),
  });
  const root = filters && wanted[0];
  const targeted = root
    ? (await readStaging(db, db.dialect, staged.namespace))?.tables.find((t) => t.schema === root.live.schema && t.name === root.live.name)?.targeted
    : undefined;
  return {
    ...(targeted && { targeted }),
    backupId: source.id,
    backupOrigin: origin,
    namespace: staged.namespace,
    tables: staged.tables.map(({ schema, name, stagedAs, rows, bytes, stagedAt, seconds, related, note }) => ({
      schema,
      name,
      stagedAs,
      rows,
      bytes,
      stagedAt,
      seconds,
      related,
      ...(note && { note }),
    })),
  };
}

/**
 * The filter of `--keys`/`--keys-from` (null without them): one table, whose key is the live
 * table's identifying key (or `--key`), so that diff and merge by the same keys find this copy.
 */
async function flagFilters(db: Db, wanted: SourceTable[], req: StageRequest): Promise<Map<SourceTable, KeyFilter> | null> {
  if (!req.keys?.length && !req.keysFrom) return null;
  const [w] = wanted;
  const label = tableLabel(db.dialect.engine, w.live.schema, w.live.name);
  const snapshot = await db.dialect.introspect(db);
  const [live] = await findLiveTables(db, snapshot, [label]).catch(() => [null]);
  const columns = req.key?.length ? req.key : live ? identifyingKey(live)?.columns : undefined;
  if (!columns) {
    throw new UserError(
      live ? `${label} has no primary or non-null unique key to match --keys with` : `${label} is not a live table: its key is unknown`,
      'name the columns that identify a row with --key',
    );
  }
  const keys = await readFlagKeys(req, columns, live ?? undefined);
  const filter = keyFilterOf(columns, keys);
  if (!filter) throw new UserError(`--keys-from ${req.keysFrom} does not give every key column (${columns.join(', ')}) of ${label}`);
  if (!filter.keys.length) throw new UserError(`no keys given for ${label}`, 'check the --keys/--keys-from input: it holds no key of this table');
  return new Map([[w, filter]]);
}

/** The live database's declared and CRM-implied relations. */
async function liveRelations(db: Db): Promise<Relation[]> {
  // Loaded only here: CRM knowledge is not needed to stage the tables asked for.
  const [{ detectCrm }, { relationsOf }] = await Promise.all([import('../crm/detect.js'), import('../crm/relations.js')]);
  const snapshot = await db.dialect.introspect(db);
  return relationsOf(snapshot, detectCrm(snapshot));
}
