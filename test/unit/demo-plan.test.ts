import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { keysSha256, planIncident } from '../../src/demo/incident-plan.js';
import { demoUuid, fmix32, mulberry32, Rng, saltOf } from '../../src/demo/prng.js';
import { ghostHistory, seedContext, tableGenerators, type Row } from '../../src/demo/rows.js';
import { checkDatabaseName } from '../../src/demo/server.js';
import { splitStatements } from '../../src/demo/sql-script.js';
import { DEMO_COLUMNS } from '../../src/demo/tables.js';
import { contactLinks, demoSizes, INCIDENT_ACTOR, keyAccounts, noteParent, relationId, rowId, USERS } from '../../src/demo/world.js';

describe('demo PRNG', () => {
  it('mulberry32 and Rng give the same fixed sequence for a seed', () => {
    const f = mulberry32(42);
    const r = new Rng(42);
    const a = [f(), f(), f()];
    expect([r.u32(), r.u32(), r.u32()]).toEqual(a);
    expect(a).toEqual([2581720956, 1925393290, 3661312704]);
  });

  it('streams per row are independent of the order rows are generated in', () => {
    const salt = saltOf('x');
    const forward = [0, 1, 2, 3].map((i) => Rng.for(salt, i).u32());
    const backward = [3, 2, 1, 0].map((i) => Rng.for(salt, i).u32()).reverse();
    expect(forward).toEqual(backward);
    expect(new Set(forward).size).toBe(4);
  });

  it('fmix32 is a bijection on a sample, so keys never collide within a family', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(200_000);
    const ids = new Set(Array.from({ length: 200_000 }, (_, i) => demoUuid(saltOf('contacts'), i)));
    expect(ids.size).toBe(200_000);
  });

  it('keys are UUID-shaped (version 4 layout) and stable', () => {
    const id = demoUuid(saltOf('contacts'), 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rowId('contacts', 0)).toBe(id);
    expect(demoUuid(saltOf('contacts'), 0)).toBe(id);
  });
});

describe('demo world', () => {
  it('sizes follow the scale', () => {
    expect(demoSizes(20_000)).toEqual({ users: 20, accounts: 2000, contacts: 20_000, opportunities: 5000, calls: 5000, notes: 10_000 });
    expect(() => demoSizes(5)).toThrow(UsageError);
    expect(() => demoSizes(1.5)).toThrow(UsageError);
  });

  it('has 20 users with unique names, and mallory.b is the actor', () => {
    expect(USERS).toHaveLength(20);
    expect(new Set(USERS.map((u) => u.userName)).size).toBe(20);
    expect(INCIDENT_ACTOR.userName).toBe('mallory.b');
  });

  it('links each contact to one or two distinct accounts', () => {
    const sizes = demoSizes(2000);
    const keys = keyAccounts(sizes);
    let two = 0;
    for (let c = 0; c < 2000; c++) {
      const links = contactLinks(c, sizes, keys);
      expect(links.length === 1 || (links.length === 2 && links[0] !== links[1])).toBe(true);
      for (const a of links) expect(a >= 0 && a < sizes.accounts).toBe(true);
      if (links.length === 2) two++;
    }
    expect(two / 2000).toBeGreaterThan(0.3);
    expect(two / 2000).toBeLessThan(0.5);
  });

  it('checks --db names', () => {
    expect(() => checkDatabaseName('crm_rescue_demo')).not.toThrow();
    expect(() => checkDatabaseName('Demo_2')).not.toThrow();
    for (const bad of [
      '',
      'bad-name',
      'a b',
      'x;drop',
      'é',
      'a'.repeat(64),
      'crm_rescue_stage_x',
      'crm_rescue',
      'postgres',
      'template1',
      'mysql',
      'INFORMATION_SCHEMA',
    ]) {
      expect(() => checkDatabaseName(bad), bad).toThrow(UsageError);
    }
  });
});

