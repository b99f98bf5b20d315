import { UserError } from '../errors.js';

/** The database has no audit source at all: nothing tells who deleted what (install the trigger audit). */
export class NoAuditSourceError extends UserError {
  override name = 'NoAuditSourceError';
}
