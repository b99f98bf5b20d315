import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { listBackups, type BackupEntry } from './catalog.js';
import { hasPolicy, selectRetention, type RetentionPolicy } from './retention.js';
import { nowDate } from '../util/clock.js';

/** Leftovers of failed or interrupted runs are removed once they are this old. */
export const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** What prune is asked to do. */
export interface PruneOptions {
  catalog: string;
  policy: RetentionPolicy;
  /** One target's backups (its key), or null for every target in the catalog. */
  targetKey: string | null;
  dryRun: boolean;
  now?: Date;
}

/** One backup prune looked at. */
export interface PruneItem {
  id: string;
  status: BackupEntry['status'];
  target: string | null;
  startedAt: string;
  /** Why it stays or goes. */
  reasons: string[];
}

/** What prune did (or, with dryRun, would do). */
export interface PruneResult {
  dryRun: boolean;
  kept: PruneItem[];
  removed: PruneItem[];
}

/**
 * Applies a retention policy per target. Only usable backups are weighed by the policy; the
 * newest usable backup of each target always stays. Failed and incomplete leftovers older than
 * an hour go too; running and damaged ones are never touched.
 */
export async function pruneBackups(options: PruneOptions): Promise<PruneResult> {
  if (!hasPolicy(options.policy)) {
    throw new UsageError('prune needs a retention policy', 'Pass at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly (N > 0)');
  }
  const now = options.now ?? nowDate();
  const entries = await listBackups(options.catalog, options.targetKey ? { targetKey: options.targetKey } : {});
  const kept: PruneItem[] = [];
  const removed: PruneItem[] = [];
  const item = (e: BackupEntry, reasons: string[]): PruneItem => ({ id: e.id, status: e.status, target: e.target, startedAt: e.startedAt, reasons });

  const groups = new Map<string, BackupEntry[]>();
  // Dumps made by other tools are never deleted, nor their records: `backups forget ID` drops a record.
  for (const e of entries.filter((x) => x.external))
    kept.push(item(e, [`imported from another tool: prune never deletes it (${e.path}); crm-rescue backups forget ${e.id} drops its record`]));
  for (const e of entries.filter((x) => x.usable && !x.external)) {
    const key = e.targetKey ?? '?';
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const group of groups.values()) {
    const decisions = selectRetention(
      group.map((e) => ({ id: e.id, startedAt: e.startedAt })),
      options.policy,
    );
    for (const d of decisions) {
      const e = group.find((x) => x.id === d.id)!;
      if (d.keep) kept.push(item(e, d.reasons));
      else removed.push(item(e, ['not kept by the policy']));
    }
  }
  for (const e of entries.filter((x) => !x.usable)) {
    const age = now.getTime() - Math.max(Date.parse(e.startedAt), Date.parse(e.modifiedAt));
    if ((e.status === 'failed' || e.status === 'incomplete') && age > LEFTOVER_AGE_MS) {
      removed.push(item(e, [`${e.status} leftover older than an hour`]));
    } else {
      kept.push(
        item(e, [e.status === 'running' ? 'running' : e.status === 'damaged' ? 'damaged: left for you to inspect' : `${e.status}, younger than an hour`]),
      );
    }
  }
  if (!options.dryRun) {
    for (const r of removed) {
      const entry = entries.find((e) => e.id === r.id)!;
      // Out of the catalog's sight first (one rename), then deleted.
      const trash = join(options.catalog, `.trash-${r.id}`);
      await rename(entry.path, trash);
      await rm(trash, { recursive: true, force: true });
    }
  }
  return { dryRun: options.dryRun, kept, removed };
}
