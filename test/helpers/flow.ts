import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './cli.js';

/** A private catalog and HOME for one test file, removed by `cleanup()`. */
export function makeSandbox(prefix: string) {
  const home = mkdtempSync(join(tmpdir(), `crm-rescue-${prefix}-`));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), CRM_RESCUE_HOME: join(home, 'data'), CRM_RESCUE_URL: '' };
  return {
    home,
    env,
    dir: join(home, 'data', 'backups'),
    run: (args: string[], extra: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) =>
      runCli(args, { env: { ...env, ...extra.env }, timeoutMs: extra.timeoutMs }),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Runs `backup --json` and returns the new backup's id. */
export async function backupId(run: (a: string[]) => Promise<CliResult>, url: string): Promise<string> {
  const r = await run(['backup', '--url', url, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).id as string;
}

/** One line on stderr, the given exit code, no stack trace. */
export function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{"type":"progress"'));
  expect(lines.at(-1)).toMatch(/^crm-rescue: /);
  expect(lines.at(-1)).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** Parses NDJSON output. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}
