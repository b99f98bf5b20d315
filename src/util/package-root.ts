import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding crm-rescue's package.json, whether running from dist/ or from sources. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'sql'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('crm-rescue package root not found');
    dir = parent;
  }
  cached = dir;
  return dir;
}

/** Absolute path of a file under the package's sql/ folder. */
export function sqlPath(...parts: string[]): string {
  return join(packageRoot(), 'sql', ...parts);
}
