/**
 * Backups: run dumps, the catalog and its manifests, verify, restore test, retention.
 * This is the public face other parts (stage, diff, the console, the demo) use.
 */
export { runBackup, BackupCancelledError, type BackupOptions, type BackupResult } from './run-backup.js';
export {
  listBackups,
  findBackup,
  loadUsableBackup,
  findManifestTable,
  tableSource,
  openSqlFile,
  TMP_PREFIX,
  type BackupEntry,
  type BackupStatus,
  type TableSource,
} from './catalog.js';
export {
  readManifest as loadManifest,
  readManifest,
  writeManifest,
  manifestFiles,
  MANIFEST_FILE,
  type BackupManifest,
  type BackupIdentity,
  type ManifestTable,
  type ManifestFile,
  type RestoreTestRecord,
  type BackupLayout,
} from './manifest.js';
export { verifyBackup, type VerifyResult, type VerifyProblem, type VerifyOptions } from './verify.js';
export { runRestoreTest, RESTORE_TEST_PREFIX } from './restore-test.js';
export { pruneBackups, LEFTOVER_AGE_MS, type PruneOptions, type PruneResult, type PruneItem } from './prune.js';
export { selectRetention, isoWeek, hasPolicy, type RetentionPolicy, type RetentionDecision } from './retention.js';
export { newBackupId, parseBackupId, isBackupId } from './id.js';
export { targetKey } from './target-key.js';
export { matchBackup, resolveTargetBackup, OTHER_DATABASE_FLAG, type BackupMatch, type BackupOrigin } from './belongs.js';
export { PG_ARCHIVE_DIR } from '../dialect/postgres/postgres-dump.js';
export { MYSQL_TABLES_DIR, MYSQL_SCHEMA_FILE } from '../dialect/mysql/mysql-dump.js';
