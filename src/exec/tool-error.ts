import { ExternalError } from '../errors.js';

/** A child tool failed: an ExternalError that also says how it ended. */
export class ToolError extends ExternalError {
  override name = 'ToolError';
  constructor(
    message: string,
    command: string,
    childExitCode: number | null,
    stderrTail: string,
    hint: string | undefined,
    /** The executable's base name: `pg_dump`. */
    readonly tool: string,
    /** The signal that ended the child, if any. */
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message, command, childExitCode, stderrTail, hint);
  }
}
