import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseMyCnf } from './mycnf.js';
import { lookupPgpass, parsePgpass } from './pgpass.js';
import { targetFromProfile } from './profiles.js';
import { defaultPort, parseTargetUrl, type Target, type TlsOptions } from './target.js';

/** What the global flags say about the target. */
export interface TargetFlags {
  url?: string;
  profile?: string;
}

/**
 * Decides the target from, in order: `--url`, `--profile`, `CRM_RESCUE_URL`,
 * `CRM_RESCUE_PROFILE`; then completes it with the engine's own conventions
 * (PG* variables and ~/.pgpass; ~/.my.cnf and MYSQL_* variables).
 */
export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): Target {
  let target: Target;
  if (flags.url) target = parseTargetUrl(flags.url, '--url');
  else if (flags.profile) target = targetFromProfile(flags.profile, env);
  else if (env.CRM_RESCUE_URL) target = parseTargetUrl(env.CRM_RESCUE_URL, 'CRM_RESCUE_URL');
  else if (env.CRM_RESCUE_PROFILE) target = targetFromProfile(env.CRM_RESCUE_PROFILE, env);
  else {
    throw new UsageError('no target database given', 'Pass --url postgres://user@host/db (or mysql://…), --profile NAME, or set CRM_RESCUE_URL');
  }
  return completeTarget(target, env);
}

/** Fills in what the URL left out, the way psql / mysql would. */
export function completeTarget(target: Target, env: NodeJS.ProcessEnv = process.env): Target {
  const t: Target = { ...target };
  const home = env.HOME || homedir();
  if (t.engine === 'postgres') {
    if (!t.host && !t.socket) {
      const h = env.PGHOST;
      if (h?.startsWith('/')) t.socket = h;
      else if (h) t.host = h;
      else t.socket = '/var/run/postgresql';
    }
    t.port ??= env.PGPORT ? Number(env.PGPORT) : defaultPort('postgres');
    t.user ??= env.PGUSER || osUser();
    t.database ||= env.PGDATABASE || t.user;
    if (!t.tls && env.PGSSLMODE) t.tls = { mode: env.PGSSLMODE as TlsOptions['mode'] };
    if (env.PGSSLROOTCERT && t.tls && !t.tls.ca) t.tls.ca = env.PGSSLROOTCERT;
    if (t.password === undefined && env.PGPASSWORD !== undefined) t.password = env.PGPASSWORD;
    if (t.password === undefined) {
      const file = env.PGPASSFILE || join(home, '.pgpass');
      if (existsSync(file)) {
        const pw = lookupPgpass(parsePgpass(readFileSync(file, 'utf8')), {
          host: t.host ?? t.socket,
          port: t.port,
          database: t.database,
          user: t.user,
        });
        if (pw !== undefined) t.password = pw;
      }
    }
  } else {
    const file = env.MYSQL_CONFIG_FILE || join(home, '.my.cnf');
    const cnf = existsSync(file) ? parseMyCnf(readFileSync(file, 'utf8')) : {};
    if (!t.host && !t.socket) {
      if (cnf.socket && !cnf.host) t.socket = cnf.socket;
      else t.host = env.MYSQL_HOST || cnf.host || '127.0.0.1';
    }
    t.port ??= env.MYSQL_TCP_PORT ? Number(env.MYSQL_TCP_PORT) : (cnf.port ?? defaultPort('mysql'));
    t.user ??= cnf.user || osUser();
    t.database ||= cnf.database || '';
    if (t.password === undefined && env.MYSQL_PWD !== undefined) t.password = env.MYSQL_PWD;
    if (t.password === undefined && cnf.password !== undefined) t.password = cnf.password;
    if (cnf.sslCa && !t.tls) t.tls = { mode: 'verify-ca', ca: cnf.sslCa };
    if (!t.database) {
      throw new UsageError(`${t.source}: no database named`, 'Put the CRM database in the URL path: mysql://user@host:3306/crm');
    }
  }
  return t;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}
