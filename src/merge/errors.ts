import { UserError } from '../errors.js';

/** The plan met conflicts and the policy is `abort` (or they cannot be overwritten). Nothing was written. */
export class MergeConflictError extends UserError {
  override name = 'MergeConflictError';
  constructor(
    message: string,
    /** Conflicting rows (first ones), for the report. */
    readonly conflicts: { table: string; key: Record<string, unknown>; reason: string }[],
    hint: string,
  ) {
    super(message, hint);
  }
}

/** The selection names no row to write (none differs, or none is soft-deleted): nothing to merge. */
export class NoRowsMatchError extends UserError {
  override name = 'NoRowsMatchError';
}
