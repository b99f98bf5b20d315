import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Target } from '../connect/target.js';
import { redactUrlString } from '../connect/target.js';
import { renderCommand } from './command-line.js';
import { credentialsFor, overriddenVariables, type ToolCredentials } from './credentials.js';
import { causeLine, describeExit, hintFromStderr, signalExitCode } from './exit-meaning.js';
import { findTool } from './find-tool.js';
import { StderrTail } from './stderr-tail.js';
import { ToolError } from './tool-error.js';

/** What to run. The one way crm-rescue starts pg_dump, pg_restore, psql, mysqldump and mysql. */
export interface ToolSpec {
  /** Executable name (looked up on PATH) or absolute path. */
  tool: string;
  /** Arguments; never a password (the target's credentials are added by the wrapper). */
  args: readonly string[];
  /**
   * The database the tool talks to. PostgreSQL tools get PG* variables and PGPASSWORD (and `-w`,
   * never prompt); MySQL tools get a 0600 options file as `--defaults-extra-file`, deleted after.
   */
  target?: Target;
  /** Extra environment; shown in the command line, so never secret. */
  env?: Record<string, string>;
  /** stdin: ignored (default) or fed from a stream. */
  stdin?: 'ignore' | Readable;
  /** stdout: `pipe` hands the stream to the caller (who must consume it), `collect` returns it as text. */
  stdout?: 'pipe' | 'collect' | 'ignore';
  cwd?: string;
  /** Aborting sends SIGTERM, then SIGKILL after 5 s. */
  signal?: AbortSignal;
  /** Every stderr line as it arrives (e.g. pg_dump -v progress). */
  onStderrLine?: (line: string) => void;
  /** Which stderr lines are kept for the error tail (default: all). */
  keepStderrLine?: (line: string) => boolean;
  /** How many stderr lines to keep (default 20). */
  tailLines?: number;
  /** Names the operation in messages: "pg_dump of crm". Default: the tool's name. */
  what?: string;
  /** What to install when the tool is missing. */
  installHint?: string;
}

/** A running tool. */
export interface ToolProcess {
  readonly pid: number;
  /** The command line as it may be shown: no secrets. */
  readonly command: string;
  /** The child's stdout when `stdout: 'pipe'`. */
  readonly stdout: Readable | null;
  /** Settles once the child ended and its options file is gone; rejects with a ToolError unless it exited 0. */
  readonly done: Promise<ToolResult>;
  /** Sends a signal to the child (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
}

/** How a tool run ended (successfully). */
export interface ToolResult {
  command: string;
  exitCode: 0;
  /** Collected stdout (`stdout: 'collect'`), else ''. */
  stdout: string;
  /** The kept stderr lines (warnings, for example). */
  stderrTail: string;
  durationMs: number;
}

/** Starts a tool. Rejects at once with a ToolError (exit 127) when the executable is not found. */
export async function startTool(spec: ToolSpec): Promise<ToolProcess> {
  const name = basename(spec.tool);
  const path = findTool(spec.tool);
  const isPg = spec.target?.engine === 'postgres' && /^(pg_dump|pg_restore|psql|pg_dumpall)$/.test(name);
  const args = [...(isPg && !spec.args.includes('-w') && !spec.args.includes('--no-password') ? ['--no-password'] : []), ...spec.args];
  if (!path) {
    const shown = renderCommand(spec.tool, args);
    throw new ToolError(`${spec.tool} not found on PATH`, shown, 127, '', spec.installHint, name, null);
  }
  const creds: ToolCredentials | null = spec.target ? await credentialsFor(spec.target, name) : null;
  const command = redactUrlString(renderCommand(name, [...(creds?.leadingArgsShown ?? []), ...args], { ...(creds?.publicEnv ?? {}), ...(spec.env ?? {}) }));
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (spec.target) for (const k of overriddenVariables(spec.target)) delete env[k];
  Object.assign(env, creds?.env ?? {}, spec.env ?? {});

  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(path, [...(creds?.leadingArgs ?? []), ...args], {
      env,
      cwd: spec.cwd,
      stdio: [spec.stdin && spec.stdin !== 'ignore' ? 'pipe' : 'ignore', spec.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
    });
  } catch (err) {
    await creds?.cleanup();
    throw err;
  }

  const tail = new StderrTail(spec.tailLines ?? 20, spec.keepStderrLine, spec.onStderrLine);
  child.stderr!.on('data', (d: Buffer) => tail.push(d));
  let collected = '';
  if (spec.stdout === 'collect') {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => (collected += d));
  }
  let inputError: Error | null = null;
  if (spec.stdin && spec.stdin !== 'ignore') {
    const input = spec.stdin;
    let inputFailed = false;
    input.on('error', (err: NodeJS.ErrnoException) => {
      // The child closed its stdin (it had read all it needed: tar after its member): the
      // pipeline destroys the input with EPIPE or a premature close; its exit code tells.
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE' || inputFailed) return;
      // The input itself broke (a file that does not decompress): the child must not see a
      // clean end of input and succeed on half of it.
      inputFailed = true;
      inputError = err;
      child.kill('SIGTERM');
    });
    // A child that exits early closes its stdin (EPIPE): its exit code tells that story.
    pipeline(input, child.stdin!).catch((err: NodeJS.ErrnoException) => {
      if (!inputFailed && err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        inputError = err;
        child.kill('SIGTERM');
      }
    });
  }

