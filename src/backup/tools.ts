import { UserError } from '../errors.js';
import { findFirstTool } from '../exec/find-tool.js';
import { toolVersion, type ToolVersion } from '../exec/tool-version.js';

/** Install hints, one place. */
export const INSTALL_HINTS = {
  pg: (major: number | string) =>
    `Install the PostgreSQL ${major} client tools (Debian/Ubuntu: apt install postgresql-client-${major}; RHEL/Fedora: dnf install postgresql${major}) and put them first on PATH, or set CRM_RESCUE_PG_BINDIR=/usr/lib/postgresql/${major}/bin`,
  mysql:
    'Install the MariaDB or MySQL client tools (Debian/Ubuntu: apt install mariadb-client; RHEL/Fedora: dnf install mariadb), or set CRM_RESCUE_MYSQL_BINDIR',
};

/** The major version of a PostgreSQL server version string: `15.20` → 15, `9.6.24` → 9.6. */
export function pgMajor(version: string): number {
  const [a, b] = version.split(/[.\s]/).map(Number);
  if (!Number.isFinite(a)) return 0;
  return a >= 10 ? a : Number(`${a}.${b ?? 0}`);
}

/**
 * Finds a PostgreSQL client tool (pg_dump, pg_restore) that can handle the server: the client's
 * major version must be at least the server's (pg_dump refuses newer servers). A UserError says
 * what to install otherwise.
 */
export async function findPgTool(
  name: 'pg_dump' | 'pg_restore' | 'psql',
  serverVersionOrPending: string | Promise<string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ToolVersion> {
  const path = findFirstTool([name], { binDir: env.CRM_RESCUE_PG_BINDIR, env });
  // Ask the tool its version while the server's is still on its way.
  const asked = path ? toolVersion(path) : null;
  asked?.catch(() => undefined);
  const serverVersion = await serverVersionOrPending;
  const serverMajor = pgMajor(serverVersion);
  const wanted = serverMajor >= 10 ? serverMajor : 15;
  if (!path || !asked) throw new UserError(`${name} not found on PATH`, INSTALL_HINTS.pg(wanted));
  const version = await asked;
  if (!version.version) {
    throw new UserError(`${path} --version did not print a PostgreSQL version ("${version.banner}")`, INSTALL_HINTS.pg(wanted));
  }
  const clientMajor = pgMajor(version.version);
  if (serverMajor && clientMajor < serverMajor) {
    throw new UserError(
      `${name} ${version.version} (${path}) cannot handle PostgreSQL ${serverVersion}: the client tools must be at least as new as the server`,
      INSTALL_HINTS.pg(Math.floor(serverMajor)),
    );
  }
  return version;
}

/** Finds mysqldump (or mariadb-dump) / mysql (or mariadb). */
export async function findMysqlTool(kind: 'dump' | 'client', env: NodeJS.ProcessEnv = process.env): Promise<ToolVersion> {
  const names = kind === 'dump' ? ['mysqldump', 'mariadb-dump'] : ['mysql', 'mariadb'];
  const path = findFirstTool(names, { binDir: env.CRM_RESCUE_MYSQL_BINDIR, env });
  if (!path) throw new UserError(`${names[0]} not found on PATH`, INSTALL_HINTS.mysql);
  return toolVersion(path);
}
