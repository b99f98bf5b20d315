/**
 * Runs the planned incident against the demo database as real transactions: the actor
 * hard-deletes the contacts of the selected accounts (with their relation rows and notes) in a
 * few DELETE transactions, then soft-deletes accounts, and the change log records every row.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Db } from '../connect/open.js';
import { BugError } from '../errors.js';
import type { DemoEngine } from './demo-engine.js';
import type { Queryable } from '../dialect/index.js';
import type { IncidentPlan } from './incident-plan.js';
import { HISTORY_COLUMNS } from './tables.js';

/** How long the burst lasts: it ends at the moment the incident starts running. */
export const INCIDENT_WINDOW_MS = 120_000;
/** Keys per DELETE/UPDATE statement. */
const CHUNK = 10_000;
/** Accounts per soft-delete statement (one list page of a mass update), sharing one timestamp. */
const SOFT_CHUNK = 20;

/** What the incident did, as the JSON reports it. */
export interface IncidentReport {
  actor: { id: string; userName: string };
  /** The burst's first and last history timestamps (ISO 8601, UTC). */
  window: { start: string; end: string };
  /** DELETE/UPDATE transactions committed. */
  transactions: number;
  deletedContacts: number;
  deletedContactKeysSha256: string;
  deletedRelationRows: number;
  deletedNotes: number;
  softDeletedAccounts: number;
  historyRows: number;
}

type Event = [table: 'notes' | 'accounts_contacts' | 'contacts', id: string];

/** Spreads `m` instants over [from, from + span], first at `from`, last at `from + span`. */
function spread(from: number, span: number, m: number): number[] {
  if (m === 1) return [from + span];
  return Array.from({ length: m }, (_, k) => from + Math.floor((span * k) / (m - 1)));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Executes `plan`. The burst's timestamps end at `end` (epoch ms) and start
 * INCIDENT_WINDOW_MS before it: each hard-delete transaction gets a slot of the window, the
 * soft-delete transaction the last one.
 */
export async function runIncident(db: Db, engine: DemoEngine, plan: IncidentPlan, end: number): Promise<IncidentReport> {
  const start = end - INCIDENT_WINDOW_MS;
  const slots = plan.batches.length + 1;
  const slot = INCIDENT_WINDOW_MS / slots;
  const busy = Math.floor(slot * 0.75);
  const actor = plan.actor.id;
  const p = (i: number) => db.dialect.placeholder(i);
  const inList = (n: number, from = 1) => Array.from({ length: n }, (_, i) => p(from + i)).join(', ');

  const exec = async (k: Kysely<any>, sqlText: string, params: unknown[]): Promise<number> => {
    const res = await k.executeQuery(CompiledQuery.raw(sqlText, params));
    return Number(res.numAffectedRows ?? 0);
  };
  const writeHistory = async (k: Kysely<any>, rows: [string, string, number, string | null][]) => {
    const q: Queryable = {
      query: async <R>(sqlText: string, params: readonly unknown[] = []) => (await k.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]))).rows as R[],
    };
    for (const part of chunks(rows, engine.batchRows)) {
      await engine.insertRows(q, 'history', HISTORY_COLUMNS, part.map(([table, id, at, changes]) => [table, id, 'delete', actor, at, changes]));
    }
  };
  let first = Infinity;
  let last = -Infinity;
  const seen = (t: number) => {
    first = Math.min(first, t);
    last = Math.max(last, t);
  };

  for (const [b, batch] of plan.batches.entries()) {
    // Key order: consecutive statements then touch neighbouring pages (InnoDB reads ahead).
    const events: Event[] = [
      ...[...batch.noteIds].sort().map((id): Event => ['notes', id]),
      ...[...batch.relationIds].sort().map((id): Event => ['accounts_contacts', id]),
      ...[...batch.contactIds].sort().map((id): Event => ['contacts', id]),
    ];
    if (events.length === 0) continue;
    const times = spread(Math.round(start + b * slot), busy, events.length);
    await db.kysely.transaction().execute(async (trx) => {
      let offset = 0;
      for (const table of ['notes', 'accounts_contacts', 'contacts'] as const) {
        const ids = events.filter((e) => e[0] === table).map((e) => e[1]);
        for (const part of chunks(ids, CHUNK)) {
          const n = await exec(trx, `DELETE FROM ${db.dialect.quoteIdent(table)} WHERE id IN (${inList(part.length)})`, part);
          if (n !== part.length) {
            throw new BugError(`incident: deleting ${part.length} rows from ${table} affected ${n}; the demo database changed underneath`);
          }
          const rows = part.map((id, i): [string, string, number, null] => [table, id, times[offset + i], null]);
          rows.forEach((r) => seen(r[2]));
          await writeHistory(trx, rows);
          offset += part.length;
        }
      }
    });
  }

  const softParts = chunks(plan.softDeletedAccountIds, SOFT_CHUNK);
  if (softParts.length > 0) {
    const times = spread(end - busy, busy, softParts.length);
    await db.kysely.transaction().execute(async (trx) => {
      for (const [i, part] of softParts.entries()) {
        const sqlText = `UPDATE accounts SET deleted = 1, date_modified = ${p(1)}, modified_user_id = ${p(2)} WHERE id IN (${inList(part.length, 3)})`;
        const n = await exec(trx, sqlText, [engine.timestampParam(times[i]), actor, ...part]);
        if (n !== part.length) {
          throw new BugError(`incident: soft-deleting ${part.length} accounts affected ${n}; the demo database changed underneath`);
        }
        seen(times[i]);
        await writeHistory(trx, part.map((id) => ['accounts', id, times[i], '{"deleted": [0, 1]}']));
      }
    });
  }

  return {
    actor: plan.actor,
    window: { start: new Date(Number.isFinite(first) ? first : start).toISOString(), end: new Date(Number.isFinite(last) ? last : end).toISOString() },
    transactions: plan.batches.filter((b) => b.contactIds.length > 0).length + (softParts.length > 0 ? 1 : 0),
    deletedContacts: plan.deletedContactIds.length,
    deletedContactKeysSha256: plan.deletedContactKeysSha256,
    deletedRelationRows: plan.deletedRelationIds.length,
    deletedNotes: plan.deletedNoteIds.length,
    softDeletedAccounts: plan.softDeletedAccountIds.length,
    historyRows: plan.historyRows,
  };
}