  let killTimer: NodeJS.Timeout | undefined;
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    if (signal !== 'SIGKILL' && !killTimer) {
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      killTimer.unref();
    }
  };
  const onAbort = () => kill('SIGTERM');
  if (spec.signal?.aborted) onAbort();
  else spec.signal?.addEventListener('abort', onAbort, { once: true });

  const done = new Promise<ToolResult>((resolve, reject) => {
    let spawnError: NodeJS.ErrnoException | null = null;
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
    });
    // A grandchild that outlives the tool (a shell's `sleep`, an orphaned worker) may hold the
    // pipes open: once the tool itself exited, give its output 2 s to drain, then stop waiting.
    child.once('exit', () => {
      const t = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.stdin?.destroy();
      }, 2000);
      t.unref();
      child.once('close', () => clearTimeout(t));
    });
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      tail.end();
      const finish = () => {
        if (spawnError) {
          const notFound = spawnError.code === 'ENOENT';
          reject(
            new ToolError(
              notFound ? `${name} not found (${path})` : `${name} could not be started: ${spawnError.message}`,
              command,
              notFound ? 127 : 126,
              '',
              spec.installHint,
              name,
              null,
            ),
          );
        } else if (inputError) {
          reject(
            new ToolError(
              `${spec.what ?? name} failed: its input could not be read: ${inputError.message}`,
              command,
              code ?? (signal ? signalExitCode(signal) : null),
              redactUrlString(tail.text()),
              undefined,
              name,
              signal,
            ),
          );
        } else if (code === 0) {
          resolve({ command, exitCode: 0, stdout: collected, stderrTail: tail.text(), durationMs: Math.round(performance.now() - started) });
        } else {
          const stderrTail = redactUrlString(tail.text());
          reject(
            new ToolError(
              `${spec.what ?? name} failed: ${name} ${describeExit(name, code, signal)}${cause(stderrTail)}`,
              command,
              code ?? (signal ? signalExitCode(signal) : null),
              stderrTail,
              hintFromStderr(stderrTail),
              name,
              signal,
            ),
          );
        }
      };
      (creds ? creds.cleanup() : Promise.resolve()).then(finish, finish);
    });
  });
  // Callers that only await `done` later must not see an unhandled rejection in between.
  done.catch(() => undefined);
  return { pid: child.pid ?? -1, command, stdout: spec.stdout === 'pipe' ? child.stdout! : null, done, kill };
}

function cause(stderrTail: string): string {
  const line = causeLine(stderrTail);
  return line ? `: ${line}` : '';
}

/** Runs a tool to completion; stdout is collected unless told otherwise. */
export async function runTool(spec: ToolSpec): Promise<ToolResult> {
  const proc = await startTool({ stdout: 'collect', ...spec });
  return proc.done;
}
