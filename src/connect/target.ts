import { UsageError } from '../errors.js';

/** The database engines crm-rescue speaks to. */
export type Engine = 'postgres' | 'mysql';

/** TLS settings, following libpq's `sslmode` names for both engines. */
export interface TlsOptions {
  /** disable | allow | prefer | require | verify-ca | verify-full */
  mode: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** CA certificate file (PEM). */
  ca?: string;
  /** Client certificate and key files (PEM). */
  cert?: string;
  key?: string;
}

/** Where a live CRM database is, and how to log in. The only place a password is held. */
export interface Target {
  engine: Engine;
  /** Host name or IP; absent when connecting through a Unix socket. */
  host?: string;
  port?: number;
  /** Unix socket path (MySQL) or socket directory (PostgreSQL). */
  socket?: string;
  user?: string;
  /** Never printed, logged, stored in manifests, or passed in argv. */
  password?: string;
  database: string;
  tls?: TlsOptions;
  /** Where the settings came from, for messages ("--url", "profile prod", "CRM_RESCUE_URL"). */
  source: string;
}

const SCHEMES: Record<string, Engine> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
};

const SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/**
 * Parses a connection URL: `postgres://user:pass@host:5432/db?sslmode=require&sslrootcert=ca.pem`,
 * `mysql://…` or `mariadb://…`. `?host=/run/mysqld/mysqld.sock` (or `socket=`) selects a socket.
 */
export function parseTargetUrl(url: string, source = '--url'): Target {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (!schemeMatch) {
    throw new UsageError(`${source} is not a connection URL`, 'Use postgres://user@host:5432/db or mysql://user@host:3306/db');
  }
  const scheme = schemeMatch[1].toLowerCase();
  const engine = SCHEMES[scheme];
  if (!engine) {
    throw new UsageError(`${source}: unsupported scheme "${scheme}://"`, 'Supported: postgres://, postgresql://, mysql://, mariadb://');
  }
  const rest = url.slice(schemeMatch[0].length);
  // The authority ends at the first "/" after the last "@" (so an unencoded "/" in a password
  // does not cut it), or at "?".
  const beforeQuery = rest.includes('?') ? rest.slice(0, rest.indexOf('?')) : rest;
  const slashAt = beforeQuery.indexOf('/', beforeQuery.lastIndexOf('@') + 1);
  const authority = slashAt < 0 ? beforeQuery : beforeQuery.slice(0, slashAt);
  const tail = rest.slice(authority.length);
  const queryAt = tail.indexOf('?');
  const rawPath = (queryAt < 0 ? tail : tail.slice(0, queryAt)).replace(/#.*$/, '');
  const q = new URLSearchParams(queryAt < 0 ? '' : tail.slice(queryAt + 1).replace(/#.*$/, ''));
  const target: Target = { engine, database: '', source };
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  const decode = (s: string, what: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(`${source}: the ${what} is not valid percent-encoding`, 'Percent-encode special characters: @ is %40, : is %3A, / is %2F');
    }
  };
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (user) target.user = decode(user, 'user name');
    if (colon >= 0) target.password = decode(userinfo.slice(colon + 1), 'password');
  }
  const hp = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d*))?$/.exec(hostport);
  if (!hp) throw new UsageError(`${source}: cannot read host and port in "${redactUrlString(url)}"`, 'Use host:port, or [ipv6]:port');
  const host = hp[1] ?? decode(hp[2] ?? '', 'host');
  if (host) target.host = host;
  if (hp[3]) target.port = Number(hp[3]);
  if (target.port !== undefined && (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)) {
    throw new UsageError(`${source}: port ${hp[3]} is out of range`, 'Use a port from 1 to 65535');
  }
  const path = decode(rawPath.replace(/^\//, ''), 'database name');
  if (path.includes('/')) throw new UsageError(`${source}: database name "${path}" contains "/"`, 'The URL path is the database name only');
  target.database = path;

  const socket = q.get('socket') ?? (q.get('host')?.startsWith('/') ? q.get('host')! : undefined);
  if (socket) {
    target.socket = socket;
    delete target.host;
  }
  const mode = q.get('sslmode') ?? (q.get('ssl') === 'true' ? 'require' : undefined);
  if (mode !== undefined) {
    if (!SSL_MODES.has(mode)) {
      throw new UsageError(`${source}: sslmode "${mode}" is not known`, `Use one of ${[...SSL_MODES].join(', ')}`);
    }
    target.tls = { mode: mode as TlsOptions['mode'] };
  }
  const ca = q.get('sslrootcert') ?? q.get('sslca');
  const cert = q.get('sslcert');
  const key = q.get('sslkey');
  if (ca || cert || key) {
    target.tls = { mode: target.tls?.mode ?? 'verify-full', ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
  }
  for (const k of q.keys()) {
    if (!['socket', 'host', 'sslmode', 'ssl', 'sslrootcert', 'sslca', 'sslcert', 'sslkey'].includes(k)) {
      throw new UsageError(`${source}: unknown URL option "${k}"`, 'Known: sslmode, sslrootcert, sslcert, sslkey, socket');
    }
  }
  return target;
}

/** True when `name` is an engine crm-rescue speaks to (as written in a URL scheme or a catalog key). */
export function isEngine(name: string): name is Engine {
  return name === 'postgres' || name === 'mysql';
}

/** The default port of an engine. */
export function defaultPort(engine: Engine): number {
  return engine === 'postgres' ? 5432 : 3306;
}

/** The target as a URL that is safe to print or store: never the password. */
export function targetToUrl(target: Target): string {
  const scheme = target.engine === 'postgres' ? 'postgres' : 'mysql';
  const user = target.user ? `${encodeURIComponent(target.user)}@` : '';
  const host = target.host ? (target.host.includes(':') ? `[${target.host}]` : target.host) : '';
  const port = target.host && target.port ? `:${target.port}` : '';
  const params = new URLSearchParams();
  if (target.socket) params.set('socket', target.socket);
  if (target.tls) params.set('sslmode', target.tls.mode);
  if (target.tls?.ca) params.set('sslrootcert', target.tls.ca);
  const qs = params.toString() ? `?${params.toString()}` : '';
  return `${scheme}://${user}${host}${port}/${encodeURIComponent(target.database)}${qs}`;
}

/** Strips a password from anything that looks like a URL inside a string. */
export function redactUrlString(text: string): string {
  return text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/g, '$1:***@');
}
