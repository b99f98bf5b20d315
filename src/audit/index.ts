/**
 * Localize deletions: audit sources → deletion events → incidents, the timeline, and
 * crm-rescue's installable trigger audit. The public face for commands, the console and stage.
 */
export type {
  BackupRef,
  BucketSize,
  DeletionEvent,
  DeletionKind,
  EventFilter,
  EventPage,
  Incident,
  IncidentMerge,
  IncidentRecovery,
  IncidentTable,
  TimelineBucket,
} from './model.js';
export type { AuditContext, AuditSource } from './source.js';
export { loadAuditContext, availableSources, selectSources, prepareSources, sourceIds, noSourceError, type AuditContextOptions } from './context.js';
export { ALL_SOURCES } from './sources/index.js';
export { SOURCE_IDS } from './constants.js';
export { openAuditSession, type AuditSession } from './session.js';
export { deletionEvents, streamDeletionEvents, type EventPageOptions } from './events.js';
export {
  listIncidents,
  streamIncidents,
  incidentId,
  INCIDENT_DEFAULTS,
  type IncidentOptions,
  type BackupProvider,
  type RecoveryProvider,
} from './incidents.js';
export { timeline, defaultTimelineRange } from './timeline.js';
export { adviseIndexes, indexDdl, SCAN_THRESHOLD_ROWS, type IndexAdvice } from './explain.js';
export { catalogBackupProvider } from './backup-link.js';
export { parseTimeArg, parseDuration, displayIso } from './time.js';
export { installTriggerAudit, uninstallTriggerAudit } from './trigger/install.js';
export { rebuildFromLog, type RebuildSpec, type RebuildTarget, type RebuildResult } from './trigger/rebuild.js';
export { readTriggerAuditState, LOG_TABLE, REGISTRY_TABLE, type TriggerAuditState, type AuditedTable } from './trigger/state.js';
export type { InstallOptions, InstallResult, UninstallOptions, UninstallResult, InstalledTable, TriggerRef } from './trigger/model.js';
export { formatEventHeader, formatEventLine, formatIncidents, formatInstall, formatUninstall, formatSources, formatIndexAdvice } from './format.js';
