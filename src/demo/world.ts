/**
 * The shape of the demo CRM at a scale: how many rows each table gets, who the users are,
 * which accounts are the big "key accounts", which accounts each contact is linked to, and the
 * keys of every row. Pure and cheap: the incident plan and the row generators both build on it.
 */
import { demoUuid, Rng, saltOf } from './prng.js';
import { UsageError } from '../errors.js';

/** The default `--scale`: number of contacts. */
export const DEFAULT_SCALE = 20_000;
/** Smallest and largest accepted `--scale`. */
export const MIN_SCALE = 10;
export const MAX_SCALE = 10_000_000;

/** Row counts the generators produce (before history and before the incident). */
export interface DemoSizes {
  users: number;
  accounts: number;
  contacts: number;
  opportunities: number;
  calls: number;
  notes: number;
}

/** One seeded CRM user. */
export interface DemoUser {
  index: number;
  id: string;
  userName: string;
  firstName: string | null;
  lastName: string;
  status: 'Active' | 'Inactive';
}

/** Parent modules of calls and notes (SuiteCRM's parent_type values). */
export type ParentType = 'Accounts' | 'Contacts' | 'Opportunities';

/** Checks a `--scale` value. */
export function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new UsageError(`--scale must be a whole number from ${MIN_SCALE} to ${MAX_SCALE} (got ${scale})`, 'It is the number of contacts, e.g. --scale 20000');
  }
}

/** How many rows each table gets at `scale` contacts. */
export function demoSizes(scale: number): DemoSizes {
  checkScale(scale);
  return {
    users: USERS.length,
    accounts: Math.max(4, Math.ceil(scale / 10)),
    contacts: scale,
    opportunities: Math.ceil(scale / 4),
    calls: Math.ceil(scale / 4),
    notes: Math.ceil(scale / 2),
  };
}

const USERS_RAW: readonly [string, string | null, string, 'Active' | 'Inactive'][] = [
  ['admin', null, 'Administrator', 'Active'],
  ['sarah.k', 'Sarah', 'Klein', 'Active'],
  ['jens.m', 'Jens', 'Møller', 'Active'],
  ['chloe.d', 'Chloé', 'Dubois', 'Active'],
  ['max.w', 'Max', 'Weiß', 'Active'],
  ['li.wei', '伟', '李', 'Active'],
  ['olga.p', 'Olga', 'Petrova', 'Active'],
  ['tom.h', 'Tom', 'Hughes', 'Active'],
  ['ana.s', 'Ana', 'Sánchez', 'Active'],
  ['bjorn.a', 'Björn', 'Andersson', 'Active'],
  ['fatima.z', 'Fatima', 'Zahra', 'Active'],
  ['peter.g', 'Peter', 'Groß', 'Inactive'],
  ['nina.r', 'Nina', 'Rossi', 'Active'],
  ['mallory.b', 'Mallory', 'Baxter', 'Active'],
  ['kenji.t', 'Kenji', '田中', 'Active'],
  ['sales.bot', null, 'Sales Bot 🤖', 'Active'],
  ['eve.l', 'Eve', 'Lefèvre', 'Inactive'],
  ['oscar.n', 'Øscar', 'Nilsen', 'Active'],
  ['grace.o', 'Grace', "O'Neill", 'Active'],
  ['import', null, 'Data Import', 'Active'],
];

const SALT_USERS = saltOf('users');

/** The 20 seeded users. */
export const USERS: readonly DemoUser[] = USERS_RAW.map(([userName, firstName, lastName, status], index) => ({
  index,
  id: demoUuid(SALT_USERS, index),
  userName,
  firstName,
  lastName,
  status,
}));

/** The user who causes the incident. */
export const INCIDENT_ACTOR: DemoUser = USERS.find((u) => u.userName === 'mallory.b')!;

/** Users who create and edit records in the seed (active ones). */
export const ACTIVE_USERS: readonly DemoUser[] = USERS.filter((u) => u.status === 'Active');

