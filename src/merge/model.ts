import type { SoftDeleteMark } from '../crm/flavour.js';
import type { Relation } from '../crm/relations.js';
import type { TableInfo } from '../dialect/model.js';

/** What to do when a row conflicts (DESIGN.md safety rule 4: the policy is always explicit). */
export type ConflictPolicy = 'skip' | 'overwrite' | 'abort';

/** Which rows of the root table to bring back. Several kinds may be combined (union). */
export type Selection =
  /** Rows in the backup whose key is gone from live: inserted. */
  | { kind: 'deleted' }
  /** Rows live has only flagged as deleted: the flag and the columns it touched are restored. */
  | { kind: 'soft-deleted' }
  /** Rows that differ: reverted to the backup's values (all compared columns, or `columns`). */
  | { kind: 'changed'; columns?: string[] }
  /** Explicit keys (from --keys / --keys-from). Each is inserted, or a key-exists conflict. */
  | { kind: 'keys'; keys: Record<string, unknown>[] }
  /** Staged rows matching a condition. Each is inserted, or a key-exists conflict. */
  | { kind: 'where'; where: string }
  /**
   * No backup: live rows that carry the CRM's soft-delete mark get it cleared (and nothing else
   * written). Which rows: these keys and/or those matching `where`. `via` when the mark lives on
   * another table's row (vtiger module tables): the root is then that table, and keys/where are
   * about `via.table` rows (`via.columns` hold the root's `via.refColumns`).
   */
  | { kind: 'undelete'; keys?: Record<string, unknown>[]; where?: string; via?: { table: TableInfo; columns: string[]; refColumns: string[] } };

/** The backup id an undelete is journaled with: it reads no backup. */
export const UNDELETE_SOURCE = 'undelete';

/** True when the request clears soft-delete marks of live rows instead of writing a backup's rows. */
export function isUndelete(req: Pick<MergeRequest, 'selections'>): boolean {
  return req.selections.some((s) => s.kind === 'undelete');
}

/** A table that takes part in a merge: its live and staged forms. */
export interface MergeTable {
  live: TableInfo;
  /** The staged table; with `columnMap`, its columns carry the live names they are mapped to. */
  staged: TableInfo;
  key: string[];
  softDelete?: SoftDeleteMark | null;
  /** --map: live column name → the backup's column written to it (renamed since the backup). */
  columnMap?: Record<string, string>;
}

/** Everything a merge needs, already checked against introspection. */
export interface MergeRequest {
  backupId: string;
  /** The table the selection is about. */
  root: MergeTable;
  selections: Selection[];
  /** Further filter on the root's staged rows. */
  where?: string;
  /** Other staged tables --with-related may bring rows from, and the relations that link them. */
  related: MergeTable[];
  relations: Relation[];
  withRelated: boolean;
  policy: ConflictPolicy;
  /**
   * --leave-new-columns-empty: rows may be written although the backup has columns live lacks
   * and live has columns the backup lacks (a rename not mapped); inserted rows leave live's
   * columns to their defaults (NULL), and the preview says so.
   */
  leaveNewColumnsEmpty?: boolean;
  /** sha256 hex of normalised identifiers that must never come back (see erasures). */
  erasureHashes: string[];
  /** Seconds to wait for a lock (a row, a table, another merge of the same table), and for one statement. */
  lockTimeoutSeconds?: number;
  /**
   * Write with the live tables' triggers skipped for this transaction (PostgreSQL
   * session_replication_role = replica; refused where the engine or the user cannot). Recorded in
   * the journal; undo then skips them too.
   */
  withoutTriggers?: boolean;
  statementTimeoutSeconds?: number;
  /** Rows per INSERT … SELECT / UPDATE batch. */
  batchSize?: number;
}

/** Why a row is not written. */
export type SkipReason = 'key-exists' | 'unique-collision' | 'missing-parent' | 'changed-since-diff' | 'erasure';

/** One row's outcome, as the report lists it. */
export interface RowOutcome {
  table: string;
  key: Record<string, unknown>;
  outcome: 'inserted' | 'updated' | 'skipped' | 'would-insert' | 'would-update';
  reason?: string;
}

/** One table of the plan. */
export interface PlannedTable {
  schema: string;
  name: string;
  /** Position in the write order (parents first). */
  order: number;
  inserts: number;
  updates: number;
  skipped: number;
  /** Counts of skip/conflict reasons. */
  conflicts: Partial<Record<SkipReason, number>>;
  /** Columns written. */
  columns: string[];
  /** Why rows of this table are part of the plan. */
  via: string;
  /** The table's triggers on the events this plan performs: fired, or skipped (--without-triggers). */
  triggers?: TriggerUse[];
}

/** One root's share of a merge of several roots. */
export interface MergePartResult {
  /** The root table. */
  root: { schema: string; name: string };
  /** Indexes into MergeResult.tables. */
  tables: number[];
  totals: MergeResult['totals'];
  /** The statements of this part, in order. */
  sql: string[];
  /** Dry run only: the conflicts that block this part under the abort policy (the rest is still planned). */
  blocked?: { message: string; conflicts: { table: string; key: Record<string, unknown>; reason: string }[] };
}

/** A live table's trigger that a merge (or its undo) sets off, or skips. */
export interface TriggerUse {
  name: string;
  timing: string;
  /** The events of this plan it fires on (INSERT, UPDATE, DELETE). */
  events: string[];
  fired: boolean;
}

/** The result of a dry run or an apply. */
export interface MergeResult {
  mergeId: string;
  applied: boolean;
  backupId: string;
  policy: ConflictPolicy;
  tables: PlannedTable[];
  totals: { inserted: number; updated: number; skipped: number };
  /** The SQL statements that write live rows, in order (with --sql printed whole). */
  sql: string[];
  /** What the plan does not do that one could expect (undelete: columns left as the delete wrote them). */
  notes?: string[];
  /**
   * Every written row compared with its source inside the transaction, before COMMIT (dry run and
   * apply alike). A mismatch rolls back, so a result always has 0.
   */
  verify?: { checked: number; mismatched: number };
  /** The live tables' triggers were skipped (--without-triggers). */
  withoutTriggers?: boolean;
  /** Seconds the write transaction took. */
  durationSeconds: number;
  /**
   * The roots of a merge of several (one incident: deleted contacts, soft-deleted accounts), in
   * write order, each with its tables (indexes into `tables`) and SQL. One transaction for all.
   */
  parts?: MergePartResult[];
}
