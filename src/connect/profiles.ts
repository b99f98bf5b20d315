import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { parseIni } from './ini.js';
import { parseTargetUrl, type Target } from './target.js';

/** `$XDG_CONFIG_HOME/crm-rescue` (default `~/.config/crm-rescue`). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'crm-rescue');
}

/** The hand-editable profiles file: `[name]` sections with `url = …` and optional `password = …`. */
export function profilesPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'profiles.ini');
}

/** A named profile as written in profiles.ini. */
export interface Profile {
  name: string;
  url: string;
  password?: string;
}

/** Reads every profile; a missing file means no profiles. */
export function readProfiles(env: NodeJS.ProcessEnv = process.env): Profile[] {
  const path = profilesPath(env);
  if (!existsSync(path)) return [];
  const ini = parseIni(readFileSync(path, 'utf8'));
  const profiles: Profile[] = [];
  for (const [name, values] of ini) {
    if (!name) continue;
    const url = values.get('url');
    if (!url) continue;
    const password = values.get('password');
    profiles.push({ name, url, ...(password !== undefined && { password }) });
  }
  return profiles;
}

/** Resolves `--profile NAME` into a target, or explains which profiles exist. */
export function targetFromProfile(name: string, env: NodeJS.ProcessEnv = process.env): Target {
  const profiles = readProfiles(env);
  const profile = profiles.find((p) => p.name === name);
  if (!profile) {
    const known = profiles.map((p) => p.name);
    throw new UserError(
      `profile "${name}" not found in ${profilesPath(env)}`,
      known.length ? `Known profiles: ${known.join(', ')}` : `Add a section [${name}] with url = postgres://… to that file`,
    );
  }
  const target = parseTargetUrl(profile.url, `profile ${name}`);
  if (profile.password !== undefined && target.password === undefined) target.password = profile.password;
  return target;
}