const SALTS = {
  accounts: saltOf('accounts'),
  contacts: saltOf('contacts'),
  accounts_contacts: saltOf('accounts_contacts'),
  opportunities: saltOf('opportunities'),
  calls: saltOf('calls'),
  notes: saltOf('notes'),
  links: saltOf('contact-links'),
  noteParent: saltOf('note-parent'),
  select: saltOf('incident-select'),
};

/** Key of row `index` of a generated table. */
export function rowId(table: 'accounts' | 'contacts' | 'opportunities' | 'calls' | 'notes', index: number): string {
  return demoUuid(SALTS[table], index);
}

/** Key of the `link`-th (0 or 1) accounts_contacts row of contact `contact`. */
export function relationId(contact: number, link: number): string {
  return demoUuid(SALTS.accounts_contacts, contact * 2 + link);
}

/**
 * The big accounts: about a fifth of all contacts have one of them as primary account. Spread
 * over the index range so they are not the first rows of the table.
 */
export function keyAccounts(sizes: DemoSizes): number[] {
  const k = Math.min(16, Math.max(2, Math.floor(sizes.accounts / 8)));
  const jitter = sizes.accounts / k >= 4;
  return Array.from({ length: k }, (_, j) => Math.floor((j * sizes.accounts) / k) + (jitter ? j % 3 : 0));
}

/** The accounts (indexes) a contact is linked to: one or two distinct accounts, primary first. */
export function contactLinks(contact: number, sizes: DemoSizes, keys: readonly number[]): number[] {
  const r = Rng.for(SALTS.links, contact);
  const primary = r.chance(0.22) ? keys[r.int(keys.length)] : r.int(sizes.accounts);
  if (r.chance(0.4)) {
    const second = r.int(sizes.accounts);
    if (second !== primary) return [primary, second];
  }
  return [primary];
}

/** The parent a note hangs on, and its optional contact_id. */
export interface NoteParent {
  parentType: ParentType;
  parentIndex: number;
  contactIndex: number | null;
}

/** Which record note `index` belongs to (drawn from its own stream so plans need no text). */
export function noteParent(index: number, sizes: DemoSizes): NoteParent {
  const r = Rng.for(SALTS.noteParent, index);
  const parentType = r.weighted<ParentType>([
    ['Accounts', 35],
    ['Contacts', 45],
    ['Opportunities', 20],
  ]);
  if (parentType === 'Contacts') {
    const parentIndex = r.int(sizes.contacts);
    return { parentType, parentIndex, contactIndex: r.chance(0.7) ? parentIndex : null };
  }
  if (parentType === 'Accounts') {
    const parentIndex = r.int(sizes.accounts);
    return { parentType, parentIndex, contactIndex: r.chance(0.2) ? r.int(sizes.contacts) : null };
  }
  return { parentType, parentIndex: r.int(sizes.opportunities), contactIndex: null };
}

/** Index of the parent row of a ParentType, as a key. */
export function parentId(type: ParentType, index: number): string {
  return rowId(type === 'Accounts' ? 'accounts' : type === 'Contacts' ? 'contacts' : 'opportunities', index);
}

/** Probability that a seeded row was already soft-deleted (isolated, by ordinary users). */
export const SEED_SOFT_DELETE: Record<'accounts' | 'contacts' | 'opportunities' | 'calls' | 'notes', number> = {
  accounts: 0.003,
  contacts: 0.002,
  opportunities: 0.002,
  calls: 0.002,
  notes: 0.002,
};

/** True when a seeded row is soft-deleted before the incident (key accounts never are). */
export function seedSoftDeleted(table: keyof typeof SEED_SOFT_DELETE, index: number, keySet?: ReadonlySet<number>): boolean {
  if (table === 'accounts' && keySet?.has(index)) return false;
  return Rng.for(saltOf(`${table}:deleted`), index).chance(SEED_SOFT_DELETE[table]);
}

/** The salt of the incident's account selection stream. */
export const INCIDENT_SELECT_SALT = SALTS.select;
