import { readFile } from 'node:fs/promises';
import type { Db } from '../connect/open.js';
import { relationsOf } from '../crm/relations.js';
import type { PreparedDiff } from '../diff/prepare.js';
import { UsageError, UserError } from '../errors.js';
import { identifyingKey } from '../inspect/report.js';
import { stagedPairs } from '../stage/resolve.js';
import type { ConflictPolicy, MergeRequest, MergeTable, Selection } from './model.js';

/** The merge flags, as the CLI and the console give them. */
export interface MergeFlags {
  deleted?: boolean;
  softDeleted?: boolean;
  changed?: boolean;
  columns?: string[];
  keys?: string[];
  keysFrom?: string;
  where?: string;
  withRelated?: boolean;
  policy: ConflictPolicy;
  key?: string[];
}

/**
 * Builds a merge request from a prepared diff: the root pair, the staged related tables and
 * every relation between them, the selection from the flags, and the table's soft-delete mark.
 */
export async function buildMergeRequest(db: Db, p: PreparedDiff, flags: MergeFlags, erasureHashes: string[]): Promise<MergeRequest> {
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
  const rootTable = tableOf(root, flags.key);
  const keys = [...(flags.keys ?? []).map((k) => parseKey(k, rootTable.key)), ...(flags.keysFrom ? await readKeys(flags.keysFrom, rootTable.key) : [])];
  if (keys.length) selections.push({ kind: 'keys', keys });
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
      const key = identifyingKey(pair.live)?.columns;
      if (key) related.push(tableOf(pair));
    }
  }
  return {
    backupId: p.backupId,
    root: rootTable,
    selections,
    ...(flags.where && selections.some((s) => s.kind !== 'where') && { where: flags.where }),
    related,
    relations,
    withRelated: Boolean(flags.withRelated),
    policy: flags.policy,
    erasureHashes,
  };
}

/** `--keys 12,13` (single-column key) or `--keys '{"id":12}'`. */
function parseKey(text: string, key: string[]): Record<string, unknown> {
  const t = text.trim();
  if (t.startsWith('{')) {
    const obj = JSON.parse(t) as Record<string, unknown>;
    return (obj.key as Record<string, unknown>) ?? obj;
  }
  if (key.length !== 1) throw new UsageError(`the key of this table has ${key.length} columns (${key.join(', ')})`, 'Give keys as JSON objects, e.g. --keys-from keys.ndjson');
  return { [key[0]]: t };
}

/** One key per line: a plain value, a JSON object, or an NDJSON row of `crm-rescue diff`. */
async function readKeys(path: string, key: string[]): Promise<Record<string, unknown>[]> {
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
      const parsed = line.trim().startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : null;
      if (parsed && parsed.type === 'summary') continue;
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
