import type { SoftDeleteMark } from '../crm/flavour.js';
import type { TableInfo } from '../dialect/model.js';

/** How a row differs between staging (the backup) and live. */
export type DiffClass = 'deleted' | 'soft-deleted' | 'changed' | 'added';

/** All classes, in the order output lists them. */
export const DIFF_CLASSES: readonly DiffClass[] = ['deleted', 'soft-deleted', 'changed', 'added'];

/** A compared column and its type on each side. */
export interface ComparedColumn {
  name: string;
  stagedType: string;
  liveType: string;
}

/** A diff whose tables, key and columns were checked against introspection. */
export interface DiffPlan {
  staged: TableInfo;
  live: TableInfo;
  key: string[];
  /** Where the key came from. */
  keySource: 'primary' | 'unique' | 'flag';
  /** Compared columns (the key excluded). */
  columns: ComparedColumn[];
  /** Columns that exist on one side only: reported, not compared. */
  onlyInStaged: string[];
  onlyInLive: string[];
  /** The soft-delete mark of the table, when the CRM flavour knows one and it is compared. */
  softDelete: SoftDeleteMark | null;
  /** A filter applied to both sides (SQL over the table's own columns). */
  where?: string;
  /** The filter as the user gave it, when `where` also holds a targeted copy's keys (reports show this one). */
  shownWhere?: string | null;
}

/** Counts per class. */
export interface DiffCounts {
  deleted: number;
  softDeleted: number;
  changed: number;
  added: number;
  unchanged: number;
}

/** What the diff found, before its rows. */
export interface DiffSummary {
  table: { schema: string; name: string };
  staged: { schema: string; name: string };
  key: string[];
  keySource: DiffPlan['keySource'];
  columns: string[];
  onlyInStaged: string[];
  onlyInLive: string[];
  softDelete: { column: string; kind: string } | null;
  where: string | null;
  counts: DiffCounts;
}

/** One differing row. Values are as the server spells them (binary as `\x…` hex). */
export interface DiffRow {
  class: DiffClass;
  key: Record<string, unknown>;
  /** The backup's values (deleted, soft-deleted, changed). */
  before?: Record<string, unknown>;
  /** Live values (added, soft-deleted, changed). */
  after?: Record<string, unknown>;
  /** The columns whose values differ (soft-deleted, changed). */
  changedColumns?: string[];
}
