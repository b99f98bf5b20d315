import type { QualifiedName } from '../dialect/own-tables.js';

/** The incident window protect keeps evidence for (ISO 8601 UTC; `until` absent: up to now). */
export interface ProtectWindow {
  since: string;
  until?: string;
}

/** What `protect` is asked to do, engine-neutral. */
export interface ProtectRequest {
  tables: QualifiedName[];
  window: ProtectWindow | null;
  /** Undo what an earlier protect changed on the server (PostgreSQL: the tables' storage options). */
  release: boolean;
  /** Copy the binary-log files covering the window into the catalog (MySQL/MariaDB). */
  copyBinlogs: boolean;
  /** The catalog root (`--dir`, else `$CRM_RESCUE_HOME/backups`). */
  catalog: string;
}

/** One thing protect does. Shown (`shown`: the exact SQL or command line, no secret) before `run`. */
export interface ProtectAction {
  /** What it does, for humans: "pause autovacuum on public.contacts and its TOAST table". */
  what: string;
  /** The exact statements or command lines, secrets removed. */
  shown: string[];
  /** Does it; resolves with a one-line result and details for --json. */
  run(signal?: AbortSignal): Promise<{ result: string; details?: unknown }>;
}

/**
 * What protect found and would do on one engine. `facts` and `warnings` are lines for humans;
 * `details` is the same state for --json. `unusable` says why this engine's no-backup source
 * cannot give the deleted rows back for this incident (binary log off, statement format…);
 * protect then ends with exit 1 after saying so.
 */
export interface ProtectPlan {
  /** The no-backup source this engine has: "binary log", "dead tuples". */
  source: string;
  facts: string[];
  warnings: string[];
  unusable: string | null;
  details: unknown;
  actions: ProtectAction[];
}
