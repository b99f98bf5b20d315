import { UserError } from '../errors.js';
import { targetToUrl, type Target } from './target.js';

/** True when the server asked for a password and none (or an empty one) was sent. */
export function isPasswordMissing(err: unknown, target: Target): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  if (target.password) return false;
  return /password must be a string|no password supplied|password authentication failed|using password: NO/i.test(msg);
}

/**
 * Turns a driver error raised while connecting into one actionable line. Never includes the
 * password: messages are built from the target's safe parts and the server's own words.
 */
export function connectError(err: unknown, target: Target): UserError {
  const e = err as { code?: string; errno?: number; message?: string };
  const engineName = target.engine === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB';
  const where = target.socket ? `socket ${target.socket}` : `${target.host}:${target.port}`;
  const user = target.user ?? '';
  const msg = e.message ?? String(err);
  const opts = { cause: err };
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return new UserError(
        `cannot reach ${engineName} at ${where}: connection refused`,
        'Is the server running? Check host and port (or the socket path)',
        opts,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(`cannot resolve host "${target.host}"`, 'Check the host name in the URL', opts);
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new UserError(`cannot reach ${engineName} at ${where}: ${e.code}`, 'Check the host, port and any firewall between here and the server', opts);
    case '28P01':
      return new UserError(`password authentication failed for user "${user}" on ${where}`, 'Check the password (URL, profile, PGPASSWORD or ~/.pgpass)', opts);
    case '28000':
      return new UserError(`${engineName} refused user "${user}": ${msg}`, "Check the user name and the server's pg_hba.conf", opts);
    case '3D000':
      return new UserError(`database "${target.database}" does not exist on ${where}`, 'Check the database name (psql -l lists them)', opts);
    case 'ER_ACCESS_DENIED_ERROR':
      return new UserError(`access denied for user "${user}" on ${where}`, 'Check the user and password (URL, profile, MYSQL_PWD or ~/.my.cnf)', opts);
    case 'ER_BAD_DB_ERROR':
      return new UserError(`database "${target.database}" does not exist on ${where}`, 'Check the database name (SHOW DATABASES lists them)', opts);
    case 'ER_DBACCESS_DENIED_ERROR':
      return new UserError(`user "${user}" may not use database "${target.database}"`, 'Grant it access, or connect as another user', opts);
    case 'HANDSHAKE_SSL_ERROR':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return new UserError(`TLS handshake with ${where} failed: ${msg}`, 'Check sslmode and the CA file (sslrootcert=…)', opts);
  }
  if (/does not support SSL|server does not support ssl/i.test(msg)) {
    return new UserError(`${where} does not accept TLS connections`, 'Use sslmode=disable or prefer, or enable TLS on the server', opts);
  }
  if (isPasswordMissing(err, target)) {
    return new UserError(
      `the server asks for a password for user "${user}" and none was given`,
      'Put it in the URL, the profile, PGPASSWORD / ~/.pgpass (PostgreSQL) or MYSQL_PWD / ~/.my.cnf (MySQL)',
      opts,
    );
  }
  if (/timeout/i.test(msg)) {
    return new UserError(`timed out connecting to ${engineName} at ${where}`, 'Check the host and port; is the server overloaded?', opts);
  }
  return new UserError(`cannot connect to ${targetToUrl(target)}: ${msg.split('\n')[0]}`, undefined, opts);
}
