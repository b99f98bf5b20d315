import { constants } from 'node:os';

/** Exit codes that mean the same for every tool: the shell's and the signal convention (128 + n). */
const COMMON: Record<number, string> = {
  126: 'is not executable (exit 126)',
  127: 'was not found (exit 127)',
  130: 'was interrupted (SIGINT, exit 130)',
  137: 'was killed (SIGKILL, exit 137): out of memory, or killed by someone',
  141: 'hit a broken pipe (SIGPIPE, exit 141): whatever read its output went away',
  143: 'was terminated (SIGTERM, exit 143)',
};

/** What a tool's own exit codes mean, where the tool documents them. */
const PER_TOOL: Record<string, Record<number, string>> = {
  mysqldump: {
    1: 'rejected its options (exit 1)',
    2: 'got an error from the server (exit 2)',
    3: 'failed while reading table data (exit 3)',
    4: 'ran out of memory (exit 4)',
    5: 'could not write its output (exit 5)',
    6: 'was given a table that does not exist (exit 6)',
  },
};
PER_TOOL['mariadb-dump'] = PER_TOOL.mysqldump;

/** The conventional exit code of a process ended by a signal: 128 + the signal's number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const n = (constants.signals as Record<string, number>)[signal];
  return n ? 128 + n : 128;
}

/**
 * Says in words how a child ended: "was killed (SIGKILL, exit 137): …", "exited with code 3".
 * `tool` is the executable's base name, for tool-specific codes.
 */
export function describeExit(tool: string, code: number | null, signal: NodeJS.Signals | null): string {
  const effective = code ?? (signal ? signalExitCode(signal) : null);
  if (effective === null) return 'ended without an exit code';
  if (signal && !COMMON[effective]) return `was ended by ${signal} (exit ${effective})`;
  return PER_TOOL[tool]?.[effective] ?? COMMON[effective] ?? `exited with code ${effective}`;
}

/** A hint for the user from the stderr tail: the few causes that have a clear next step. */
export function hintFromStderr(stderrTail: string): string | undefined {
  if (/no space left on device/i.test(stderrTail)) return "The catalog's file system is full: free space or pass --dir on a larger disk";
  if (/read-only file system/i.test(stderrTail)) return 'The catalog is on a read-only file system: pass --dir somewhere writable';
  if (/permission denied/i.test(stderrTail) && !/for (table|schema|relation|sequence)/i.test(stderrTail))
    return 'Check the permissions of the catalog folder (--dir)';
  if (/terminating connection|server closed the connection|lost connection|gone away|connection reset/i.test(stderrTail)) {
    return 'The database connection dropped during the dump: check the server log, then run the backup again';
  }
  if (/server version mismatch/i.test(stderrTail)) return 'Install client tools at least as new as the server';
  if (/password authentication failed|access denied/i.test(stderrTail))
    return 'Check the password (URL, profile, PGPASSWORD / ~/.pgpass, MYSQL_PWD / ~/.my.cnf)';
  return undefined;
}

/** Lines that only report the consequence of an earlier error. */
const CONSEQUENCE = /worker process died unexpectedly|terminated by user|aborting because of|errors ignored on restore/i;

/**
 * The line of a stderr tail that names the cause, when the last line is only a consequence
 * (pg_dump's "a worker process died unexpectedly" after "No space left on device"). Null when
 * the last line already says it.
 */
export function causeLine(stderrTail: string): string | null {
  const lines = stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines[lines.length - 1];
  if (!last || !CONSEQUENCE.test(last)) return null;
  return lines.find((l) => /error|fatal|could not/i.test(l) && !CONSEQUENCE.test(l)) ?? null;
}
