/**
 * Row generators of the demo CRM. Each row draws from its own seeded stream, so rows are
 * produced batch by batch (memory stays flat at any scale) and identically on both engines.
 * Timestamps are epoch milliseconds relative to a reference instant; everything else depends
 * on the scale alone.
 */
import { demoUuid, Rng, saltOf } from './prng.js';
import { DEMO_COLUMNS, type DemoTable } from './tables.js';
import { asciiSlug, DAY, decimal, description, HOUR, isoDate, longText, phone, sentence } from './text.js';
import {
  CALL_STATUSES,
  CALL_SUBJECTS,
  CITIES,
  COMPANY_MIDDLES,
  COMPANY_PREFIXES,
  COMPANY_SUFFIXES,
  FIRST_NAMES,
  INDUSTRIES,
  LAST_NAMES,
  NOTE_SUBJECTS,
  SALES_STAGES,
  SALUTATIONS,
  TITLES,
} from './vocabulary.js';
import {
  ACTIVE_USERS,
  contactLinks,
  demoSizes,
  keyAccounts,
  noteParent,
  parentId,
  relationId,
  rowId,
  seedSoftDeleted,
  USERS,
  type DemoSizes,
  type ParentType,
} from './world.js';
import { nowMs } from '../util/clock.js';

/** A row as the loaders take it: values in DEMO_COLUMNS order. */
export type Row = unknown[];

/** Everything the generators need, fixed for one demo run. */
export interface SeedContext {
  scale: number;
  sizes: DemoSizes;
  keys: number[];
  keySet: ReadonlySet<number>;
  /** Epoch ms every seeded timestamp is relative to; all seeded activity ends 2 h before it. */
  reference: number;
}

/** The default reference instant: midnight UTC of the day `now` falls in. */
export function defaultSeedReference(now = nowMs()): number {
  return Math.floor(now / DAY) * DAY;
}

/** Builds the generator context for a scale and reference instant. */
export function seedContext(scale: number, reference = defaultSeedReference()): SeedContext {
  const sizes = demoSizes(scale);
  const keys = keyAccounts(sizes);
  return { scale, sizes, keys, keySet: new Set(keys), reference };
}

/** A generated table: `units` rows of the driving table, each producing one or more rows. */
export interface TableGenerator {
  table: Exclude<DemoTable, 'history'>;
  units: number;
  /** Appends the rows of unit `i` to `rows`, and its seed-time history (updates, deletes) to `history`. */
  generate(i: number, rows: Row[], history: Row[]): void;
}

type EntityTable = 'accounts' | 'contacts' | 'opportunities' | 'calls' | 'notes';

const MAX_AGE: Record<EntityTable, number> = {
  accounts: 1_100 * DAY,
  contacts: 1_000 * DAY,
  opportunities: 700 * DAY,
  calls: 400 * DAY,
  notes: 500 * DAY,
};
const UPDATE_SHARE: Record<EntityTable, number> = { accounts: 0.12, contacts: 0.1, opportunities: 0.15, calls: 0.05, notes: 0.04 };
const ENTERED_SALT = Object.fromEntries(Object.keys(MAX_AGE).map((t) => [t, saltOf(`${t}:entered`)])) as Record<EntityTable, number>;
const ROW_SALT = Object.fromEntries(Object.keys(MAX_AGE).map((t) => [t, saltOf(`${t}:row`)])) as Record<EntityTable, number>;
const LIFE_SALT = Object.fromEntries(Object.keys(MAX_AGE).map((t) => [t, saltOf(`${t}:life`)])) as Record<EntityTable, number>;
const RELATION_SALT = saltOf('accounts_contacts:row');

/** When row `i` of a table was created: between ~3 years and 2 hours before the reference. */
export function enteredAt(ctx: SeedContext, table: EntityTable, i: number): number {
  return ctx.reference - 2 * HOUR - Math.floor(Rng.for(ENTERED_SALT[table], i).float() * MAX_AGE[table]);
}

/** A field edit for the history: name and the value before (the value after is the row's). */
interface FieldEdit {
  field: string;
  before: (r: Rng, entered: number) => unknown;
}

const DURATIONS = [0, 5, 10, 15, 30, 45, 60, 90];

/** The fields seed-time updates touch, per table (module-level: no allocation per row). */
const EDITS: Record<EntityTable, FieldEdit[]> = {
  accounts: [
    { field: 'industry', before: (q) => q.pick(INDUSTRIES) },
    { field: 'billing_city', before: (q) => q.pick(CITIES)[0] },
    { field: 'annual_revenue', before: (q) => decimal(q, 900_000_000) },
  ],
  contacts: [
    { field: 'title', before: (q) => q.pick(TITLES) },
    { field: 'phone_work', before: (q) => phone(q) },
    { field: 'salutation', before: (q) => q.pick(SALUTATIONS) },
  ],
  opportunities: [
    { field: 'sales_stage', before: (q) => q.pick(SALES_STAGES) },
    { field: 'amount', before: (q) => decimal(q, 2_000_000) },
    { field: 'close_date', before: (q, entered) => isoDate(entered + q.int(180) * DAY) },
  ],
  calls: [
    { field: 'status', before: (q) => q.pick(CALL_STATUSES) },
    { field: 'duration_minutes', before: (q) => q.pick(DURATIONS) },
  ],
  notes: [{ field: 'name', before: (q) => q.pick(NOTE_SUBJECTS) }],
};

