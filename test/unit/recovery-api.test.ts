import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/connect/open.js';
import { stagingNamespace } from '../../src/dialect/namespaces.js';
import { UsageError, UserError } from '../../src/errors.js';
import { NoRowsMatchError } from '../../src/merge/errors.js';
import { NothingToMergeError, PlanAppliedError, PlanBlockedError } from '../../src/recovery/errors.js';
import { checkMergeSource } from '../../src/recovery/merge-root.js';
import { stagingsToDrop } from '../../src/recovery/stagings.js';
import type { Staging } from '../../src/stage/namespace.js';

/** The recovery API's rules that need no server: where a merge's rows come from, which staging a drop names. */
describe('recovery API', () => {
  it('an undelete reads no backup: flags about one are usage errors; a merge from a backup needs one', () => {
    expect(() => checkMergeSource({ undelete: true, backup: 'x' })).toThrow(/--undelete reads no backup/);
    expect(() => checkMergeSource({ undelete: true, backupOfOtherDatabase: true })).toThrow(/--backup-of-other-database/);
    expect(() => checkMergeSource({ undelete: true, map: ['a=b'] })).toThrow(/--map and --leave-new-columns-empty/);
    expect(() => checkMergeSource({ undelete: false })).toThrow(/merge needs --backup ID/);
    expect(() => checkMergeSource({ undelete: false })).toThrow(UsageError);
    expect(() => checkMergeSource({ undelete: true })).not.toThrow();
    expect(() => checkMergeSource({ undelete: false, backup: 'latest' })).not.toThrow();
  });

  it('a staging drop names one staging by id, prefix or namespace, or all; else says why', () => {
    const db = { target: { database: 'crm' } } as unknown as Db;
    const staging = (backupId: string): Staging => ({ namespace: stagingNamespace('crm', backupId), backupId, database: 'crm', createdAt: '', tables: [] });
    const all = [staging('20261121T1500_aaaa'), staging('20261121T1600_bbbb')];
    expect(stagingsToDrop(db, all, { all: true })).toEqual(all);
    expect(stagingsToDrop(db, all, { id: '20261121T16', all: false })).toEqual([all[1]]);
    expect(stagingsToDrop(db, all, { id: all[0].namespace, all: false })).toEqual([all[0]]);
    expect(() => stagingsToDrop(db, all, { all: false })).toThrow(UsageError);
    expect(() => stagingsToDrop(db, all, { id: 'nope', all: false })).toThrow(/nothing is staged for "nope"/);
    expect(() => stagingsToDrop(db, all, { id: '2026', all: false })).toThrow(/matches 2 stagings/);
  });

  it('every expected outcome is its own class of user error', () => {
    for (const err of [new NoRowsMatchError('m'), new NothingToMergeError(), new PlanAppliedError(), new PlanBlockedError()]) {
      expect(err).toBeInstanceOf(UserError);
      expect(err.name).toBe(err.constructor.name);
    }
  });
});
