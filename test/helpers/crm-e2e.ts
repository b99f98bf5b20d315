import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';
import { makeSandbox, ndjson } from './flow.js';
import type { TempDb } from './temp-db.js';
import type { DeletionEvent } from '../../src/audit/model.js';

/**
 * The recovery flow of the end-to-end CRM tests, through the built binary as users run it:
 * inspect → backup → audit → stage → diff → merge --apply → undo. Each call checks the exit code
 * and parses the JSON; failures show the command and its stderr.
 */

/** One row of `diff --format ndjson`. */
export interface DiffRowOut {
  type: 'row';
  class: 'deleted' | 'soft-deleted' | 'changed' | 'added';
  key: Record<string, unknown>;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  changedColumns?: string[];
}

/** The summary line of `diff --format ndjson`. */
export interface DiffSummaryOut {
  type: 'summary';
  key: string[];
  keySource: string;
  softDelete: { column: string; kind: string } | null;
  counts: { deleted: number; softDeleted: number; changed: number; added: number; unchanged: number };
}

/** One table of a merge result. */
export interface MergedTable {
  schema: string;
  name: string;
  order: number;
  inserts: number;
  updates: number;
  skipped: number;
  conflicts: Record<string, number>;
  via: string;
}

/** The result line of `merge --apply --json`. */
export interface MergeOut {
  mergeId: string;
  applied: boolean;
  tables: MergedTable[];
  totals: { inserted: number; updated: number; skipped: number };
  verify?: { checked: number; mismatched: number };
}

/** `audit incidents --json`. */
export interface IncidentOut {
  id: string;
  window: { start: string; end: string };
  actors: { id: string | null; name: string | null }[];
  tables: { schema: string; table: string; hard: number; soft: number }[];
  rows: { total: number; hard: number; soft: number };
  sources: string[];
  backupBefore: { id: string; time: string } | null;
}

/** One line of `audit deletions --json`: an event without its paging cursor. */
export type DeletionOut = Omit<DeletionEvent, 'cursor'>;

/** A sandboxed catalog bound to one target URL. */
export function recoveryFlow(prefix: string, temp: () => TempDb) {
  const sb = makeSandbox(prefix);
  const url = () => temp().url;
  const ok = async (args: string[], timeoutMs = 600_000): Promise<CliResult> => {
    const r = await sb.run(args, { timeoutMs });
    expect(r.code, `crm-rescue ${args.join(' ')}\n${r.stderr.slice(-3000)}`).toBe(0);
    return r;
  };
  return {
    sb,
    run: (args: string[], timeoutMs = 600_000) => sb.run(args, { timeoutMs }),
    ok,
    async inspect(): Promise<{ crm: { flavour: string; confidence: number; evidence: string[]; auditSources: { table: string; kind: string }[] } }> {
      return JSON.parse((await ok(['inspect', '--url', url(), '--json'])).stdout);
    },
    async backup(): Promise<string> {
      return JSON.parse((await ok(['backup', '--url', url(), '--json'])).stdout).id as string;
    },
    async incidents(extra: string[] = []): Promise<IncidentOut[]> {
      const r = await ok(['audit', 'incidents', '--url', url(), '--json', '--min-rows', '1', ...extra]);
      return JSON.parse(r.stdout).incidents as IncidentOut[];
    },
    async deletions(extra: string[] = []): Promise<DeletionOut[]> {
      const r = await ok(['audit', 'deletions', '--url', url(), '--json', '--limit', '0', ...extra]);
      return ndjson(r.stdout) as unknown as DeletionOut[];
    },
    async stage(
      backup: string,
      tables: string[],
      withRelated = false,
    ): Promise<{ namespace: string; tables: { schema: string; name: string; rows: number; related: boolean }[] }> {
      const args = ['stage', '--url', url(), '--backup', backup, '--json', ...tables.flatMap((t) => ['--table', t])];
      if (withRelated) args.push('--with-related');
      return JSON.parse((await ok(args)).stdout);
    },
    async diff(backup: string, table: string, extra: string[] = []): Promise<{ summary: DiffSummaryOut; rows: DiffRowOut[] }> {
      const lines = ndjson((await ok(['diff', '--url', url(), '--backup', backup, '--table', table, '--format', 'ndjson', ...extra])).stdout);
      return { summary: lines[0] as unknown as DiffSummaryOut, rows: lines.slice(1) as unknown as DiffRowOut[] };
    },
    async merge(backup: string, table: string, selection: string[]): Promise<MergeOut & { outcomes: Record<string, unknown>[] }> {
      const r = await ok(['merge', '--url', url(), '--backup', backup, '--table', table, ...selection, '--apply', '--yes', '--json']);
      const lines = ndjson(r.stdout);
      const result = lines.find((l) => l.type === 'result') as unknown as MergeOut;
      expect(result, r.stdout.slice(-2000)).toBeDefined();
      expect(result.applied).toBe(true);
      expect(result.verify?.mismatched, 'rows that differ from the backup after the merge').toBe(0);
      return { ...result, outcomes: lines.filter((l) => l.type === 'outcome') };
    },
    /** `merge --undelete … --apply`: clears soft-delete marks of live rows, no backup. */
    async undelete(table: string, selection: string[]): Promise<MergeOut & { notes?: string[]; outcomes: Record<string, unknown>[] }> {
      const r = await ok(['merge', '--url', url(), '--table', table, '--undelete', ...selection, '--apply', '--yes', '--json']);
      const lines = ndjson(r.stdout);
      const result = lines.find((l) => l.type === 'result') as unknown as MergeOut & { notes?: string[] };
      expect(result, r.stdout.slice(-2000)).toBeDefined();
      expect(result.applied).toBe(true);
      expect(result.verify?.mismatched, 'undeleted rows that still carry the mark after the merge').toBe(0);
      return { ...result, outcomes: lines.filter((l) => l.type === 'outcome') };
    },
    async undo(mergeId: string): Promise<{ state: string; tables: { table: string; deleted: number; restored: number; refused: number }[] }> {
      return JSON.parse((await ok(['undo', mergeId, '--url', url(), '--yes', '--json'])).stdout);
    },
    cleanup: () => sb.cleanup(),
  };
}

