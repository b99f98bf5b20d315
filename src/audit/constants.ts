/**
 * Audit constants the CLI needs before any engine module loads (`--help`, flag defaults).
 * ALL_SOURCES (sources/index.ts) lists the same ids in the same order; a unit test checks it.
 */

/** Every audit source id, CRM logs first, then the trigger audit, the binary log, then soft-delete marks. */
export const SOURCE_IDS = [
  'demo-history',
  'vtiger-modtracker',
  'espocrm-action-history',
  'dolibarr-agenda',
  'dolibarr-security-events',
  'odoo-mail-message',
  'odoo-auditlog',
  'twenty-timeline',
  'trigger-audit',
  'binlog',
  'soft-delete',
] as const;

/** Defaults of the incident search, also shown by `--help`. */
export const INCIDENT_DEFAULTS = { gapMs: 5 * 60_000, minRows: 20, limit: 20 } as const;
