import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built binary, as users run it. Tests that use it need `npm run build` first (globalSetup does it). */
export const BIN = fileURLToPath(new URL('../../bin/crm-rescue', import.meta.url));

/** What a run of the binary produced. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `crm-rescue ARGS` as a child process, with no stdin, and collects its output. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A deadline for a hung run, not a time budget: it only decides how long a broken test takes to fail.
    const timeoutMs = options.timeoutMs ?? 540_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    const started = performance.now();
    child.on('close', (code) => {
      clearTimeout(timer);
      // CRM_RESCUE_TEST_TIMING=FILE: one line per run (milliseconds, verb and flags), to find where a slow test spends its time.
      const timing = process.env.CRM_RESCUE_TEST_TIMING;
      if (timing) appendFileSync(timing, `${Math.round(performance.now() - started)}\t${args.filter((a) => !/^\w+:\/\//.test(a)).join(' ')}\n`);
      if (timedOut) stderr += `\n[test helper: crm-rescue ${args.join(' ')} did not end within ${timeoutMs / 1000} s and was killed]\n`;
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
