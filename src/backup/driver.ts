import type { Db } from '../connect/open.js';
import type { Target } from '../connect/target.js';
import type { TableInfo } from '../dialect/index.js';
import type { ToolVersion } from '../exec/tool-version.js';
import type { ProgressListener } from '../progress/event.js';
import type { BackupLayout, ManifestFile, ManifestTable } from './manifest.js';

/** What an engine's dump driver gets from runBackup. */
export interface DumpContext {
  target: Target;
  /** An open read-only connection to the target. */
  db: Db;
  /** The dump tool, already checked against the server. */
  tool: ToolVersion;
  serverVersion: string;
  /** The backup's temporary folder (empty, 0700). */
  workDir: string;
  /** The `--tables` subset (checked against introspection), or null for all. */
  subset: TableInfo[] | null;
  compress: 'gzip' | 'none';
  level: number;
  jobs: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** What a driver leaves behind: files in workDir, fsynced and hashed, and their description. */
export interface DumpOutcome {
  command: string;
  layout: BackupLayout;
  tables: ManifestTable[];
  files: ManifestFile[];
}

/** One engine's way of dumping (pg_dump directory format; mysqldump split per table). */
export type DumpDriver = (ctx: DumpContext) => Promise<DumpOutcome>;
