/**
 * The error taxonomy: every failure the CLI reports is one of these kinds, and the kind decides
 * the exit code and how much is shown. One handler at the top (`src/cli/index.ts`) prints them.
 */

/** Exit codes per DESIGN.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  differences: 3,
} as const;

/** Something the user can fix: a wrong flag value, a missing table, a refused connection. */
export class UserError extends Error {
  override name = 'UserError';
  /** What to try next, shown after the message on the same line. */
  readonly hint?: string;
  readonly exitCode: number = ExitCode.failure;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
  }
}

/** The command line itself is wrong (unknown flag, missing argument, contradicting options). */
export class UsageError extends UserError {
  override name = 'UsageError';
  override readonly exitCode: number = ExitCode.usage;
}

/** A child process (pg_dump, mysqldump, …) failed. Keeps the command without secrets. */
export class ExternalError extends Error {
  override name = 'ExternalError';
  readonly exitCode: number = ExitCode.failure;
  constructor(
    message: string,
    /** The command as it may be shown: never contains a password. */
    readonly command: string,
    /** The child's exit code, or null when killed by a signal. */
    readonly childExitCode: number | null,
    /** The last lines the child wrote to stderr. */
    readonly stderrTail: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Anything else: a defect in crm-rescue. Shown with a stack only under --debug. */
export class BugError extends Error {
  override name = 'BugError';
  readonly exitCode: number = ExitCode.failure;
}

/** The exit code an error maps to. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UserError || err instanceof ExternalError || err instanceof BugError) return err.exitCode;
  return ExitCode.failure;
}

/** One line (two for external errors with a stderr tail) describing the error for a human. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.message}. ${err.hint}` : err.message;
  if (err instanceof ExternalError) {
    const tail = err.stderrTail.trim() ? `: ${lastLine(err.stderrTail)}` : '';
    const hint = err.hint ? `. ${err.hint}` : '';
    return `${err.message}${tail}${hint}`;
  }
  if (err instanceof Error) return `internal error: ${err.message} (run again with --debug for details)`;
  return `internal error: ${String(err)}`;
}

/** The error as a JSON object for `--json` output. */
export function errorToJson(err: unknown): Record<string, unknown> {
  const kind = err instanceof UsageError ? 'usage' : err instanceof UserError ? 'user' : err instanceof ExternalError ? 'external' : 'bug';
  const out: Record<string, unknown> = { error: describeError(err), kind, exitCode: exitCodeOf(err) };
  if (err instanceof UserError && err.hint) out.hint = err.hint;
  if (err instanceof ExternalError) {
    out.command = err.command;
    out.childExitCode = err.childExitCode;
  }
  return out;
}

/**
 * The line of a child's stderr that says what went wrong: the last error line (psql's `ERROR:`,
 * pg_dump's `error:`, mysql's `ERROR 1146`), not the `CONTEXT:`, `DETAIL:` or `LINE 1:` lines
 * PostgreSQL prints after it; else the last line.
 */
function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.findLast((l) => /\b(?:ERROR|FATAL|PANIC)\b|^[\w.-]+: error: /.test(l)) ?? lines[lines.length - 1] ?? '';
}