/** What happened to a row after its creation: edits and perhaps an isolated soft delete. */
interface Lifecycle {
  modifiedAt: number;
  modifiedBy: string;
  deleted: 0 | 1;
  /** [at, user, field or null for the soft delete]. */
  events: [number, string, FieldEdit | null][];
}

function lifecycle(ctx: SeedContext, table: EntityTable, i: number, entered: number, creator: string): Lifecycle {
  const edits = EDITS[table];
  const r = Rng.for(LIFE_SALT[table], i);
  const deleted = seedSoftDeleted(table, i, ctx.keySet);
  const n = r.chance(UPDATE_SHARE[table]) ? r.range(1, Math.min(3, edits.length)) : 0;
  if (n === 0 && !deleted) return { modifiedAt: entered, modifiedBy: creator, deleted: 0, events: [] };
  // Seed-time edits happen in the last 30 days, and never later than 2 hours before the reference.
  const lo = Math.max(entered, ctx.reference - 30 * DAY) + 1_000;
  const hi = ctx.reference - 2 * HOUR;
  const times = Array.from({ length: n + (deleted ? 1 : 0) }, () => lo + Math.floor(r.float() * (hi - lo))).sort((a, b) => a - b);
  const pool = [...edits];
  const events: Lifecycle['events'] = [];
  for (let k = 0; k < n; k++) {
    const edit = pool.splice(r.int(pool.length), 1)[0];
    events.push([times[k], r.pick(ACTIVE_USERS).id, edit]);
  }
  if (deleted) events.push([times[n], r.pick(ACTIVE_USERS).id, null]);
  const last = events[events.length - 1];
  return { modifiedAt: last[0], modifiedBy: last[1], deleted: deleted ? 1 : 0, events };
}

/** Appends the history rows of a lifecycle; the value after an edit is the row's current one. */
function pushHistory(history: Row[], table: EntityTable, row: Row, life: Lifecycle, entered: number, r: Rng): void {
  if (life.events.length === 0) return;
  const id = row[0] as string;
  const columns = DEMO_COLUMNS[table];
  for (const [at, user, edit] of life.events) {
    let changes: Record<string, unknown[]> = { deleted: [0, 1] };
    if (edit) {
      const after = row[columns.findIndex((col) => col.name === edit.field)];
      let before = edit.before(r, entered);
      for (let tries = 0; before === after && tries < 3; tries++) before = edit.before(r, entered);
      changes = { [edit.field]: [before, after] };
    }
    history.push([table, id, edit ? 'update' : 'delete', user, at, JSON.stringify(changes)]);
  }
}

/** A name with, now and then, the trailing space real data entry leaves behind. */
function maybeTrailingSpace(r: Rng, text: string, p: number): string {
  return r.chance(p) ? `${text} ` : text;
}

function companyName(r: Rng): string {
  const name = `${r.pick(COMPANY_PREFIXES)} ${r.pick(COMPANY_MIDDLES)} ${r.pick(COMPANY_SUFFIXES)}`;
  if (r.chance(0.01)) return `${name} 🚀`;
  return maybeTrailingSpace(r, name, 0.02);
}

function usersGenerator(ctx: SeedContext): TableGenerator {
  return {
    table: 'users',
    units: ctx.sizes.users,
    generate(i, rows) {
      const u = USERS[i];
      const entered = ctx.reference - 1_500 * DAY + i * 7 * DAY + ((i * 3_637_000) % DAY);
      rows.push([u.id, u.userName, u.firstName, u.lastName, u.status, entered, 0]);
    },
  };
}

function accountsGenerator(ctx: SeedContext): TableGenerator {
  return {
    table: 'accounts',
    units: ctx.sizes.accounts,
    generate(i, rows, history) {
      const r = Rng.for(ROW_SALT.accounts, i);
      const id = rowId('accounts', i);
      const entered = enteredAt(ctx, 'accounts', i);
      const creator = r.pick(ACTIVE_USERS).id;
      const x = r.float();
      const industry = x < 0.1 ? null : x < 0.12 ? '' : r.pick(INDUSTRIES);
      const revenue = r.chance(0.2) ? null : r.chance(0.02) ? '0.00' : decimal(r, 900_000_000);
      const place = r.chance(0.05) ? null : r.pick(CITIES);
      const city = place ? (r.chance(0.02) ? '' : place[0]) : null;
      const life = lifecycle(ctx, 'accounts', i, entered, creator);
      const row: Row = [
        id,
        companyName(r),
        industry,
        revenue,
        city,
        place ? place[1] : null,
        description(r, 0.005),
        entered,
        life.modifiedAt,
        creator,
        life.modifiedBy,
        r.chance(0.05) ? null : r.pick(USERS).id,
        life.deleted,
      ];
      rows.push(row);
      pushHistory(history, 'accounts', row, life, entered, r);
    },
  };
}

