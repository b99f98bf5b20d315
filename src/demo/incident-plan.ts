/**
 * Exactly what the demo incident destroys, computed from the scale alone. Tests and later
 * steps (audit, diff, merge) check their results against this plan.
 */
import { createHash } from 'node:crypto';
import { Rng, saltOf } from './prng.js';
import { contactLinks, demoSizes, INCIDENT_ACTOR, INCIDENT_SELECT_SALT, keyAccounts, noteParent, relationId, rowId, seedSoftDeleted } from './world.js';

/** One DELETE transaction of the incident: the contacts of a few selected accounts. */
export interface IncidentBatch {
  /** The selected accounts whose contacts this transaction deletes. */
  accountIds: string[];
  /** Contacts deleted (hard); the incident deletes them in key order. */
  contactIds: string[];
  /** accounts_contacts rows deleted: every link of those contacts, also to other accounts. */
  relationIds: string[];
  /** Notes deleted: those whose parent is one of those contacts. */
  noteIds: string[];
}

/** The incident, key by key. */
export interface IncidentPlan {
  scale: number;
  /** The user who deletes. */
  actor: { id: string; userName: string };
  /** Accounts whose contacts are deleted (they are soft-deleted as well). */
  selectedAccountIds: string[];
  /** The hard-delete transactions, in order; a final transaction soft-deletes the accounts. */
  batches: IncidentBatch[];
  /** Accounts set to deleted=1, in update order: the selected ones and ≈2.5% of the others. */
  softDeletedAccountIds: string[];
  /** Every hard-deleted key per table, sorted ascending (code-unit order). */
  deletedContactIds: string[];
  deletedRelationIds: string[];
  deletedNoteIds: string[];
  /** sha256 (hex) of `deletedContactIds` joined by "\n". */
  deletedContactKeysSha256: string;
  /** History rows the incident writes: one per deleted or soft-deleted row. */
  historyRows: number;
}

/** Share of all accounts the incident soft-deletes (selected accounts included). */
const SOFT_DELETE_SHARE = 0.025;
/** Hard-delete transactions (at most). */
const MAX_BATCHES = 4;

/**
 * Plans the incident at `scale` contacts. Pure: same scale, same plan, on every engine.
 *
 * Half of the key accounts (the big ones) are selected; every contact linked to a selected
 * account is hard-deleted — also when it is linked to another, unselected account, because a
 * bulk "delete this account's contacts" does not look at other links. All of its
 * accounts_contacts rows go with it (the declared foreign key demands it), so restoring such a
 * contact also means restoring its link to an account that was never deleted. Notes whose parent
 * is a deleted contact are deleted; notes that only mention it in contact_id, and calls whose
 * parent it is, stay behind as orphans, as they would in SuiteCRM.
 */
export function planIncident(scale: number): IncidentPlan {
  const sizes = demoSizes(scale);
  const keys = keyAccounts(sizes);
  const keySet = new Set(keys);

  const order = keys.map((_, j) => j);
  const r = Rng.for(INCIDENT_SELECT_SALT, 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const selected = order.slice(0, Math.ceil(keys.length / 2)).map((j) => keys[j]);
  const batchCount = Math.min(MAX_BATCHES, selected.length);
  const position = new Map<number, number>(selected.map((a, p) => [a, p]));
  const batchOf = (p: number) => Math.floor((p * batchCount) / selected.length);

  const batches: IncidentBatch[] = Array.from({ length: batchCount }, () => ({ accountIds: [], contactIds: [], relationIds: [], noteIds: [] }));
  selected.forEach((a, p) => batches[batchOf(p)].accountIds.push(rowId('accounts', a)));

  const contactBatch = new Int8Array(sizes.contacts).fill(-1);
  for (let c = 0; c < sizes.contacts; c++) {
    const links = contactLinks(c, sizes, keys);
    let best = -1;
    for (const a of links) {
      const p = position.get(a);
      if (p !== undefined && (best < 0 || p < best)) best = p;
    }
    if (best < 0) continue;
    const b = batchOf(best);
    contactBatch[c] = b;
    batches[b].contactIds.push(rowId('contacts', c));
    links.forEach((_, l) => batches[b].relationIds.push(relationId(c, l)));
  }
  for (let n = 0; n < sizes.notes; n++) {
    const np = noteParent(n, sizes);
    if (np.parentType !== 'Contacts') continue;
    const b = contactBatch[np.parentIndex];
    if (b >= 0) batches[b].noteIds.push(rowId('notes', n));
  }

  const extraShare = Math.max(0, (SOFT_DELETE_SHARE * sizes.accounts - selected.length) / sizes.accounts);
  const softSalt = saltOf('incident-soft-delete');
  const soft: string[] = [];
  for (let a = 0; a < sizes.accounts; a++) {
    if (position.has(a)) soft.push(rowId('accounts', a));
    else if (!seedSoftDeleted('accounts', a, keySet) && Rng.for(softSalt, a).chance(extraShare)) soft.push(rowId('accounts', a));
  }

  const sorted = (pick: (b: IncidentBatch) => string[]) => batches.flatMap(pick).sort();
  const deletedContactIds = sorted((b) => b.contactIds);
  const deletedRelationIds = sorted((b) => b.relationIds);
  const deletedNoteIds = sorted((b) => b.noteIds);
  return {
    scale,
    actor: { id: INCIDENT_ACTOR.id, userName: INCIDENT_ACTOR.userName },
    selectedAccountIds: selected.map((a) => rowId('accounts', a)),
    batches,
    softDeletedAccountIds: soft,
    deletedContactIds,
    deletedRelationIds,
    deletedNoteIds,
    deletedContactKeysSha256: keysSha256(deletedContactIds),
    historyRows: deletedContactIds.length + deletedRelationIds.length + deletedNoteIds.length + soft.length,
  };
}

/** sha256 (hex) of keys sorted ascending and joined by "\n" (the JSON's deletedContactKeysSha256). */
export function keysSha256(keys: readonly string[]): string {
  return createHash('sha256')
    .update([...keys].sort().join('\n'))
    .digest('hex');
}
