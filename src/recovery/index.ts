/**
 * The recovery API: what the CLI's verbs and the console both call to get rows back. Open a
 * diff (staging what is missing), stage tables, plan a merge of one or several roots, apply it, undo it; and
 * the audit, backup and staging reads around them. Each module loads on its own, so a caller
 * that needs one part does not load the others.
 */
export {
  auditServices,
  auditSourcesOf,
  summarizeIncident,
  type AuditServices,
  type DeletionDay,
  type EventQuery,
  type IncidentSummary,
  type TimeRange,
} from './audit.js';
export { toBackupTable, type BackupTable } from './backup-table.js';
export { backupServices, type BackupDetail, type BackupItem, type BackupServices, type VerifyOutcome } from './backups.js';
export { diffServices, openDiff, type DiffRowView, type DiffServices, type DiffSet, type DiffTable } from './diff.js';
export * from './errors.js';
export { planMerge, type MergeOutcome, type MergePlan, type MergePlanRequest, type MergeStep, type MergeTotals, type RowSelection } from './merge-plan.js';
export { checkMergeSource, prepareRootMerge, type PreparedRootMerge, type RootMergeRequest } from './merge-root.js';
export { prepareTableDiff, type TableDiffRequest } from './table-diff.js';
export { stagingsToDrop } from './stagings.js';
export { mergeRecord, mergeRecords, mergeServices, undoMerge, type MergeRecordView, type MergeServices, type UndoOptions, type UndoView } from './merges.js';
export { diffPlanFor, prepareTables, type PrepareRequest, type PreparedDiff } from './prepare.js';
export type { ProgressOptions } from './progress.js';
export { windowChoice, type SourceWindow } from './source-window.js';
export { stageServices, type StageOutcome, type StageServices, type StagingSummary, type TargetedTable } from './stage.js';
export { lossKeyFilters, readLossKeys, MAX_LOSS_KEYS, type LossKeys, type LossQuery } from './loss-keys.js';
export { stageTables, type StageRequest, type StageResult } from './stage-tables.js';
