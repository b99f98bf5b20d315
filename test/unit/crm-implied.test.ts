import { describe, expect, it } from 'vitest';
import { ImpliedRelationBuilder } from '../../src/crm/implied.js';
import { SchemaIndex, typeFamily } from '../../src/crm/schema-index.js';
import { scoreSignals } from '../../src/crm/score.js';
import type { SchemaSnapshot, TableInfo } from '../../src/dialect/model.js';

function t(schema: string, name: string, cols: string[], fk?: { columns: string[]; refTable: string }): TableInfo {
  return {
    schema,
    name,
    columns: cols.map((c, i) => ({
      name: c,
      dataType: c === 'id' ? 'char(36)' : 'varchar(36)',
      nullable: true,
      default: null,
      ordinal: i + 1,
      autoIncrement: false,
      generated: false,
    })),
    primaryKey: { name: 'PRIMARY', columns: [cols[0]] },
    uniqueKeys: [],
    foreignKeys: fk ? [{ name: 'fk', columns: fk.columns, refSchema: schema, refTable: fk.refTable, refColumns: ['id'], onDelete: 'RESTRICT' }] : [],
    rowEstimate: null,
    bytes: 0,
  };
}

const snap: SchemaSnapshot = {
  engine: 'postgres',
  database: 'x',
  serverVersion: '15',
  schemas: ['a', 'b'],
  tables: [
    t('a', 'accounts', ['id', 'name']),
    t('a', 'contacts', ['id', 'account_id', 'owner_id']),
    t('a', 'declared', ['id', 'account_id'], { columns: ['account_id'], refTable: 'accounts' }),
    t('b', 'Accounts', ['id']),
  ],
};

describe('SchemaIndex', () => {
  const index = new SchemaIndex(snap);
  it('finds tables per schema, exactly first, then case-insensitively', () => {
    expect(index.table('a', 'accounts')?.schema).toBe('a');
    expect(index.table('b', 'accounts')?.name).toBe('Accounts');
    expect(index.table('a', 'ACCOUNTS')?.name).toBe('accounts');
    expect(index.table('c', 'accounts')).toBeUndefined();
  });
  it('picks the schema that holds most of the names', () => {
    expect(index.homeSchema(['accounts', 'contacts'])).toBe('a');
    expect(index.homeSchema(['nothing'])).toBeUndefined();
  });
  it('groups types into families', () => {
    expect(['int(11)', 'bigint', 'integer', 'numeric(10,0)'].map(typeFamily)).toEqual(['number', 'number', 'number', 'number']);
    expect(['char(36)', 'character varying', 'text', 'varchar(17)'].map(typeFamily)).toEqual(['text', 'text', 'text', 'text']);
    expect(typeFamily('uuid')).toBe('uuid');
    expect(typeFamily('jsonb')).toBe('other');
  });
});

describe('ImpliedRelationBuilder', () => {
  const index = new SchemaIndex(snap);
  const accounts = index.table('a', 'accounts');
  const contacts = index.table('a', 'contacts');

  it('keeps a link between existing tables and columns, defaulting to the parent key', () => {
    const b = new ImpliedRelationBuilder();
    expect(b.link(contacts, ['ACCOUNT_ID'], accounts, undefined, 'test')).toBe(true);
    expect(b.list()).toEqual([
      { child: { schema: 'a', name: 'contacts' }, childColumns: ['account_id'], parent: { schema: 'a', name: 'accounts' }, parentColumns: ['id'], why: 'test' },
    ]);
  });

  it('refuses missing tables, missing columns, declared keys, self links on the key and duplicates', () => {
    const b = new ImpliedRelationBuilder();
    expect(b.link(contacts, ['account_id'], index.table('a', 'no_such'), ['id'], 'x')).toBe(false);
    expect(b.link(contacts, ['no_col'], accounts, ['id'], 'x')).toBe(false);
    expect(b.link(contacts, ['account_id'], accounts, ['no_col'], 'x')).toBe(false);
    expect(b.link(index.table('a', 'declared'), ['account_id'], accounts, ['id'], 'x')).toBe(false);
    expect(b.link(accounts, ['id'], accounts, ['id'], 'x')).toBe(false);
    expect(b.link(contacts, ['account_id'], accounts, ['id'], 'x')).toBe(true);
    expect(b.link(contacts, ['account_id'], accounts, ['id'], 'again')).toBe(false);
    expect(b.list()).toHaveLength(1);
  });

  it('keeps one polymorphic link per discriminator value, and needs the discriminator column', () => {
    const b = new ImpliedRelationBuilder();
    expect(b.link(contacts, ['owner_id'], accounts, ['id'], 'x', { discriminator: { column: 'owner_type', value: 'Accounts' } })).toBe(false);
    expect(b.link(contacts, ['owner_id'], accounts, ['id'], 'x', { discriminator: { column: 'name', value: 'A' } })).toBe(false); // contacts has no name column
    expect(b.link(index.table('a', 'declared'), ['account_id'], accounts, ['id'], 'x', { discriminator: { column: 'id', value: 'A' } })).toBe(true);
    expect(b.link(index.table('a', 'declared'), ['account_id'], accounts, ['id'], 'x', { discriminator: { column: 'id', value: 'B' } })).toBe(true);
    expect(b.list().map((r) => r.discriminator?.value)).toEqual(['A', 'B']);
  });
});

describe('scoreSignals', () => {
  it('sums found weights, caps at 1, lists penalties last', () => {
    const d = scoreSignals([
      { ok: true, weight: 0.7, evidence: 'a' },
      { ok: true, weight: 0.6, evidence: 'b' },
      { ok: false, weight: 0.5, evidence: 'c' },
      { ok: true, weight: -0.2, evidence: 'd' },
    ]);
    expect(d).toEqual({ score: 1, evidence: ['a', 'b', 'but: d'] });
  });
  it('scores 0 when only penalties are found', () => {
    expect(scoreSignals([{ ok: true, weight: -0.5, evidence: 'x' }]).score).toBe(0);
  });
});
