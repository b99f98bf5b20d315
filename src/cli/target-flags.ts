import type { Db, OpenOptions } from '../connect/open.js';
import { resolveTarget } from '../connect/resolve.js';
import type { Target } from '../connect/target.js';
import type { GlobalArgs } from './global-args.js';

/** Resolves the target from the global flags and the environment. */
export function targetFromArgs(args: Pick<GlobalArgs, 'url' | 'profile'>): Target {
  return resolveTarget({ url: args.url, profile: args.profile });
}

/** Opens the target named by the global flags (read-only unless told otherwise). */
export async function openFromArgs(args: Pick<GlobalArgs, 'url' | 'profile' | 'json'>, options: OpenOptions = {}): Promise<Db> {
  // Loaded on first use: drivers and Kysely are not needed for --help or usage errors.
  const { openDb } = await import('../connect/open.js');
  return openDb(targetFromArgs(args), { interactive: Boolean(process.stdin.isTTY) && !args.json, ...options });
}
