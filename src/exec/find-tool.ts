import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Finds an executable the way a shell would: an absolute path as is, else the first match on
 * PATH. `binDir` (e.g. from CRM_RESCUE_PG_BINDIR) is searched first. Null when not found.
 */
export function findTool(name: string, options: { binDir?: string; env?: NodeJS.ProcessEnv } = {}): string | null {
  const env = options.env ?? process.env;
  if (isAbsolute(name)) return isExecutable(name) ? name : null;
  const dirs = [...(options.binDir ? [options.binDir] : []), ...(env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The first of several names that exists (`mysqldump`, then `mariadb-dump`). */
export function findFirstTool(names: string[], options: { binDir?: string; env?: NodeJS.ProcessEnv } = {}): string | null {
  for (const name of names) {
    const found = findTool(name, options);
    if (found) return found;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
