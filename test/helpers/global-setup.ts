import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ once so end-to-end tests run the binary exactly as users do.
 * CRM_RESCUE_SKIP_BUILD=1 skips it (for a quick run of engine tests during development).
 */
export default function setup(): void {
  if (process.env.CRM_RESCUE_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
}
