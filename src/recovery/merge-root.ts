import type { BackupOrigin } from '../backup/belongs.js';
import type { Db } from '../connect/open.js';
import { internalNamespace } from '../dialect/namespaces.js';
import { prepareMerge, prepareMergeGroup, type MergePart, type MergeSession } from '../merge/engine.js';
import { readErasures } from '../merge/erasures.js';
import { buildMergeRequest, buildUndeleteRequest, readFlagKeys, type MergeFlags } from '../merge/prepare.js';
import { UsageError } from '../errors.js';
import type { ProgressListener } from '../progress/event.js';
import type { SourceChoice } from '../stage/sources/index.js';
import type { TableInfo } from '../dialect/model.js';
import { identifyingKey } from '../keys/identifying-key.js';
import { keyFilterOf, type KeyFilter } from '../stage/key-filter.js';
import type { Targeted } from '../stage/namespace.js';
import { prepareTables } from './prepare.js';

/** One merge of one root table: where its rows come from and which. */
export interface RootMergeRequest {
  /** The backup (id, prefix, `latest`, `audit-log`); absent for an undelete, which reads none. */
  backup?: string;
  /** The root table, `name` or `schema.name`. */
  table: string;
  /** Which rows (`undelete`: clear live rows' soft-delete marks), the policy, keys, maps. */
  flags: MergeFlags;
  /** sha256 hashes of identifiers that must never come back; default: the erasures file's. */
  erasures?: string[];
  /** --without-triggers. */
  withoutTriggers?: boolean;
  /** Seconds to wait for a lock. */
  lockTimeoutSeconds?: number;
  /** Catalog root (`--dir`). */
  dir?: string;
  allowOtherDatabase?: boolean;
  /** For a dump made by another tool: `--from-table`, `--from-database`, `--verify`. */
  external?: SourceChoice;
  /** Use what is staged from a source that grows instead of reading it again (PrepareRequest.keepStaged). */
  keepStaged?: boolean;
  /** With withRelated: related tables' own filters (PrepareRequest.relatedTarget: an incident's keys). */
  relatedTarget?: (live: TableInfo) => Promise<KeyFilter | null>;
  onProgress?: ProgressListener;
  /** Called once the backup is resolved and its tables staged, before the selection is built. */
  onPrepared?: (prepared: { backupId: string; backupOrigin: BackupOrigin | null; stagedNow: string[]; kept: string | null; targeted?: Targeted }) => void;
}

/** A root merge ready to dry-run and apply. */
export interface PreparedRootMerge {
  session: MergeSession;
  /** Whose backup it is (null for an undelete or the trigger-audit log). */
  backupOrigin: BackupOrigin | null;
}

/**
 * Prepares one merge on a read-write connection, as the CLI and the console both do it: stages
 * what the backup must provide (with the related tables when asked), builds and checks the
 * request, and computes the selection in the backup's staging namespace (an undelete reads no
 * backup: its selection goes to crm-rescue's own namespace). Nothing is written to live.
 */
export async function prepareRootMerge(db: Db, req: RootMergeRequest): Promise<PreparedRootMerge> {
  const part = await prepareRootPart(db, req);
  const session = await prepareMerge(db, part.req, { stagingNs: part.stagingNs });
  return { session, backupOrigin: part.backupOrigin };
}

/**
 * One merge of several roots (`merge --table contacts --table accounts`): each root staged and
 * checked as prepareRootMerge does, then all selected on one connection under one merge id, so
 * the dry run and the apply are each one transaction, with one journal entry and one undo. A
 * root none of whose rows is selected is left out (NoRowsMatchError when none is left).
 */
export async function prepareRootsMerge(db: Db, reqs: RootMergeRequest[]): Promise<PreparedRootMerge> {
  if (reqs.length === 1) return prepareRootMerge(db, reqs[0]);
  const parts: PreparedRootPart[] = [];
  for (const r of reqs) parts.push(await prepareRootPart(db, r));
  const session = await prepareMergeGroup(db, parts);
  return { session, backupOrigin: parts.find((p) => p.backupOrigin)?.backupOrigin ?? null };
}

/** One root's part of a merge: its checked request, the namespace its rows are in, whose backup. */
export interface PreparedRootPart extends MergePart {
  backupOrigin: BackupOrigin | null;
}

/**
 * What prepareRootMerge does before the selection: stages what the backup must provide and
 * builds the checked request. Parts of several roots go into one prepareMergeGroup (one
 * transaction for an incident).
 */
export async function prepareRootPart(db: Db, req: RootMergeRequest): Promise<PreparedRootPart> {
  const safety = {
    ...(req.withoutTriggers !== undefined && { withoutTriggers: req.withoutTriggers }),
    ...(req.lockTimeoutSeconds !== undefined && { lockTimeoutSeconds: req.lockTimeoutSeconds }),
  };
  const erasures = req.erasures ?? (await readErasures()).map((e) => e.hash);
  if (req.backup === undefined) {
    const request = await buildUndeleteRequest(db, req.table, req.flags, erasures);
    return { req: { ...request, ...safety }, stagingNs: internalNamespace(db.dialect.engine, db.target.database), backupOrigin: null };
  }
  // Keys given: only their rows are staged (targeted), unless --whole-table. Read once, here.
  // `flags.keyList`: keys known already (the wizard's incident keys).
  let keyList = req.flags.keyList;
  const flags = req.flags;
  const target =
    flags.wholeTable || !(flags.keys?.length || flags.keysFrom || keyList?.length)
      ? undefined
      : async (live: TableInfo) => {
          const key = flags.key?.length ? flags.key : identifyingKey(live)?.columns;
          if (!key) return null;
          keyList ??= await readFlagKeys(flags, key, live);
          return keyFilterOf(key, keyList);
        };
  const prepared = await prepareTables(db, {
    backup: req.backup,
    tables: [req.table],
    dir: req.dir,
    withRelated: flags.withRelated,
    onProgress: req.onProgress,
    allowOtherDatabase: req.allowOtherDatabase,
    external: req.external,
    keepStaged: req.keepStaged,
    ...(target && { target }),
    ...(req.relatedTarget && { relatedTarget: req.relatedTarget }),
  });
  req.onPrepared?.(prepared);
  const request = await buildMergeRequest(db, prepared, { ...flags, ...(keyList && { keyList }) }, erasures);
  return { req: { ...request, ...safety }, stagingNs: prepared.pairs[0].namespace, backupOrigin: prepared.backupOrigin };
}

/**
 * Where a merge's rows come from: a backup, or (undelete) live rows whose soft-delete mark is
 * cleared, which reads no backup, so flags about a backup contradict it.
 */
export function checkMergeSource(req: {
  undelete: boolean;
  backup?: string;
  backupOfOtherDatabase?: boolean;
  map?: string[];
  leaveNewColumnsEmpty?: boolean;
}): void {
  if (req.undelete && req.backup !== undefined)
    throw new UsageError(
      '--undelete reads no backup: it clears the soft-delete mark of live rows',
      'Drop --backup, or use --soft-deleted to restore rows from the backup',
    );
  if (req.undelete && req.backupOfOtherDatabase)
    throw new UsageError('--backup-of-other-database is about a backup, and --undelete reads none', 'Drop --backup-of-other-database');
  if (req.undelete && (req.map?.length || req.leaveNewColumnsEmpty))
    throw new UsageError("--map and --leave-new-columns-empty are about the backup's columns, and --undelete reads no backup", 'Drop them');
  if (!req.undelete && req.backup === undefined)
    throw new UsageError('merge needs --backup ID (or --undelete to clear soft-delete marks of live rows)', 'crm-rescue backups lists the backups');
}
