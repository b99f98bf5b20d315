import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { findPgTool } from '../backup/tools.js';
import type { Db } from '../connect/open.js';
import { startTool, ToolError, type ToolProcess } from '../exec/index.js';
import { copyEscape } from '../external/pg/inserts.js';

/** Text gathered before one write to psql: fewer, larger writes. */
const FLUSH_AT = 1 << 18;

/** A running `COPY … FROM STDIN` into one table. */
export interface CopyIn {
  /** Adds one row (values already in COPY text form: escaped, `\N` for null). Waits while psql's input is full. */
  row(fields: string[]): Promise<void>;
  /** Ends the COPY; resolves with the rows psql reports copied. */
  end(): Promise<number>;
  /** Stops psql; nothing of this COPY stays (it is one statement). */
  abort(): Promise<void>;
}

/**
 * Rows streamed into an existing table through psql's `COPY … FROM STDIN` (one statement: all
 * or nothing), for rows made here rather than read from a file: COPY is several times faster
 * than multi-row INSERTs with parameters, and psql (already used for loading dumps) needs no
 * driver add-on. `target` and `columns` are quoted already; the table must be visible to another
 * session (committed). Credentials go to psql as the other tools get them (never in argv).
 */
export async function copyIn(db: Db, target: string, columns: string[], what: string, signal?: AbortSignal): Promise<CopyIn> {
  const { proc, input } = await startPsqlWithInput(db, ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `COPY ${target} (${columns.join(', ')}) FROM STDIN`], {
    env: { PGCLIENTENCODING: 'UTF8' },
    what,
    signal,
  });
  let ended = false;
  const failure = proc.done.then(
    () => new Error(`psql ended before ${what} did`),
    (err: unknown) => {
      const line = err instanceof ToolError ? /ERROR:\s+(.*)/.exec(err.stderrTail) : null;
      return line && err instanceof ToolError
        ? new ToolError(`${err.message}: ${line[1]}`, err.command, err.childExitCode, err.stderrTail, err.hint, err.tool, err.signal)
        : err;
    },
  );
  proc.done.then(
    () => (ended = true),
    () => (ended = true),
  );
  let pending = '';
  const write = async (text: string) => {
    if (ended || input.destroyed) throw await failure;
    if (input.write(text)) return;
    await Promise.race([once(input, 'drain'), failure.then((e) => Promise.reject(e))]);
  };
  return {
    async row(fields) {
      pending += `${fields.join('\t')}\n`;
      if (pending.length >= FLUSH_AT) {
        const text = pending;
        pending = '';
        await write(text);
      }
    },
    async end() {
      if (pending) await write(pending);
      pending = '';
      input.end('\\.\n');
      try {
        const r = await proc.done;
        const m = /^COPY (\d+)$/m.exec(r.stdout);
        if (!m) throw new Error(`internal: psql did not report the rows of ${what}`);
        return Number(m[1]);
      } catch (err) {
        throw err instanceof ToolError ? await failure : err;
      }
    },
    async abort() {
      proc.kill();
      input.destroy();
      await proc.done.catch(() => undefined);
    },
  };
}

/**
 * psql on the target with its stdin fed by the returned stream (stdout collected). Writing after
 * psql ended (an error) is not a broken pipe of ours: its own exit says why.
 */
export async function startPsqlWithInput(
  db: Db,
  args: string[],
  opts: { env?: Record<string, string>; what: string; signal?: AbortSignal },
): Promise<{ proc: ToolProcess; input: PassThrough }> {
  const psql = await findPgTool('psql', db.dialect.serverVersion(db));
  const input = new PassThrough({
    highWaterMark: 1 << 20,
    destroy(_err, cb) {
      cb(null);
    },
  });
  const proc = await startTool({
    tool: psql.path,
    args,
    target: db.target,
    env: opts.env,
    stdin: input,
    stdout: 'collect',
    what: opts.what,
    signal: opts.signal,
  });
  return { proc, input };
}

/** A value as a COPY text field: `\N` for null; backslash, tab, newline and carriage return escaped. */
export function copyField(v: string | null): string {
  return v === null ? '\\N' : copyEscape(v);
}
