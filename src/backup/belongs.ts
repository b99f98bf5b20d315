import type { Db } from '../connect/open.js';
import { defaultPort, isEngine, targetToUrl, type Target } from '../connect/target.js';
import type { ServerIdentity } from '../dialect/dialect.js';
import { UserError } from '../errors.js';
import { catalogDir } from '../util/paths.js';
import { findBackup, listBackups, type BackupEntry } from './catalog.js';
import type { BackupManifest } from './manifest.js';
import { targetKey } from './target-key.js';

/**
 * Whose backup is it? The catalog is shared by every target, so a backup is used on a target
 * only when it was taken from that very database: the same engine, address (host or socket,
 * port) and database, and — recorded since manifests carry `identity` — the same server as the
 * server itself reports it (PostgreSQL `system_identifier`, MySQL/MariaDB
 * `@@hostname:@@port:@@server_id`), so an address that now leads to another server (a tunnel,
 * a replaced container) does not pass. `latest` only ever picks the target's own backups;
 * another database's backup is used only when named by id with `--backup-of-other-database`.
 */

/**
 * `target`: taken from this database, identity recorded and equal. `target-unverified`: same
 * engine, address and database, but the identity cannot be compared (a manifest written before
 * it was recorded, or a server that will not tell). `other-database`: anything else.
 */
export type BackupMatch = 'target' | 'target-unverified' | 'other-database';

/** How a backup relates to the target it is used on, as stage, diff and merge report it. */
export interface BackupOrigin {
  backupId: string;
  match: BackupMatch;
  /** The database the backup was taken from (URL without password). */
  backupTarget: string;
  /** One line for the preview; null when the backup is plainly the target's. */
  note: string | null;
}

/** What the flag is called, for messages. */
export const OTHER_DATABASE_FLAG = '--backup-of-other-database';

/** Compares a backup's manifest with the target and its server's identity. */
export function matchBackup(m: BackupManifest, target: Target, server: ServerIdentity): { match: BackupMatch; why: string | null } {
  if (m.engine !== target.engine) return { match: 'other-database', why: `a ${m.engine} backup` };
  const here = normalKey(targetKey(target));
  const there = normalKey(m.targetKey);
  if (here.database !== there.database) return { match: 'other-database', why: `taken from database "${there.database}"` };
  if (here.where !== there.where) {
    const same = m.identity?.server && server.value && m.identity.server === server.value;
    return { match: 'other-database', why: `taken through ${there.where}, not ${here.where}${same ? ` (the same server ${server.source})` : ''}` };
  }
  if (!m.identity)
    return {
      match: 'target-unverified',
      why: 'identity not recorded (a backup made before crm-rescue recorded it): matched by engine, address and database only',
    };
  if (m.identity.server === null || server.value === null) {
    return {
      match: 'target-unverified',
      why: `the server's ${server.source} could not be read ${m.identity.server === null ? 'when it was taken' : 'now'}: matched by engine, address and database only`,
    };
  }
  if (m.identity.server !== server.value) {
    return {
      match: 'other-database',
      why: `taken from another server at the same address (${server.source} ${m.identity.server}; the target's is ${server.value})`,
    };
  }
  return { match: 'target', why: null };
}

/** `engine://host:port/db` with the default port filled in (a URL may leave it out). */
function normalKey(key: string): { where: string; database: string } {
  const slash = key.lastIndexOf('/');
  const database = key.slice(slash + 1);
  const scheme = key.indexOf('://');
  const engine = key.slice(0, scheme);
  let where = key.slice(scheme + 3, slash);
  if (!where.startsWith('unix:') && where.endsWith(':') && isEngine(engine)) where += String(defaultPort(engine));
  return { where: `${engine}://${where}`, database };
}

/**
 * Resolves `--backup` (an id, a unique prefix, or `latest`) to a usable backup of the target.
 * `latest` is the newest usable backup of this database; an id of another database's backup is
 * refused unless `allowOtherDatabase` (and then reported in `origin.note`). A backup of the other
 * engine is always refused.
 */
export async function resolveTargetBackup(
  db: Db,
  ref: string,
  options: { dir?: string; allowOtherDatabase?: boolean } = {},
): Promise<{ entry: BackupEntry; manifest: BackupManifest; origin: BackupOrigin }> {
  const catalog = catalogDir(options.dir);
  const target = db.target;
  const server = await db.dialect.serverIdentity(db);
  let entry: BackupEntry;
  if (ref === 'latest') {
    const usable = (await listBackups(catalog)).filter((e) => e.usable && e.manifest);
    const mine = usable.find((e) => matchBackup(e.manifest!, target, server).match !== 'other-database');
    if (!mine) {
      const others = usable.length;
      // The same database of the same server, reached through another address (localhost vs 127.0.0.1).
      const elsewhere = usable.filter((e) => {
        const id = e.manifest!.identity;
        return e.engine === target.engine && id?.database === target.database && id.server !== null && id.server === server.value;
      });
      const where = normalKey(targetKey(target)).where;
      throw new UserError(
        elsewhere.length
          ? `no usable backup of ${target.database} taken through ${where} in ${catalog} (${elsewhere.length} of the same server's ${target.database} through ${normalKey(elsewhere[0].manifest!.targetKey).where}, e.g. ${elsewhere[0].id})`
          : `no usable backup of ${target.database} in ${catalog}${others ? ` (${others} of other databases: latest never picks those)` : ''}`,
        elsewhere.length
          ? `Connect as that backup did, or name it by id with ${OTHER_DATABASE_FLAG}`
          : others
            ? `Run crm-rescue backup first, or name another database's backup by its id with ${OTHER_DATABASE_FLAG}`
            : 'Run crm-rescue backup first',
      );
    }
    entry = mine;
  } else {
    entry = await findBackup(catalog, ref);
    // An imported dump is opened as its own row source (stage/sources/external-dump.ts), never here.
    if (entry.external)
      throw new UserError(`backup ${entry.id} is a dump made by another tool (${entry.path}), not one of crm-rescue's own`, 'Stage it with --backup ID');
  }
  if (!entry.usable || !entry.manifest) {
    throw new UserError(
      `backup ${entry.id} is ${entry.status}${entry.error ? `: ${entry.error}` : ''}`,
      'Pick a backup whose status is ok (crm-rescue backups list)',
    );
  }
  const manifest = entry.manifest;
  if (manifest.engine !== target.engine) {
    throw new UserError(
      `backup ${manifest.id} is a ${manifest.engine} backup; the target is ${target.engine}`,
      'Pick a backup of this target (crm-rescue backups list)',
    );
  }
  const { match, why } = matchBackup(manifest, target, server);
  if (match === 'other-database' && !options.allowOtherDatabase) {
    throw new UserError(
      `backup ${manifest.id} is not a backup of ${target.database}: ${why} (${manifest.target}), nothing was done`,
      `Pick one of this database's backups (crm-rescue backups list --url ${targetToUrl(target)}), or pass ${OTHER_DATABASE_FLAG} to use it on purpose`,
    );
  }
  const note =
    match === 'other-database'
      ? `backup ${manifest.id} is of another database (${manifest.target}; ${why}), used on purpose (${OTHER_DATABASE_FLAG})`
      : match === 'target-unverified'
        ? `backup ${manifest.id}: ${why}`
        : null;
  return { entry, manifest, origin: { backupId: manifest.id, match, backupTarget: manifest.target, note } };
}
