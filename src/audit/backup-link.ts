import type { Target } from '../connect/target.js';
import type { BackupProvider } from './incidents.js';
import type { BackupRef } from './model.js';
import { isoToMs } from './time.js';

/** The parts of the backup module's catalog this link uses (loaded at run time, if present). */
interface CatalogModule {
  listBackups(catalog: string, filter?: { targetKey?: string; database?: string }): Promise<{ id: string; usable: boolean; startedAt: string }[]>;
  targetKey(target: Target): string;
}

/**
 * A BackupProvider over the backup catalog: the newest usable backup of the target that started
 * before the instant (a dump is consistent as of its start). The backup module is optional to
 * the audit: when it cannot be loaded, or the catalog is unreadable, incidents just carry null.
 */
export async function catalogBackupProvider(target: Target, catalogDir: string): Promise<BackupProvider> {
  let catalog: CatalogModule | null = null;
  try {
    const spec = '../backup/index.js';
    const mod = (await import(spec)) as Partial<CatalogModule>;
    if (typeof mod.listBackups === 'function' && typeof mod.targetKey === 'function') catalog = mod as CatalogModule;
  } catch {
    catalog = null;
  }
  if (!catalog) return async () => null;
  let entries: Promise<{ id: string; usable: boolean; startedAt: string }[]> | null = null;
  const load = () => (entries ??= catalog.listBackups(catalogDir, { targetKey: catalog.targetKey(target), database: target.database }).catch(() => []));
  return async (beforeIso: string): Promise<BackupRef | null> => {
    const before = isoToMs(beforeIso);
    const usable = (await load()).filter((e) => e.usable && Date.parse(e.startedAt) < before);
    usable.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    return usable[0] ? { id: usable[0].id, time: new Date(Date.parse(usable[0].startedAt)).toISOString() } : null;
  };
}
