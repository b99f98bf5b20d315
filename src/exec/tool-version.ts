import { runTool } from './run-tool.js';

/** A client tool's identity: where it is and which version it reports. */
export interface ToolVersion {
  /** The executable as found. */
  path: string;
  /** The whole first line of `--version`. */
  banner: string;
  /** The version number: `15.20`, `10.11.19`. */
  version: string;
  /** The major version (PostgreSQL: 15; MariaDB: 10). */
  major: number;
  /** For MySQL-family tools: whose client it is. */
  flavour?: 'mariadb' | 'mysql';
}

/** Runs `TOOL --version` and parses the answer. */
export async function toolVersion(path: string): Promise<ToolVersion> {
  const { stdout } = await runTool({ tool: path, args: ['--version'] });
  return parseToolVersion(path, stdout);
}

/**
 * Parses version banners: `pg_dump (PostgreSQL) 15.20 (Debian …)`,
 * `mysqldump  Ver 10.19 Distrib 10.11.19-MariaDB, for …`, `mysqldump  Ver 8.0.36 for Linux …`,
 * `mariadb-dump from 11.4.2-MariaDB, client 10.19 …`.
 */
export function parseToolVersion(path: string, output: string): ToolVersion {
  const banner = output.split('\n')[0].trim();
  let version = '';
  let flavour: ToolVersion['flavour'];
  const pg = /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(banner);
  const distrib = /Distrib\s+(\d+(?:\.\d+)*)(-MariaDB)?/i.exec(banner);
  const from = /\bfrom\s+(\d+(?:\.\d+)*)(-MariaDB)?/i.exec(banner);
  const ver = /\bVer\s+(\d+(?:\.\d+)*)/.exec(banner);
  if (pg) version = pg[1];
  else if (distrib) {
    version = distrib[1];
    flavour = distrib[2] || /mariadb/i.test(banner) ? 'mariadb' : 'mysql';
  } else if (from) {
    version = from[1];
    flavour = from[2] || /mariadb/i.test(banner) ? 'mariadb' : 'mysql';
  } else if (ver) {
    version = ver[1];
    flavour = /mariadb/i.test(banner) ? 'mariadb' : 'mysql';
  } else {
    version = /(\d+(?:\.\d+)+)/.exec(banner)?.[1] ?? '';
  }
  return { path, banner, version, major: Number(version.split('.')[0]) || 0, ...(flavour && { flavour }) };
}