describe('planIncident', () => {
  it('is deterministic', () => {
    expect(planIncident(5000)).toEqual(planIncident(5000));
    expect(planIncident(5000).deletedContactKeysSha256).not.toBe(planIncident(5001).deletedContactKeysSha256);
  });

  it('deletes 10–15% of the contacts at the default scale, with their links and notes', () => {
    const plan = planIncident(20_000);
    const share = plan.deletedContactIds.length / 20_000;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.15);
    expect(plan.selectedAccountIds.length).toBe(8);
    expect(plan.batches.length).toBe(4);
    expect(plan.softDeletedAccountIds.length / 2000).toBeGreaterThan(0.02);
    expect(plan.softDeletedAccountIds.length / 2000).toBeLessThan(0.03);
    for (const a of plan.selectedAccountIds) expect(plan.softDeletedAccountIds).toContain(a);
    expect(plan.actor).toEqual({ id: INCIDENT_ACTOR.id, userName: 'mallory.b' });
  });

  it('matches a brute-force recomputation from the world', () => {
    const scale = 3000;
    const plan = planIncident(scale);
    const sizes = demoSizes(scale);
    const keys = keyAccounts(sizes);
    const selected = new Set(plan.selectedAccountIds);
    const contacts = new Set<string>();
    const relations: string[] = [];
    for (let c = 0; c < scale; c++) {
      const links = contactLinks(c, sizes, keys);
      if (links.some((a) => selected.has(rowId('accounts', a)))) {
        contacts.add(rowId('contacts', c));
        links.forEach((_, l) => relations.push(relationId(c, l)));
      }
    }
    const notes: string[] = [];
    for (let n = 0; n < sizes.notes; n++) {
      const p = noteParent(n, sizes);
      if (p.parentType === 'Contacts' && contacts.has(rowId('contacts', p.parentIndex))) notes.push(rowId('notes', n));
    }
    expect(plan.deletedContactIds).toEqual([...contacts].sort());
    expect(plan.deletedRelationIds).toEqual(relations.sort());
    expect(plan.deletedNoteIds).toEqual(notes.sort());
    expect(plan.deletedContactKeysSha256).toBe(keysSha256([...contacts]));
    expect(plan.historyRows).toBe(contacts.size + relations.length + notes.length + plan.softDeletedAccountIds.length);
    // Every batch's keys are disjoint and together make the whole.
    expect(plan.batches.flatMap((b) => b.contactIds).length).toBe(contacts.size);
  });
});

describe('row generators', () => {
  it('produce the same rows twice, in DEMO_COLUMNS order, with the planned keys', () => {
    const gen = (ref: number) => {
      const out: Record<string, Row[]> = {};
      for (const g of tableGenerators(seedContext(500, ref))) {
        const rows: Row[] = [];
        const history: Row[] = [];
        for (let i = 0; i < g.units; i++) g.generate(i, rows, history);
        out[g.table] = rows;
        out[`${g.table}:history`] = history;
      }
      return out;
    };
    const ref = Date.UTC(2025, 0, 1);
    const a = gen(ref);
    expect(gen(ref)).toEqual(a);
    for (const table of Object.keys(DEMO_COLUMNS) as (keyof typeof DEMO_COLUMNS)[]) {
      for (const row of a[table]) expect(row).toHaveLength(DEMO_COLUMNS[table].length);
    }
    expect(a.contacts[7][0]).toBe(rowId('contacts', 7));
    // Only timestamps move with the reference: keys and values stay.
    const b = gen(ref + 86_400_000);
    expect(b.contacts.map((r) => r[0])).toEqual(a.contacts.map((r) => r[0]));
    expect(b.contacts.map((r) => r[4])).toEqual(a.contacts.map((r) => r[4]));
  });

  it('keeps every seeded timestamp at least 2 hours before the reference', () => {
    const ctx = seedContext(2000, Date.UTC(2025, 0, 1));
    const limit = ctx.reference - 2 * 3_600_000;
    for (const g of tableGenerators(ctx)) {
      const rows: Row[] = [];
      const history: Row[] = [];
      for (let i = 0; i < g.units; i++) g.generate(i, rows, history);
      const tsCols = DEMO_COLUMNS[g.table].flatMap((c, j) => (c.kind === 'ts' && c.name !== 'date_start' ? [j] : []));
      for (const row of rows) for (const j of tsCols) expect(row[j] as number).toBeLessThanOrEqual(limit);
      for (const h of history) expect(h[4] as number).toBeLessThanOrEqual(limit);
    }
    for (const h of ghostHistory(ctx)) expect(h[4] as number).toBeLessThanOrEqual(limit);
  });

  it('carries the awkward values recovery must round-trip', () => {
    const rows: Row[] = [];
    const g = tableGenerators(seedContext(5000, Date.UTC(2025, 0, 1))).find((t) => t.table === 'contacts')!;
    for (let i = 0; i < g.units; i++) g.generate(i, rows, []);
    const text = rows.flatMap((r) => r.filter((v): v is string => typeof v === 'string'));
    expect(text.some((v) => /[éøß]/.test(v))).toBe(true);
    expect(text.some((v) => /[\u4e00-\u9fff]/.test(v))).toBe(true);
    expect(text.some((v) => / $/.test(v))).toBe(true);
    expect(rows.some((r) => r[5] === '')).toBe(true); // phone_work '' …
    expect(rows.some((r) => r[5] === null)).toBe(true); // … and NULL
    expect(rows.some((r) => Buffer.isBuffer(r[10]))).toBe(true);
    expect(rows.some((r) => typeof r[8] === 'string' && r[8].length > 1000)).toBe(true);
    const emails = rows.map((r) => r[4]).filter((e) => e !== null);
    expect(new Set(emails).size).toBe(emails.length);
  });
});

describe('splitStatements', () => {
  it('drops comment lines and splits on a trailing semicolon', () => {
    expect(splitStatements('-- c\nCREATE TABLE a (x int);\n\n-- d\nALTER TABLE a\n  ADD y int;\n')).toEqual([
      'CREATE TABLE a (x int)',
      'ALTER TABLE a\n  ADD y int',
    ]);
  });
});
