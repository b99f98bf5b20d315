import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$CRM_RESCUE_HOME`, default `$XDG_DATA_HOME/crm-rescue` (`~/.local/share/crm-rescue`). */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CRM_RESCUE_HOME) return env.CRM_RESCUE_HOME;
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'crm-rescue');
}

/** The backup catalog root: `--dir` when given, else `<dataHome>/backups`. */
export function catalogDir(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return dir ?? join(dataHome(env), 'backups');
}
