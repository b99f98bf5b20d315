/**
 * Runs the planned incident against the demo database as real transactions: the actor
 * hard-deletes the contacts of the selected accounts (with their relation rows and notes) in a
 * few DELETE transactions, then soft-deletes accounts, and the change log records every row —
 * or, with `history: false`, the CRM keeps no log of its own and identifies its user to
 * crm-rescue's trigger audit instead, as a CRM's database layer would.
 */
import type { Db } from '../connect/open.js';
import { BugError } from '../errors.js';
import type { DemoEngine } from './demo-engine.js';
import type { Transaction } from '../dialect/index.js';
import type { IncidentPlan } from './incident-plan.js';
import { appUserStatements } from '../audit/trigger/state.js';
import { HISTORY_COLUMNS } from './tables.js';
import { nowMs } from '../util/clock.js';

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

/** How the incident runs. */
export interface IncidentOptions {
  /** The wall clock stamped on each statement's rows (date_modified, history). Default: crm-rescue's clock (src/util/clock.ts). */
  now?: () => number;
  /**
   * Write the demo CRM's own change log (default true). false: no history rows; each
   * transaction sets the application user for crm-rescue's trigger audit instead.
   */
  history?: boolean;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Executes `plan` now. Every row a statement touches is stamped with the wall-clock time the
 * statement ran (as a CRM stamps date_modified and its log), so the incident's window always
 * starts after a backup taken before it: the backup is "older than the incident".
 */
export async function runIncident(db: Db, engine: DemoEngine, plan: IncidentPlan, options: IncidentOptions = {}): Promise<IncidentReport> {
  const now = options.now ?? nowMs;
  const history = options.history ?? true;
  const actor = plan.actor.id;
  const p = (i: number) => db.dialect.placeholder(i);
  const inList = (n: number, from = 1) => Array.from({ length: n }, (_, i) => p(from + i)).join(', ');

  // The CRM's login for crm-rescue's trigger audit; cleared where it would outlive the transaction.
  const appUser = appUserStatements(db.dialect.engine);
  const identify = async (trx: Transaction) => {
    if (!history) await trx.query(appUser.set, [actor]);
  };
  const forget = async (trx: Transaction) => {
    if (!history && appUser.clear) await trx.query(appUser.clear, []);
  };
  const writeHistory = async (trx: Transaction, rows: [string, string, number, string | null][]) => {
    if (!history) return;
    for (const part of chunks(rows, engine.batchRows)) {
      await engine.insertRows(
        trx,
        'history',
        HISTORY_COLUMNS,
        part.map(([table, id, at, changes]) => [table, id, 'delete', actor, at, changes]),
      );
    }
  };
  let first = Infinity;
  let last = -Infinity;
  const seen = (t: number) => {
    first = Math.min(first, t);
    last = Math.max(last, t);
  };

  for (const batch of plan.batches) {
    // Key order: consecutive statements then touch neighbouring pages (InnoDB reads ahead).
    const events: Event[] = [
      ...[...batch.noteIds].sort().map((id): Event => ['notes', id]),
      ...[...batch.relationIds].sort().map((id): Event => ['accounts_contacts', id]),
      ...[...batch.contactIds].sort().map((id): Event => ['contacts', id]),
    ];
    if (events.length === 0) continue;
    await db.transaction(async (trx) => {
      await identify(trx);
      for (const table of ['notes', 'accounts_contacts', 'contacts'] as const) {
        const ids = events.filter((e) => e[0] === table).map((e) => e[1]);
        for (const part of chunks(ids, CHUNK)) {
          const n = await trx.write(`DELETE FROM ${db.dialect.quoteIdent(table)} WHERE id IN (${inList(part.length)})`, part);
          if (n !== part.length) {
            throw new BugError(`incident: deleting ${part.length} rows from ${table} affected ${n}; the demo database changed underneath`);
          }
          const at = now();
          seen(at);
          await writeHistory(
            trx,
            part.map((id): [string, string, number, null] => [table, id, at, null]),
          );
        }
      }
      await forget(trx);
    });
  }

  const softParts = chunks(plan.softDeletedAccountIds, SOFT_CHUNK);
  if (softParts.length > 0) {
    await db.transaction(async (trx) => {
      await identify(trx);
      for (const part of softParts) {
        const at = now();
        const sqlText = `UPDATE accounts SET deleted = 1, date_modified = ${p(1)}, modified_user_id = ${p(2)} WHERE id IN (${inList(part.length, 3)})`;
        const n = await trx.write(sqlText, [engine.timestampParam(at), actor, ...part]);
        if (n !== part.length) {
          throw new BugError(`incident: soft-deleting ${part.length} accounts affected ${n}; the demo database changed underneath`);
        }
        seen(at);
        await writeHistory(
          trx,
          part.map((id) => ['accounts', id, at, '{"deleted": [0, 1]}']),
        );
      }
      await forget(trx);
    });
  }

  return {
    actor: plan.actor,
    window: { start: new Date(Number.isFinite(first) ? first : now()).toISOString(), end: new Date(Number.isFinite(last) ? last : now()).toISOString() },
    transactions: plan.batches.filter((b) => b.contactIds.length > 0).length + (softParts.length > 0 ? 1 : 0),
    deletedContacts: plan.deletedContactIds.length,
    deletedContactKeysSha256: plan.deletedContactKeysSha256,
    deletedRelationRows: plan.deletedRelationIds.length,
    deletedNotes: plan.deletedNoteIds.length,
    softDeletedAccounts: plan.softDeletedAccountIds.length,
    historyRows: history ? plan.historyRows : 0,
  };
}
