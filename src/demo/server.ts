/**
 * Where the demo database goes: the server named by `--url`/`--profile`, else the local one,
 * and the checks on the `--db` name.
 */
import { openDb, type Db } from '../connect/open.js';
import { targetFromProfile } from '../connect/profiles.js';
import { completeTarget } from '../connect/resolve.js';
import { parseTargetUrl, type Engine, type Target } from '../connect/target.js';
import { demoEngineFor } from '../dialect/demo.js';
import { isInternalNamespace } from '../dialect/namespaces.js';
import { UsageError, UserError } from '../errors.js';
import type { DemoEngine } from './demo-engine.js';

/** The default `--db`. */
export const DEFAULT_DEMO_DATABASE = 'crm_rescue_demo';

export { demoEngineFor };

/** Databases the servers need for themselves: never a demo name. */
const SYSTEM_DATABASES = new Set(['postgres', 'template0', 'template1', 'mysql', 'information_schema', 'performance_schema', 'sys']);

/** Checks a `--db` name: letters, digits and underscores, at most 63 characters. */
export function checkDatabaseName(name: string): void {
  if (!/^[A-Za-z0-9_]{1,63}$/.test(name)) {
    throw new UsageError(
      `--db "${name}" is not a valid demo database name`,
      'Use letters, digits and underscores only, at most 63 characters (e.g. crm_rescue_demo)',
    );
  }
  if (SYSTEM_DATABASES.has(name.toLowerCase())) {
    throw new UsageError(`--db "${name}" is a system database`, 'Choose another name, e.g. crm_rescue_demo');
  }
  if (isInternalNamespace(name)) {
    throw new UsageError(`--db "${name}" is a name crm-rescue reserves for its own data`, 'Choose another name, e.g. crm_rescue_demo');
  }
}

/** Where to put the demo: the flags' server, or the local default. */
export interface DemoServerOptions {
  /** Engine when no URL says it. Default postgres. */
  engine?: Engine;
  /** A server URL; its database part is only used as the PostgreSQL admin database. */
  url?: string;
  /** A profile naming the server. */
  profile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The server target (database part: the PostgreSQL admin database, or information_schema on
 * MySQL), completed with PG* variables, ~/.pgpass, MYSQL_PWD and ~/.my.cnf.
 */
export function demoServerTarget(options: DemoServerOptions): Target {
  const env = options.env ?? process.env;
  let target: Target;
  if (options.url || options.profile) {
    target = options.url ? parseTargetUrl(options.url, '--url') : targetFromProfile(options.profile!, env);
    if (options.engine && options.engine !== target.engine) {
      throw new UsageError(`--mysql contradicts ${target.source} (${target.engine}://…)`, 'Drop --mysql, or give a mysql:// URL');
    }
  } else {
    target = demoEngineFor(options.engine ?? 'postgres').localServer(env);
  }
  target.database = demoEngineFor(target.engine).serverDatabase(target.database);
  return completeTarget(target, env);
}

/** Where a target points, for messages. */
export function whereOf(target: Target): string {
  return target.socket ? `socket ${target.socket}` : `${target.host}:${target.port}`;
}

function isLocal(target: Target): boolean {
  return Boolean(target.socket) || ['127.0.0.1', 'localhost', '::1'].includes(target.host ?? '');
}

/**
 * Opens the admin connection, turning "nothing listens there" on a local server into the
 * one command that starts it.
 */
export async function openServer(engine: DemoEngine, admin: Target, interactive: boolean): Promise<Db> {
  try {
    return await openDb(admin, { readOnly: false, interactive, poolSize: 1 });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const refused = code === 'ECONNREFUSED' || code === 'ENOENT' || (err instanceof Error && /connection refused/i.test(err.message));
    if (refused && isLocal(admin)) {
      throw new UserError(`no ${engine.displayName} server answers at ${whereOf(admin)}`, engine.startHint, { cause: err });
    }
    throw err;
  }
}
