import { UserError } from '../errors.js';

/**
 * The expected outcomes of recovery that are not a result: each its own class, so that the
 * console and the CLI decide by kind, never by a message's text.
 */

/** A diff was asked for without a table. */
export class NoTableChosenError extends UserError {
  override name = 'NoTableChosenError';
  constructor() {
    super('no table chosen', 'Select at least one table to compare');
  }
}

/** A page or a row was asked of a table that is not part of the opened diff. */
export class NotInDiffError extends UserError {
  override name = 'NotInDiffError';
  constructor(readonly table: string) {
    super(`table ${table} is not part of this diff`);
  }
}

/** Every selected row is the same in live as in the backup again (someone put them back): nothing to merge. */
export class NothingToMergeError extends UserError {
  override name = 'NothingToMergeError';
  constructor() {
    super('the selected rows are no longer different from the backup', 'Nothing to merge: the diff shows what differs now');
  }
}

/** A plan is applied a second time. */
export class PlanAppliedError extends UserError {
  override name = 'PlanAppliedError';
  constructor() {
    super('this plan was applied already', 'Plan again to merge more rows');
  }
}

/** A plan with conflicts under the abort policy is applied: nothing was written. */
export class PlanBlockedError extends UserError {
  override name = 'PlanBlockedError';
  constructor() {
    super(`the plan has conflicts and the policy is abort: nothing was applied`, 'Choose another policy (skip or overwrite) and plan again');
  }
}
