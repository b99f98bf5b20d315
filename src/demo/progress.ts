import type { DemoTable } from './tables.js';

/**
 * What a demo run reports while it works. (A shared progress model for every long operation
 * is planned under src/progress/; this is the demo's part of it.)
 */
export type DemoProgress =
  | { phase: 'database'; database: string; elapsedMs: number }
  | { phase: 'load'; table: DemoTable; rows: number; elapsedMs: number }
  | { phase: 'step'; step: string; elapsedMs: number }
  | { phase: 'seeded'; elapsedMs: number }
  | { phase: 'backup'; backupId: string | null; elapsedMs: number }
  | { phase: 'incident'; deletedContacts: number; softDeletedAccounts: number; elapsedMs: number }
  | { phase: 'audit'; namespace: string; tables: number; elapsedMs: number }
  | { phase: 'analyze'; elapsedMs: number };

/** One line for humans on stderr. */
export function describeProgress(e: DemoProgress): string {
  const s = `${(e.elapsedMs / 1000).toFixed(1)}s`;
  switch (e.phase) {
    case 'database':
      return `created database ${e.database} (${s})`;
    case 'load':
      return `loaded ${e.table}: ${e.rows} rows (${s})`;
    case 'step':
      return `${e.step} (${s})`;
    case 'seeded':
      return `seed complete (${s})`;
    case 'backup':
      return e.backupId ? `backup ${e.backupId} taken (${s})` : `before-incident hook done (${s})`;
    case 'incident':
      return `incident: ${e.deletedContacts} contacts hard-deleted, ${e.softDeletedAccounts} accounts soft-deleted (${s})`;
    case 'audit':
      return `trigger audit installed on ${e.tables} tables, log in ${e.namespace} (${s})`;
    case 'analyze':
      return `statistics refreshed (${s})`;
  }
}
