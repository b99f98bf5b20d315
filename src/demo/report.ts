/** The demo's result: one JSON document, or a short summary for a human at a terminal. */
import type { Engine } from '../connect/target.js';
import { engineName } from '../dialect/engine-name.js';
import type { IncidentReport } from './incident.js';
import type { DemoRowCounts } from './tables.js';
import { DEMO_TABLES } from './tables.js';

/** What `crm-rescue demo --json` prints (and `runDemo` returns). */
export interface DemoReport {
  /** The demo database's URL, without password. */
  target: string;
  engine: Engine;
  database: string;
  serverVersion: string;
  /** Number of seeded contacts. */
  scale: number;
  /** The instant seeded timestamps are relative to (ISO 8601). */
  seedReference: string;
  /** Rows per table now (after the incident). */
  rowCounts: DemoRowCounts;
  /** Rows per table after the seed, before the incident. */
  seedRowCounts: DemoRowCounts;
  /** The backup taken between seed and incident by the beforeIncident hook, or null. */
  backup: string | null;
  /** crm-rescue's trigger audit installed before the incident (--audit-trigger), or null. */
  auditTrigger: { namespace: string; tables: string[] } | null;
  /** What the incident did, or null with --no-incident. */
  incident: IncidentReport | null;
  elapsedMs: number;
}

/** A few lines for a human. */
export function formatDemoSummary(r: DemoReport): string {
  const counts = DEMO_TABLES.map((t) => `${t} ${r.rowCounts[t]}`).join(' · ');
  const server = engineName(r.engine).family;
  const lines = [`Demo CRM ready: ${r.target} (${server} ${r.serverVersion}), scale ${r.scale}, ${(r.elapsedMs / 1000).toFixed(1)}s`, `  ${counts}`];
  if (r.backup) lines.push(`Backup before the incident: ${r.backup}`);
  if (r.auditTrigger)
    lines.push(
      `Trigger audit installed on ${r.auditTrigger.tables.length} tables (log in ${r.auditTrigger.namespace}); the CRM's own history records nothing of the incident.`,
    );
  const i = r.incident;
  if (i) {
    const at = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    lines.push(
      `Incident: ${i.actor.userName} hard-deleted ${i.deletedContacts} contacts (with ${i.deletedRelationRows} account links and ${i.deletedNotes} notes)`,
      `  and soft-deleted ${i.softDeletedAccounts} accounts, from ${at(i.window.start)} to ${at(i.window.end)} UTC.`,
      `Get them back: crm-rescue --url ${r.target} audit incidents`,
    );
  } else {
    lines.push('No incident simulated (--no-incident).');
  }
  return lines.join('\n');
}
