import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Engine } from '../connect/target.js';
import { engineName } from '../dialect/engine-name.js';
import { UserError } from '../errors.js';
import type { ExternalBackupRecord } from '../external/model.js';
import { completePath, expandHome } from './path-completion.js';
import type { BackupDetail, BackupItem, BackupServices, ExternalBackupView, FoundDump, ImportedBackup } from './services.js';

/** What the console's target is, as the import needs it. */
export interface ExternalTarget {
  engine: Engine;
  /** The catalog (read when used: the environment decides it). */
  catalog(): string;
}

/**
 * The Backups screen's and the wizard's side of the dumps people already have: import files or
 * folders (all or none), scan a folder, complete a path; and crm-rescue's catalog list and
 * details with each imported dump's record (what it is, its files, whether they changed) attached.
 * The external modules load on first use, like the recovery ones.
 */
export function withExternalBackups(base: BackupServices, target: ExternalTarget): BackupServices {
  const store = () => import('../external/store.js');
  const recordOf = async (id: string) => (await store()).readExternal(target.catalog(), id);
  return {
    ...base,
    async list() {
      const [items, records] = await Promise.all([base.list(), (await store()).listExternal(target.catalog())]);
      const byId = new Map(records.map((r) => [r.id, r]));
      return Promise.all(items.map(async (item) => (byId.has(item.id) ? withRecord(item, byId.get(item.id)!) : item)));
    },
    async detail(id) {
      const record = await recordOf(id);
      if (!record) return base.detail(id);
      return detailOf(await withRecord(baseItem(record), record), record);
    },
    async importPaths(paths, options = {}) {
      const [{ detectDump }, { importBackups }, { removeExternal }] = await Promise.all([
        import('../external/detect.js'),
        import('../external/import.js'),
        store(),
      ]);
      const catalog = target.catalog();
      const created: string[] = [];
      const out: ImportedBackup[] = [];
      try {
        for (const typed of paths) {
          options.signal?.throwIfAborted();
          const path = resolve(expandHome(typed));
          // Refused before anything is hashed or recorded: a dump of the other engine cannot serve this target.
          const detected = await detectDump(path);
          if (detected.engine !== target.engine)
            throw new UserError(
              `${path} is a ${engineName(detected.engine).family} dump; this console's target is ${engineName(target.engine).family}`,
              'Open the console on a target of that engine to use it',
            );
          const [outcome] = await importBackups([path], { catalog, onProgress: options.onProgress, signal: options.signal });
          if (!outcome.existing) created.push(outcome.record.id);
          const item = await withRecord(baseItem(outcome.record), outcome.record);
          out.push({ path: typed, existing: outcome.existing, item });
        }
        options.signal?.throwIfAborted();
      } catch (err) {
        // All or none: what this call recorded is forgotten again (the dumps themselves are never touched).
        for (const id of created) await removeExternal(catalog, id).catch(() => undefined);
        throw err;
      }
      return out;
    },
    async isFolder(path) {
      return stat(resolve(expandHome(path))).then(
        (s) => s.isDirectory(),
        () => false,
      );
    },
    async scanFolder(dir, options = {}) {
      const { scanForDumps, summarizeFound } = await import('../external/scan.js');
      const found = await scanForDumps(resolve(expandHome(dir)), { signal: options.signal });
      return found.map((f): FoundDump => summarizeFound(f));
    },
    completePath: (prefix) => completePath(prefix),
  };
}

/** A record as a list item, before the catalog's own view of it is known. */
function baseItem(r: ExternalBackupRecord): BackupItem {
  const rows = r.index.tables.every((t) => t.rows !== null) ? r.index.tables.reduce((a, t) => a + (t.rows ?? 0), 0) : null;
  return {
    id: r.id,
    status: 'ok',
    usable: true,
    startedAt: r.index.takenAt,
    finishedAt: r.index.takenAt,
    tables: r.index.tables.length,
    bytes: r.files.reduce((a, f) => a + f.bytes, 0),
    rows,
    label: null,
    error: null,
  };
}

/**
 * An item with its record: what the dump is, and the re-check every use makes (size and mtime of
 * each file as at import). A changed or missing file makes it unusable, with the reason.
 */
async function withRecord(item: BackupItem, r: ExternalBackupRecord): Promise<BackupItem & { external: ExternalBackupView }> {
  const { checkUnchanged } = await import('../external/import.js');
  const changed = await checkUnchanged(r).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  const base = baseItem(r);
  return {
    ...item,
    tables: item.tables ?? base.tables,
    bytes: item.bytes ?? base.bytes,
    rows: item.rows ?? base.rows,
    usable: item.usable && changed === null,
    error: item.error ?? changed,
    external: {
      path: r.index.location.path,
      members: r.index.location.members,
      engine: r.index.engine,
      format: r.index.format,
      wrapper: r.index.wrapper,
      compression: r.index.compression,
      databases: r.index.databases,
      takenAt: r.index.takenAt,
      takenAtSource: r.index.takenAtSource,
      tool: r.index.tool,
      importedAt: r.importedAt,
      copied: r.copied,
      files: r.files.map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 })),
      changed,
    },
  };
}

function detailOf(item: BackupItem & { external: ExternalBackupView }, r: ExternalBackupRecord): BackupDetail {
  return {
    ...item,
    path: r.index.location.path,
    target: null,
    serverVersion: r.index.serverVersion,
    tool: r.index.tool,
    layout: r.index.format,
    compress: r.index.compression,
    durationSeconds: null,
    // pg_dumpall and --all-databases hold a schema.table per database: the database tells them
    // apart. Where the schema is the database (MySQL), the name alone.
    tableList: r.index.tables.map((t) => ({
      id: r.index.databases.length > 1 ? `${t.database}: ${t.schema}.${t.name}` : t.schema === t.database ? t.name : `${t.schema}.${t.name}`,
      schema: t.schema,
      name: t.name,
      rows: t.rows,
      rowsEstimated: false,
      bytes: t.bytes ?? 0,
      file: t.hasData ? (t.hasDefinition ? '' : 'rows only (no CREATE TABLE)') : 'no rows in the dump',
    })),
    restoreTest: null,
  };
}
