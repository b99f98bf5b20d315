import type { AuditSource } from '../source.js';
import { binlogSource } from './binlog.js';
import { demoHistorySource } from './demo-history.js';
import { dolibarrAgendaSource } from './dolibarr-agenda.js';
import { dolibarrSecurityEventsSource } from './dolibarr-security-events.js';
import { espocrmActionHistorySource } from './espocrm-action-history.js';
import { odooAuditlogSource } from './odoo-auditlog.js';
import { odooMailMessageSource } from './odoo-mail-message.js';
import { softDeleteSource } from './soft-delete.js';
import { triggerAuditSource } from './trigger-audit.js';
import { twentyTimelineSource } from './twenty-timeline.js';
import { vtigerModtrackerSource } from './vtiger-modtracker.js';

/**
 * Every audit source, CRM logs first, then crm-rescue's trigger audit, the binary log, then the generic
 * soft-delete marks (which skip tables a CRM log already covers).
 */
export const ALL_SOURCES: readonly AuditSource[] = [
  demoHistorySource,
  vtigerModtrackerSource,
  espocrmActionHistorySource,
  dolibarrAgendaSource,
  dolibarrSecurityEventsSource,
  odooMailMessageSource,
  odooAuditlogSource,
  twentyTimelineSource,
  triggerAuditSource,
  binlogSource,
  softDeleteSource,
];
