import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * A folder of this run, shared by every test file and removed when the run ends: what files
     * build once and share (test/helpers/private-mariadb.ts: an initialized MariaDB datadir).
     */
    runDir: string;
  }
}

/**
 * Builds dist/ once so end-to-end tests run the binary exactly as users do.
 * CRM_RESCUE_SKIP_BUILD=1 skips it (for a quick run of engine tests during development).
 */
export default function setup(project: TestProject): () => void {
  const runDir = mkdtempSync(join(tmpdir(), 'crt-run-'));
  project.provide('runDir', runDir);
  const teardown = () => rmSync(runDir, { recursive: true, force: true });
  if (process.env.CRM_RESCUE_SKIP_BUILD === '1') return teardown;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  return teardown;
}
