import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Runs `crm-rescue ARGS | head -c 100`, as a DBA does, and reports crm-rescue's exit code and stderr.
 */
function runIntoHead(args: string[]): Promise<{ code: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-rescue-epipe-'));
  const errFile = join(dir, 'stderr');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', '"$NODE" "$BIN" "$@" 2>"$ERR" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"', 'bash', ...args], {
      env: { ...process.env, NO_COLOR: '1', NODE: process.execPath, BIN, ERR: errFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const stderr = readFileSync(errFile, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: Number(out.trim()), stderr });
    });
  });
}

describe.each(['postgres', 'mysql'] as const)('%s: stdout closed by its reader', (engine) => {
  let db: TempDb;
  beforeAll(async () => {
    db = await createTempDb(engine, 'epipe');
    // Far more `inspect --json` output than a pipe and one read of it hold (64 KiB each): what
    // is written after the reader went away must fail.
    const columns = Array.from({ length: 12 }, (_, c) => `column_number_${c} varchar(40)`).join(', ');
    const ddl = Array.from({ length: 300 }, (_, i) => `CREATE TABLE table_number_${i} (id int PRIMARY KEY, ${columns})`);
    await db.exec(ddl.join(';\n'));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('ends quietly with exit code 141, as SIGPIPE ends other tools, not with a stack trace', async () => {
    const r = await runIntoHead(['inspect', '--url', db.url, '--json']);
    expect(r.stderr).not.toMatch(/EPIPE|node:events|at .*\(node:/);
    expect(r.code).toBe(141);
  });
});
