import { mkdir, open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { dataHome } from '../util/paths.js';
import { completePath, expandHome } from './path-completion.js';
import type { FileServices } from './services.js';

/**
 * The files the console writes for the user, under `$CRM_RESCUE_HOME/sql` unless told otherwise.
 * A plan's SQL names tables and columns: written for the user alone (0600), also over a file
 * that existed with wider rights.
 */
export function fileServices(env: NodeJS.ProcessEnv = process.env, options: { home?: string; cwd?: string } = {}): FileServices {
  const home = options.home ?? env.HOME ?? homedir();
  return {
    folder: () => join(dataHome(env), 'sql'),
    completePath: (prefix) => completePath(prefix, { home, cwd: options.cwd }),
    async writeText(path, text) {
      const full = resolve(options.cwd ?? process.cwd(), expandHome(path.trim(), home));
      await mkdir(dirname(full), { recursive: true, mode: 0o700 });
      // Truncated, then made 0600, then written: a file that existed with wider rights never
      // holds the SQL before its mode is narrowed (the mode given to open applies only to a new file).
      const file = await open(full, 'w', 0o600);
      try {
        await file.chmod(0o600);
        await file.writeFile(text);
      } finally {
        await file.close();
      }
      return full;
    },
  };
}