const DOMAINS = ['example.com', 'example.org', 'beispiel.de', 'exemple.fr', 'mail.example.net', 'eksempel.no'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function contactsGenerator(ctx: SeedContext): TableGenerator {
  return {
    table: 'contacts',
    units: ctx.sizes.contacts,
    generate(i, rows, history) {
      const r = Rng.for(ROW_SALT.contacts, i);
      const id = rowId('contacts', i);
      const entered = enteredAt(ctx, 'contacts', i);
      const creator = r.pick(ACTIVE_USERS).id;
      const first = r.chance(0.02) ? null : r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      const local = [asciiSlug(first ?? ''), asciiSlug(last)].filter(Boolean).join('.') || 'contact';
      const email = r.chance(0.08) ? null : `${local}.${i}@${r.pick(DOMAINS)}`;
      const px = r.float();
      const phoneWork = px < 0.1 ? null : px < 0.15 ? '' : phone(r);
      const title = r.chance(0.2) ? null : r.pick(TITLES);
      const birthdate = r.chance(0.6) ? null : isoDate(Date.UTC(1950, 0, 1) + r.int(19_000) * DAY);
      const prefs = r.chance(0.3)
        ? JSON.stringify({
            language: r.pick(['de', 'en', 'fr', 'nb', 'zh', 'es']),
            newsletter: r.chance(0.5),
            channels: r.chance(0.5) ? ['email'] : ['email', 'phone'],
            ...(r.chance(0.2) && { note: sentence(r, 2, 6) }),
            ...(r.chance(0.1) && { score: r.int(1000) / 10 }),
          })
        : null;
      let photo: Buffer | null = null;
      if (r.chance(0.03)) {
        const body = Buffer.alloc(r.range(16, 88));
        for (let b = 0; b < body.length; b++) body[b] = r.int(256);
        photo = Buffer.concat([PNG_SIGNATURE, body]);
      }
      const life = lifecycle(ctx, 'contacts', i, entered, creator);
      const salutation = r.chance(0.15) ? null : r.pick(SALUTATIONS);
      const row: Row = [
        id,
        salutation,
        first,
        maybeTrailingSpace(r, last, 0.02),
        email,
        phoneWork,
        title,
        birthdate,
        description(r, 0.005),
        prefs,
        photo,
        entered,
        life.modifiedAt,
        creator,
        life.modifiedBy,
        r.chance(0.05) ? null : r.pick(USERS).id,
        life.deleted,
      ];
      rows.push(row);
      pushHistory(history, 'contacts', row, life, entered, r);
    },
  };
}

function relationsGenerator(ctx: SeedContext): TableGenerator {
  return {
    table: 'accounts_contacts',
    units: ctx.sizes.contacts,
    generate(c, rows) {
      const links = contactLinks(c, ctx.sizes, ctx.keys);
      const r = Rng.for(RELATION_SALT, c);
      const contactEntered = enteredAt(ctx, 'contacts', c);
      const limit = ctx.reference - 2 * HOUR;
      links.forEach((a, l) => {
        const from = Math.max(contactEntered, enteredAt(ctx, 'accounts', a));
        const at = from + Math.floor(r.float() * Math.min(DAY, limit - from));
        rows.push([relationId(c, l), rowId('accounts', a), rowId('contacts', c), at, 0]);
      });
    },
  };
}

function opportunitiesGenerator(ctx: SeedContext): TableGenerator {
  const kinds = ['Renewal', 'Upsell', 'New business', 'Lizenz-Erweiterung', 'Projet pilote', 'Rahmenvertrag', 'Support plan'];
  return {
    table: 'opportunities',
    units: ctx.sizes.opportunities,
    generate(i, rows, history) {
      const r = Rng.for(ROW_SALT.opportunities, i);
      const id = rowId('opportunities', i);
      const entered = enteredAt(ctx, 'opportunities', i);
      const creator = r.pick(ACTIVE_USERS).id;
      const name = `${r.pick(COMPANY_PREFIXES)} – ${r.pick(kinds)} ${new Date(entered).getUTCFullYear()}`;
      const amount = r.chance(0.1) ? null : decimal(r, 2_000_000);
      const closeDate = r.chance(0.05) ? null : isoDate(entered + r.int(180) * DAY);
      const account = r.chance(0.05) ? null : rowId('accounts', r.int(ctx.sizes.accounts));
      const life = lifecycle(ctx, 'opportunities', i, entered, creator);
      const row: Row = [
        id,
        name,
        amount,
        r.pick(SALES_STAGES),
        closeDate,
        account,
        entered,
        life.modifiedAt,
        creator,
        life.modifiedBy,
        r.chance(0.05) ? null : r.pick(USERS).id,
        life.deleted,
      ];
      rows.push(row);
      pushHistory(history, 'opportunities', row, life, entered, r);
    },
  };
}

function parentOf(r: Rng, sizes: DemoSizes): [ParentType, string] {
  const type = r.weighted<ParentType>([
    ['Accounts', 40],
    ['Contacts', 40],
    ['Opportunities', 20],
  ]);
  const count = type === 'Accounts' ? sizes.accounts : type === 'Contacts' ? sizes.contacts : sizes.opportunities;
  return [type, parentId(type, r.int(count))];
}

function callsGenerator(ctx: SeedContext): TableGenerator {
  return {
    table: 'calls',
    units: ctx.sizes.calls,
    generate(i, rows, history) {
      const r = Rng.for(ROW_SALT.calls, i);
      const id = rowId('calls', i);
      const entered = enteredAt(ctx, 'calls', i);
      const creator = r.pick(ACTIVE_USERS).id;
      const [parentType, parent] = parentOf(r, ctx.sizes);
      const start = entered + Math.floor((r.float() * 35 - 5) * DAY);
      const life = lifecycle(ctx, 'calls', i, entered, creator);
      const row: Row = [
        id,
        r.pick(CALL_SUBJECTS),
        r.pick(CALL_STATUSES),
        start,
        r.chance(0.05) ? null : r.pick(DURATIONS),
        parentType,
        parent,
        entered,
        life.modifiedAt,
        creator,
        life.modifiedBy,
        life.deleted,
      ];
      rows.push(row);
      pushHistory(history, 'calls', row, life, entered, r);
    },
  };
}

function notesGenerator(ctx: SeedContext): TableGenerator {
  return {
    table: 'notes',
    units: ctx.sizes.notes,
    generate(i, rows, history) {
      const r = Rng.for(ROW_SALT.notes, i);
      const id = rowId('notes', i);
      const entered = enteredAt(ctx, 'notes', i);
      const creator = r.pick(ACTIVE_USERS).id;
      const np = noteParent(i, ctx.sizes);
      const x = r.float();
      const text = x < 0.3 ? null : x < 0.33 ? '' : x < 0.36 ? longText(r, 800, 4_000) : sentence(r, 5, 40);
      const life = lifecycle(ctx, 'notes', i, entered, creator);
      const row: Row = [
        id,
        maybeTrailingSpace(r, r.pick(NOTE_SUBJECTS), 0.02),
        text,
        np.parentType,
        parentId(np.parentType, np.parentIndex),
        np.contactIndex === null ? null : rowId('contacts', np.contactIndex),
        entered,
        life.modifiedAt,
        creator,
        life.modifiedBy,
        life.deleted,
      ];
      rows.push(row);
      pushHistory(history, 'notes', row, life, entered, r);
    },
  };
}

/** Generators of every table, in load order (parents first). */
export function tableGenerators(ctx: SeedContext): TableGenerator[] {
  return [
    usersGenerator(ctx),
    accountsGenerator(ctx),
    contactsGenerator(ctx),
    relationsGenerator(ctx),
    opportunitiesGenerator(ctx),
    callsGenerator(ctx),
    notesGenerator(ctx),
  ];
}

/** How many isolated hard deletes of records that no longer exist the history shows. */
export const GHOST_DELETES = 9;

/**
 * History rows (create + delete) of a handful of records hard-deleted one at a time over the
 * last 30 days: the background noise the audit engine must tell apart from the incident.
 */
export function ghostHistory(ctx: SeedContext): Row[] {
  const tables: EntityTable[] = ['contacts', 'notes', 'calls', 'opportunities'];
  const rows: Row[] = [];
  for (let g = 0; g < GHOST_DELETES; g++) {
    const table = tables[g % tables.length];
    const r = Rng.for(saltOf('ghost'), g);
    const id = demoUuid(saltOf(`ghost:${table}`), g);
    const created = ctx.reference - 30 * DAY - Math.floor(r.float() * 300 * DAY);
    const deleted = ctx.reference - 2 * HOUR - Math.floor(r.float() * 29 * DAY);
    rows.push([table, id, 'create', r.pick(ACTIVE_USERS).id, created, null]);
    rows.push([table, id, 'delete', r.pick(ACTIVE_USERS).id, deleted, null]);
  }
  return rows;
}
