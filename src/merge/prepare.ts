import { readFile } from 'node:fs/promises';
import type { Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import type { CrmKnowledge } from '../crm/flavour.js';
import { relationsOf, type Relation } from '../crm/relations.js';
import type { SchemaSnapshot, TableInfo } from '../dialect/model.js';
import { planDiff } from '../diff/plan.js';
import { checkKeyIdentifies } from '../diff/key-check.js';
import { UsageError, UserError } from '../errors.js';
import { identifyingKey } from '../keys/identifying-key.js';
import { findLiveTable, stagedPairs, type StagedPair } from '../stage/resolve.js';
import { keysCondition } from '../stage/key-filter.js';
import { parseJsonExact } from '../util/json-exact.js';
import { stagedSource } from './context.js';
import { UNDELETE_SOURCE, type ConflictPolicy, type MergeRequest, type MergeTable, type Selection } from './model.js';

/** The merge flags, as the CLI and the console give them. */
export interface MergeFlags {
  deleted?: boolean;
  softDeleted?: boolean;
  /** Clear the soft-delete mark of live rows (no backup). */
  undelete?: boolean;
  changed?: boolean;
  columns?: string[];
  keys?: string[];
  keysFrom?: string;
  where?: string;
  withRelated?: boolean;
  policy: ConflictPolicy;
  key?: string[];
  /** `[table.]backup_column=live_column`: a column renamed since the backup (table: the root by default). */
  map?: string[];
  /** Write rows although live has columns the backup lacks and the backup has columns live lacks. */
  leaveNewColumnsEmpty?: boolean;
  /** Stage and compare the whole table even when keys are given (the targeted copy is the default then). */
  wholeTable?: boolean;
  /** The keys of --keys and --keys-from, read once already (a `-` file cannot be read twice). */
  keyList?: Record<string, unknown>[];
}

/** The staged tables a merge reads: the root's pair first (recovery's prepared diff). */
export interface StagedSource {
  backupId: string;
  snapshot: SchemaSnapshot;
  knowledge: CrmKnowledge;
  pairs: StagedPair[];
  /** Tables staged or checked for this request ("schema\0name"): another table's targeted copy may miss rows, so it is left out. */
  current?: Set<string>;
}

/**
 * Builds a merge request from a prepared diff: the root pair, the staged related tables and
 * every relation between them, the selection from the flags, and the table's soft-delete mark.
 */
export async function buildMergeRequest(db: Db, p: StagedSource, flags: MergeFlags, erasureHashes: string[]): Promise<MergeRequest> {
  const root = p.pairs[0];
  const tableOf = (pair: { live: MergeTable['live']; staged: MergeTable['staged'] }, keyFlag?: string[]): MergeTable => {
    const key = keyFlag?.length ? keyFlag : identifyingKey(pair.live)?.columns;
    if (!key) throw new UserError(`table ${pair.live.schema}.${pair.live.name} has no primary key or non-null unique key`, 'Pass --key col1,col2');
    return { live: pair.live, staged: pair.staged, key, softDelete: p.knowledge.softDelete({ schema: pair.live.schema, name: pair.live.name }) };
  };
  const selections: Selection[] = [];
  if (flags.deleted) selections.push({ kind: 'deleted' });
  if (flags.softDeleted) selections.push({ kind: 'soft-deleted' });
  if (flags.changed) selections.push({ kind: 'changed', ...(flags.columns?.length && { columns: flags.columns }) });
  const maps = parseMaps(flags.map);
  const rootTable = mapColumns(tableOf(root, flags.key), maps, true);
  const keys = flags.keyList ?? (await readFlagKeys(flags, rootTable.key, root.live));
  // With a class (--deleted, --soft-deleted, --changed) the keys narrow it: the staged copy is
  // targeted to them (prepareRootPart), so the class is looked for among those keys only.
  if (keys.length && !selections.length) selections.push({ kind: 'keys', keys });
  // A whole copy (--whole-table, or one kept from a source read once) is narrowed by the keys here.
  const narrowBy =
    keys.length && selections[0].kind !== 'keys' && !root.targeted
      ? keysCondition(
          db.dialect,
          rootTable.key,
          keys.map((k) => rootTable.key.map((c) => k[c])),
        )
      : null;
  const where = narrowBy ? (flags.where ? `(${flags.where}) AND ${narrowBy}` : narrowBy) : flags.where;
  if (flags.where && !selections.length) selections.push({ kind: 'where', where: flags.where });
  if (!selections.length) {
    throw new UsageError('no selection: say which rows to bring back', 'Use --deleted, --soft-deleted, --changed, --keys, --keys-from or --where');
  }
  const relations = relationsOf(p.snapshot, p.knowledge);
  const related: MergeTable[] = [];
  if (flags.withRelated) {
    const others = p.snapshot.tables.filter((t) => !(t.schema === root.live.schema && t.name === root.live.name));
    const pairs = await stagedPairs(db, p.backupId, others);
    for (const pair of pairs) {
      if (!pair) continue;
      // A targeted copy staged for another request holds only that request's rows.
      if (pair.targeted && !p.current?.has(`${pair.live.schema}\0${pair.live.name}`)) continue;
      const key = identifyingKey(pair.live)?.columns;
      if (key) related.push(mapColumns(tableOf(pair), maps, false));
    }
  }
  const unused = maps.find((m) => !m.used);
  if (unused)
    throw new UsageError(
      `--map ${unused.text}: table ${unused.table} is not part of this merge`,
      'Name the table as --table does (with --with-related: a related table), or leave the table out for --table itself',
    );
  // Rows are matched by key: it must identify one row in both copies (checked in the database
  // where the schema does not declare it). --where narrows the backup's rows, as the merge does.
  if (flags.where !== undefined) planDiff({ staged: rootTable.staged, live: rootTable.live, key: rootTable.key, where: flags.where });
  for (const t of [rootTable, ...related]) {
    await checkKeyIdentifies(
      db,
      db.dialect,
      t.key,
      [
        {
          label: 'the backup',
          table: t.staged,
          from: stagedSource(db.dialect, t),
          ...(t === rootTable && flags.where !== undefined && { where: flags.where }),
        },
        { label: 'live', table: t.live },
      ],
      `${t.live.schema}.${t.live.name}`,
    );
  }
  return {
    backupId: p.backupId,
    root: rootTable,
    selections,
    ...(where && selections.some((s) => s.kind !== 'where') && { where }),
    related,
    relations,
    withRelated: Boolean(flags.withRelated),
    policy: flags.policy,
    erasureHashes,
    ...(flags.leaveNewColumnsEmpty && { leaveNewColumnsEmpty: true }),
  };
}

/** One --map: the backup's column `from` of `table` (null: the root) is written to live's `to`. */
interface ColumnMapFlag {
  text: string;
  table: string | null;
  from: string;
  to: string;
  used: boolean;
}

/** Parses `--map [table.]from=to` flags. */
function parseMaps(flags: string[] | undefined): ColumnMapFlag[] {
  return (flags ?? []).map((text) => {
    const m = /^(?:(.+)\.)?([^.=]+)=([^=]+)$/.exec(text.trim());
    if (!m)
      throw new UsageError(
        `--map ${text}: expected BACKUP_COLUMN=LIVE_COLUMN`,
        'e.g. --map name=full_name (a column renamed since the backup), or --map contacts.name=full_name',
      );
    return { text, table: m[1] ?? null, from: m[2].trim(), to: m[3].trim(), used: false };
  });
}

/**
 * Applies the --map flags that name this table (or, unnamed, the root): the staged columns take
 * the live names they are mapped to, and `columnMap` remembers what to read them from.
 */
function mapColumns(t: MergeTable, maps: ColumnMapFlag[], isRoot: boolean): MergeTable {
  const display = `${t.live.schema}.${t.live.name}`;
  const mine = maps.filter((m) => (m.table === null ? isRoot : m.table === t.live.name || m.table === display));
  if (!mine.length) return t;
  const rename = new Map<string, string>();
  for (const m of mine) {
    m.used = true;
    if (!t.staged.columns.some((c) => c.name === m.from)) {
      throw new UserError(`--map ${m.text}: the backup's ${display} has no column ${m.from}`, `Its columns: ${t.staged.columns.map((c) => c.name).join(', ')}`);
    }
    if (!t.live.columns.some((c) => c.name === m.to))
      throw new UserError(`--map ${m.text}: live ${display} has no column ${m.to}`, `Its columns: ${t.live.columns.map((c) => c.name).join(', ')}`);
    if (rename.has(m.from) || [...rename.values()].includes(m.to))
      throw new UsageError(`--map ${m.text}: ${m.from} or ${m.to} is mapped twice`, 'Map each column once');
    rename.set(m.from, m.to);
  }
  for (const to of rename.values()) {
    if (t.staged.columns.some((c) => c.name === to) && !rename.has(to)) {
      throw new UserError(`--map: the backup's ${display} has a column ${to} of its own`, `Map only columns renamed since the backup, or map ${to} too`);
    }
  }
  const as = (name: string) => rename.get(name) ?? name;
  const staged = {
    ...t.staged,
    columns: t.staged.columns.map((c) => ({ ...c, name: as(c.name) })),
    primaryKey: t.staged.primaryKey && { ...t.staged.primaryKey, columns: t.staged.primaryKey.columns.map(as) },
    uniqueKeys: t.staged.uniqueKeys.map((k) => ({ ...k, columns: k.columns.map(as) })),
  };
  return { ...t, staged, columnMap: Object.fromEntries([...rename].map(([from, to]) => [to, from])) };
}

/**
 * Builds an undelete from live alone (no backup): the table, its key and soft-delete mark, the
 * rows (keys and/or --where), and with --with-related the tables whose rows may have been
 * flagged by the same deletion (children of the table, transitively, with a mark of their own).
 * A mark kept on another table's row (vtiger's vtiger_crmentity) makes that table the one written.
 */
export async function buildUndeleteRequest(db: Db, table: string, flags: MergeFlags, erasureHashes: string[]): Promise<MergeRequest> {
  if (flags.deleted || flags.softDeleted || flags.changed) {
    throw new UsageError(
      '--undelete clears the soft-delete mark of live rows and does not combine with --deleted, --soft-deleted or --changed',
      'Run those as a separate merge from a backup',
    );
  }
  const snapshot = await db.dialect.introspect(db);
  const knowledge = detectCrm(snapshot);
  const live = findLiveTable(snapshot, table);
  const display = `${live.schema}.${live.name}`;
  const key = flags.key?.length ? flags.key : identifyingKey(live)?.columns;
  if (!key) throw new UserError(`table ${display} has no primary key or non-null unique key`, 'Pass --key col1,col2');
  // Checks --key and --where as diff does (columns exist, one condition, no comments).
  planDiff({ staged: live, live, key, ...(flags.where !== undefined && { where: flags.where }) });
  await checkKeyIdentifies(db, db.dialect, key, [{ label: 'live', table: live }], display);
  const mark = knowledge.softDelete({ schema: live.schema, name: live.name });
  if (!mark) {
    throw new UserError(
      `table ${display} has no soft-delete mark that crm-rescue knows (${knowledge.name}), so there is nothing to undelete`,
      'Rows deleted for real come back from a backup: crm-rescue merge --backup ID --table T --deleted',
    );
  }
  let keys = [...(flags.keys ?? []).map((k) => parseKey(k, key)), ...(flags.keysFrom ? await readKeys(flags.keysFrom, key, live) : [])];
  if (!keys.length && flags.where === undefined) {
    throw new UsageError('--undelete needs to know which rows: --keys, --keys-from or --where', 'crm-rescue audit deletions lists deleted rows and their keys');
  }
  let rootTable: MergeTable = { live, staged: live, key, softDelete: mark };
  let via: Extract<Selection, { kind: 'undelete' }>['via'];
  if (mark.via) {
    const holder = snapshot.tables.find((t) => t.schema === mark.via!.table.schema && t.name === mark.via!.table.name);
    const holderKey = holder && identifyingKey(holder)?.columns;
    const holderMark = holder && knowledge.softDelete({ schema: holder.schema, name: holder.name });
    const sameKey = holderKey && sameCols(mark.via.columns, key) && sameCols(mark.via.refColumns, holderKey);
    if (!holder || !holderKey || !holderMark || holderMark.via || (keys.length && !sameKey)) {
      throw new UserError(
        `the rows of ${display} are soft-deleted through ${mark.via.table.name}, and crm-rescue cannot map them`,
        `Undelete the ${mark.via.table.name} rows: --table ${mark.via.table.name}`,
      );
    }
    keys = keys.map((k) => Object.fromEntries(holderKey.map((c, i) => [c, k[key[i]]])));
    via = { table: live, columns: mark.via.columns, refColumns: mark.via.refColumns };
    rootTable = { live: holder, staged: holder, key: holderKey, softDelete: holderMark };
  }
  const relations = relationsOf(snapshot, knowledge);
  const related = flags.withRelated ? markedChildren(snapshot, relations, rootTable.live, (t) => knowledge.softDelete({ schema: t.schema, name: t.name })) : [];
  return {
    backupId: UNDELETE_SOURCE,
    root: rootTable,
    selections: [{ kind: 'undelete', ...(keys.length && { keys }), ...(flags.where !== undefined && { where: flags.where }), ...(via && { via }) }],
    related,
    relations,
    withRelated: Boolean(flags.withRelated),
    policy: flags.policy,
    erasureHashes,
  };
}

/** Tables below `root` (children, their children, …) that carry a soft-delete mark of their own. */
function markedChildren(snapshot: SchemaSnapshot, relations: Relation[], root: TableInfo, markOf: (t: TableInfo) => MergeTable['softDelete']): MergeTable[] {
  const out = new Map<string, MergeTable>();
  let frontier = [root];
  for (let depth = 0; depth < 6 && frontier.length; depth++) {
    const next: TableInfo[] = [];
    for (const parent of frontier) {
      for (const r of relations) {
        if (r.parent.schema !== parent.schema || r.parent.name !== parent.name) continue;
        const id = `${r.child.schema}.${r.child.name}`;
        const child = snapshot.tables.find((t) => t.schema === r.child.schema && t.name === r.child.name);
        if (!child || child === root || out.has(id)) continue;
        const mark = markOf(child);
        const key = identifyingKey(child)?.columns;
        if (!mark || mark.via || !key) continue;
        out.set(id, { live: child, staged: child, key, softDelete: mark });
        next.push(child);
      }
    }
    frontier = next;
  }
  return [...out.values()];
}

function sameCols(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** `--keys 12,13` (single-column key) or `--keys '{"id":12}'`. */
function parseKey(text: string, key: string[]): Record<string, unknown> {
  const t = text.trim();
  if (t.startsWith('{')) {
    const obj = parseJsonExact(t) as Record<string, unknown>;
    return (obj.key as Record<string, unknown>) ?? obj;
  }
  if (key.length !== 1)
    throw new UsageError(`the key of this table has ${key.length} columns (${key.join(', ')})`, 'Give keys as JSON objects, e.g. --keys-from keys.ndjson');
  return { [key[0]]: t };
}

/** The keys --keys and --keys-from give (read once: a `-` file is stdin). */
export async function readFlagKeys(flags: Pick<MergeFlags, 'keys' | 'keysFrom'>, key: string[], table?: TableInfo): Promise<Record<string, unknown>[]> {
  return [...(flags.keys ?? []).map((k) => parseKey(k, key)), ...(flags.keysFrom ? await readKeys(flags.keysFrom, key, table) : [])];
}

/**
 * One key per line: a plain value, a JSON object, or an NDJSON row of `crm-rescue diff` or
 * `crm-rescue audit deletions` (lines naming another table than `table` are left out).
 */
async function readKeys(path: string, key: string[], table?: TableInfo): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read --keys-from ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const out: Record<string, unknown>[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    try {
      // Keys above 2^53 stay exact: a JS number would round them to another row's key.
      const parsed = line.trim().startsWith('{') ? (parseJsonExact(line) as Record<string, unknown>) : null;
      if (parsed && parsed.type === 'summary') continue;
      if (
        parsed &&
        table &&
        typeof parsed.table === 'string' &&
        typeof parsed.key === 'object' &&
        (parsed.table !== table.name || (typeof parsed.schema === 'string' && parsed.schema !== table.schema))
      )
        continue;
      out.push(parsed ? ((parsed.key as Record<string, unknown>) ?? parsed) : parseKey(line, key));
    } catch (err) {
      throw new UserError(`--keys-from ${path} line ${i + 1} is not a key: ${(err as Error).message}`);
    }
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
