import { describe, expect, it } from 'vitest';
import { describeProgress } from '../../src/demo/progress.js';
import { formatDemoSummary, type DemoReport } from '../../src/demo/report.js';

const counts = { users: 20, accounts: 50, contacts: 400, accounts_contacts: 560, opportunities: 125, calls: 125, notes: 250, history: 1800 };
const report: DemoReport = {
  target: 'postgres://root@127.0.0.1:5432/crm_rescue_demo',
  engine: 'postgres',
  database: 'crm_rescue_demo',
  serverVersion: '15.20',
  scale: 500,
  seedReference: '2025-06-01T00:00:00.000Z',
  rowCounts: counts,
  seedRowCounts: counts,
  backup: null,
  auditTrigger: null,
  incident: {
    actor: { id: 'x', userName: 'mallory.b' },
    window: { start: '2025-06-01T10:00:00.000Z', end: '2025-06-01T10:02:00.000Z' },
    transactions: 4,
    deletedContacts: 90,
    deletedContactKeysSha256: 'abc',
    deletedRelationRows: 130,
    deletedNotes: 20,
    softDeletedAccounts: 3,
    historyRows: 243,
  },
  elapsedMs: 1234,
};

describe('demo summary', () => {
  it('names the target (no password), the counts and the incident', () => {
    const text = formatDemoSummary(report);
    expect(text).toContain('postgres://root@127.0.0.1:5432/crm_rescue_demo (PostgreSQL 15.20)');
    expect(text).toContain('contacts 400');
    expect(text).toContain('mallory.b hard-deleted 90 contacts (with 130 account links and 20 notes)');
    expect(text).toContain('from 2025-06-01 10:00:00 to 2025-06-01 10:02:00 UTC');
    expect(text.split('\n').length).toBeLessThanOrEqual(6);
  });

  it('says when no incident was simulated', () => {
    expect(formatDemoSummary({ ...report, incident: null })).toContain('No incident simulated');
  });

  it('says when the trigger audit, not the CRM, recorded the incident', () => {
    const text = formatDemoSummary({ ...report, auditTrigger: { namespace: 'crm_rescue', tables: ['accounts', 'contacts'] } });
    expect(text).toContain('Trigger audit installed on 2 tables (log in crm_rescue)');
    expect(describeProgress({ phase: 'audit', namespace: 'crm_rescue', tables: 8, elapsedMs: 250 })).toBe(
      'trigger audit installed on 8 tables, log in crm_rescue (0.3s)',
    );
  });

  it('describes progress in one line', () => {
    expect(describeProgress({ phase: 'load', table: 'contacts', rows: 400, elapsedMs: 1500 })).toBe('loaded contacts: 400 rows (1.5s)');
  });
});