/** Rows a merge wrote per table, as `name: inserts+updates` (only tables it wrote to). */
export function written(m: MergeOut): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of m.tables) if (t.inserts + t.updates > 0) out[t.name] = t.inserts + t.updates;
  return out;
}

/** Keys of the diff rows of one class, as sorted strings of their first key column. */
export function keysOf(rows: DiffRowOut[], cls: DiffRowOut['class']): string[] {
  return rows
    .filter((r) => r.class === cls)
    .map((r) => Object.values(r.key).map(String).join('|'))
    .sort();
}

/** A timestamp in ISO 8601 UTC, a few seconds back (for `audit … --since`). */
export function isoSecondsAgo(seconds: number): string {
  return new Date(Date.now() - seconds * 1000).toISOString();
}

/**
 * A checksum of the rows a query returns (`SELECT * FROM … WHERE …`), independent of order, the
 * same way tableChecksum spells rows: for audit tables where only the rows older than an incident
 * must match (the CRM's own delete events stay).
 */
export async function queryChecksum(db: TempDb, select: string): Promise<string> {
  const rows =
    db.engine === 'postgres'
      ? (await db.query<{ r: string }>(`SELECT t::text AS r FROM (${select}) t`)).map((r) => r.r)
      : (await db.query<Record<string, unknown>>(select)).map((r) =>
          JSON.stringify(Object.values(r), (_k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)),
        );
  return createHash('sha256').update(rows.sort().join('\n')).digest('hex');
}

/**
 * Dolibarr's Societe::delete, for the tables that exist. Both versions delete the contacts one by
 * one (Contact::delete: their external project/document roles, contact roles, categories, extra
 * fields), the sales representatives, the categories and the extra fields, then the third party.
 * 22.x (`childtablesoncascade`) also deletes its events with a plain `DELETE … WHERE fk_soc`,
 * leaving their attendee rows behind; 6.0 kept the events (its demo database still holds events
 * of deleted third parties).
 */
export async function dolibarrDeleteThirdParty(temp: TempDb, socid: number, version: 6 | 22, exists: (t: string) => boolean): Promise<void> {
  const contacts = (await temp.query<{ id: number }>(`SELECT rowid AS id FROM llx_socpeople WHERE fk_soc = ${socid}`)).map((r) => Number(r.id));
  const inList = (l: number[]) => (l.length ? l.join(', ') : 'NULL');
  const steps: [table: string, sql: string][] = [
    ['llx_categorie_societe', `DELETE FROM llx_categorie_societe WHERE fk_soc = ${socid}`],
    ['llx_element_contact', `DELETE FROM llx_element_contact WHERE fk_socpeople IN (${inList(contacts)})`],
    ['llx_societe_contacts', `DELETE FROM llx_societe_contacts WHERE fk_socpeople IN (${inList(contacts)})`],
    ['llx_categorie_contact', `DELETE FROM llx_categorie_contact WHERE fk_socpeople IN (${inList(contacts)})`],
    ['llx_socpeople_extrafields', `DELETE FROM llx_socpeople_extrafields WHERE fk_object IN (${inList(contacts)})`],
    ['llx_socpeople', `DELETE FROM llx_socpeople WHERE rowid IN (${inList(contacts)})`],
    ['llx_societe_rib', `DELETE FROM llx_societe_rib WHERE fk_soc = ${socid}`],
    ['llx_societe_commerciaux', `DELETE FROM llx_societe_commerciaux WHERE fk_soc = ${socid}`],
    ...(version === 22 ? ([['llx_actioncomm', `DELETE FROM llx_actioncomm WHERE fk_soc = ${socid}`]] as [string, string][]) : []),
    ['llx_societe_extrafields', `DELETE FROM llx_societe_extrafields WHERE fk_object = ${socid}`],
    ['llx_societe', `UPDATE llx_societe SET parent = NULL WHERE parent = ${socid}`],
    ['llx_societe', `DELETE FROM llx_societe WHERE rowid = ${socid}`],
  ];
  for (const [t, sql] of steps) if (exists(t)) await temp.exec(sql);
}
