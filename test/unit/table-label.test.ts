import { describe, expect, it } from 'vitest';
import { tableLabel } from '../../src/dialect/table-label.js';

/** The one rule for naming a table on screen, shared by the CLI (inspect) and the console. */
describe('tableLabel', () => {
  it('leaves the default schema out on PostgreSQL', () => {
    expect(tableLabel('postgres', 'public', 'contacts')).toBe('contacts');
    expect(tableLabel('postgres', 'Sales "EU"', 'Contacts')).toBe('Sales "EU".Contacts');
  });

  it('never repeats the database on MySQL', () => {
    expect(tableLabel('mysql', 'crm', 'contacts')).toBe('contacts');
  });

  it('names the schema whenever the list spans several', () => {
    expect(tableLabel('postgres', 'public', 'contacts', true)).toBe('public.contacts');
    expect(tableLabel('mysql', 'crm', '联系人', true)).toBe('crm.联系人');
  });
});
