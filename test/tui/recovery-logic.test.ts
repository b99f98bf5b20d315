import { describe, expect, it } from 'vitest';
import { splitSelections, keyFilter } from '../../src/merge/split.js';
import type { Relation } from '../../src/crm/relations.js';
import { auditIntent } from '../../src/tui/screens/audit/audit-input.js';
import { BLOCKS, chartRows, markerRow } from '../../src/tui/screens/audit/timeline-chart.js';
import { alignUp, bucketStart, indexOf, initialWindow, rangeLabel, shiftWindow, windowRange } from '../../src/tui/screens/audit/timeline-range.js';
import { backupsIntent } from '../../src/tui/screens/backups/backups-input.js';
import { describeSelection, isChosen, toSelections, toggleClass, toggleRow } from '../../src/tui/screens/diff/diff-selection.js';
import { mergeIntent, nextPolicy } from '../../src/tui/screens/merge/merge-input.js';
import { stageIntent } from '../../src/tui/screens/stage/stage-input.js';
import { wizardIntent } from '../../src/tui/screens/wizard/wizard-input.js';
import { lossOfIncident, parseLoss, plainLine, freshMemory, preselect, proposeBackup } from '../../src/tui/screens/wizard/wizard-model.js';
import { backupItem, diffTable, INCIDENT, NOW } from './fake-recovery.js';
import { table } from './helpers.js';

const H = 3_600_000;

describe('the timeline chart', () => {
  it('draws bars with eighth blocks, scaled to the largest count, never hiding a single deletion', () => {
    expect(chartRows([0, 1, 8, 16], 1)).toEqual([` ${BLOCKS[0]}${BLOCKS[3]}█`]);
    const rows = chartRows([0, 1000, 1, 500], 3);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => [...r].length === 4)).toBe(true);
    expect(rows.map((r) => r[1]).join('')).toBe('███');
    expect(rows[2][2]).toBe('▁');
    expect(rows.map((r) => r[3]).join('')).toBe(' ▄█');
    expect(chartRows([0, 0], 2)).toEqual(['  ', '  ']);
  });

  it('marks the cursor and a range under the chart', () => {
    expect(markerRow(6, 4, { from: 1, to: 4 })).toBe('─┴┴┴▲─');
  });

  it('places windows by bucket, never past now, and scrolls back in time', () => {
    const w = initialWindow('hour', 72, NOW, null);
    expect(w.end).toBe(alignUp(NOW, 'hour'));
    expect(windowRange(w)).toEqual({ since: new Date(w.end - 72 * H).toISOString(), until: new Date(w.end).toISOString() });
    const old = initialWindow('hour', 72, NOW, NOW - 30 * 24 * H);
    expect(indexOf(old, NOW - 30 * 24 * H)).toBeGreaterThan(0);
    expect(shiftWindow(w, 10, NOW).end).toBe(w.end);
    expect(shiftWindow(w, -36, NOW).end).toBe(w.end - 36 * H);
    expect(bucketStart(w, 71)).toBe(w.end - H);
    expect(rangeLabel({ since: '2026-11-21T05:00:00.000Z', until: '2026-11-21T06:00:00.000Z' }, 'hour')).toBe('21 Nov 05:00–06:00');
    expect(rangeLabel({ since: '2026-11-18T00:00:00.000Z', until: '2026-11-21T00:00:00.000Z' }, 'day')).toBe('18 Nov – 21 Nov');
  });
});

describe('choosing diff rows', () => {
  const contacts = diffTable('contacts', { deleted: 1_000_000, added: 3 });
  const row = (id: number, cls: 'deleted' | 'added' = 'deleted') => ({ class: cls, key: { id }, keyTuple: [id] });

  it('space chooses one row, a a whole class without listing its rows', () => {
    let sel = toggleRow({}, contacts.id, row(7)).selection;
    expect(isChosen(sel, contacts.id, row(7))).toBe(true);
    expect(isChosen(sel, contacts.id, row(8))).toBe(false);
    sel = toggleClass(sel, contacts.id, 'deleted', 1_000_000).selection;
    expect(isChosen(sel, contacts.id, row(999_999))).toBe(true);
    expect(sel[contacts.id].rows).toEqual({});
    expect(describeSelection(sel, [contacts])).toBe('Chosen: contacts 1,000,000 (m: merge)');
    expect(toSelections(sel)).toEqual([{ table: contacts.id, classes: ['deleted'], keys: [] }]);
  });

  it('refuses rows added since the backup, and single rows of a chosen class, with a message', () => {
    const added = toggleRow({}, contacts.id, row(1, 'added'));
    expect(added.selection).toEqual({});
    expect(added.message).toMatch(/never deletes/);
    const whole = toggleClass({}, contacts.id, 'deleted', 5).selection;
    expect(toggleRow(whole, contacts.id, row(3)).message).toMatch(/a unchooses the class/);
    expect(toggleClass({}, contacts.id, 'changed', 0).message).toBe('no changed rows in this table');
  });
});

describe('splitting a selection into merges', () => {
  const ref = (name: string) => ({ schema: 'public', name });
  const rel = (child: string, parent: string): Relation => ({
    name: `${child}→${parent}`,
    child: ref(child),
    childColumns: [`${parent}_id`],
    parent: ref(parent),
    parentColumns: ['id'],
    source: 'declared',
    note: '',
  });
  const relations = [rel('accounts_contacts', 'contacts'), rel('accounts_contacts', 'accounts'), rel('notes', 'contacts')];
  const d = { quoteIdent: (n: string) => `"${n}"`, quoteLiteral: (v: string) => `'${v.replace(/'/g, "''")}'` };
  const keyOf = () => ['id'];

  it('children whose deleted rows are chosen come back with their parent, parents first', () => {
    const merges = splitSelections(
      [
        { table: ref('notes'), classes: ['deleted'], keys: [] },
        { table: ref('accounts_contacts'), classes: ['deleted'], keys: [] },
        { table: ref('contacts'), classes: ['deleted'], keys: [] },
        { table: ref('accounts'), classes: ['soft-deleted'], keys: [] },
      ],
      relations,
      d,
      keyOf,
    );
    expect(merges.map((m) => [m.table.name, m.flags])).toEqual([
      ['accounts', { deleted: false, softDeleted: true, changed: false, withRelated: false }],
      ['contacts', { deleted: true, softDeleted: false, changed: false, withRelated: true }],
    ]);
    expect(merges[1].brings.map((t) => t.name).sort()).toEqual(['accounts_contacts', 'notes']);
  });

  it('single rows become keys (deleted) or a key filter (soft-deleted, changed)', () => {
    const merges = splitSelections(
      [
        {
          table: ref('accounts'),
          classes: [],
          keys: [
            { class: 'deleted', key: { id: 'a1' } },
            { class: 'changed', key: { id: "o'b" } },
          ],
        },
      ],
      relations,
      d,
      keyOf,
    );
    expect(merges).toEqual([
      { table: ref('accounts'), flags: { deleted: false, softDeleted: false, changed: false, keys: ['{"id":"a1"}'], withRelated: false }, brings: [] },
      { table: ref('accounts'), flags: { changed: true, where: `"id" IN ('o''b')` }, brings: [] },
    ]);
    expect(keyFilter(d, ['a', 'b'], [{ a: 1, b: 2 }])).toBe(`("a", "b") IN (('1', '2'))`);
  });

  it('refuses an empty selection and added rows', () => {
    expect(() => splitSelections([{ table: ref('notes'), classes: [], keys: [] }], relations, d, keyOf)).toThrow(/no rows selected/);
    expect(() => splitSelections([{ table: ref('notes'), classes: ['added'], keys: [] }], relations, d, keyOf)).toThrow(/added since the backup/);
  });
});

describe('the wizard model', () => {
  const tables = [table('contacts'), table('accounts'), table('accounts_contacts')];

  it('checks the described loss: unknown table, bad times, order', () => {
    expect(parseLoss({ table: 'contcts', since: '2h', until: '' }, tables, NOW)).toEqual({ field: 'table', error: 'no table "contcts" in this database' });
    expect(parseLoss({ table: 'contact', since: '2h', until: '' }, tables, NOW)).toMatchObject({
      field: 'table',
      error: expect.stringMatching(/did you mean contacts, accounts_contacts/),
    });
    expect(parseLoss({ table: 'contacts', since: 'yesterday', until: '' }, tables, NOW)).toMatchObject({
      field: 'since',
      error: expect.stringMatching(/not a time/),
    });
    expect(parseLoss({ table: 'contacts', since: '1h', until: '2h' }, tables, NOW)).toMatchObject({ field: 'until', error: expect.stringMatching(/after/) });
    const ok = parseLoss({ table: 'contacts', since: '2h', until: '' }, tables, NOW);
    expect(ok).toMatchObject({ loss: { tables: ['contacts'], range: { since: new Date(NOW - 2 * H).toISOString(), until: new Date(NOW).toISOString() } } });
  });

  it('proposes the newest backup before the loss, else one taken during it with a warning', () => {
    const loss = lossOfIncident(INCIDENT);
    expect(loss.tables).toEqual(['accounts_contacts', 'contacts', 'notes', 'accounts']);
    const before = backupItem('b-before', 10);
    const after = backupItem('b-after', 1);
    expect(proposeBackup([after, before], loss.range)).toMatchObject({ backup: { id: 'b-before' }, safe: true });
    const during = backupItem('b-during', 0, { startedAt: '2026-11-21T05:59:00.000Z' });
    expect(proposeBackup([after, during], loss.range)).toMatchObject({
      backup: { id: 'b-during' },
      safe: false,
      note: expect.stringMatching(/may be missing/),
    });
    expect(proposeBackup([after], loss.range)).toBeNull();
  });

  it('preselects deleted and soft-deleted rows, never added ones', () => {
    const sel = preselect([diffTable('contacts', { deleted: 3, added: 2, changed: 1 }), diffTable('accounts', { softDeleted: 8 }), diffTable('notes')]);
    expect(sel).toEqual({ 'public.contacts': { classes: ['deleted'], rows: {} }, 'public.accounts': { classes: ['soft-deleted'], rows: {} } });
  });

  it('says at every step what will happen and what will not', () => {
    for (const step of ['incident', 'describe', 'backup', 'stage', 'diff', 'select', 'plan', 'apply', 'verify'] as const) {
      const line = plainLine({ ...freshMemory(), step }, ['contacts']);
      expect(line.length).toBeGreaterThan(40);
      expect(line.length).toBeLessThanOrEqual(160);
    }
    expect(plainLine({ ...freshMemory(), step: 'stage' }, ['contacts'])).toMatch(/Live tables are not touched/);
  });
});

describe('screen input', () => {
  it('Audit: arrows, space and z work the timeline; Enter depends on the pane; Esc widens first', () => {
    expect(auditIntent('left', 'events', { narrowed: false, anchored: false })).toEqual({ type: 'bucket', delta: -1 });
    expect(auditIntent('open', 'incidents', { narrowed: false, anchored: false })).toEqual({ type: 'focusIncident' });
    expect(auditIntent('open', 'events', { narrowed: false, anchored: true })).toEqual({ type: 'selectRange' });
    expect(auditIntent('open', 'events', { narrowed: false, anchored: false })).toEqual({ type: 'openEvent' });
    expect(auditIntent('back', 'events', { narrowed: true, anchored: false })).toEqual({ type: 'clearRange' });
    expect(auditIntent('back', 'events', { narrowed: false, anchored: false })).toEqual({ type: 'list' });
  });

  it('Backups: Esc cancels running work, other actions wait for it', () => {
    expect(backupsIntent('back', true)).toEqual({ type: 'cancel' });
    expect(backupsIntent('run', true)).toEqual({ type: 'busy' });
    expect(backupsIntent('run', false)).toEqual({ type: 'run' });
    expect(backupsIntent('back', false)).toEqual({ type: 'list' });
  });

  it('Stage: Enter chooses, stages, then opens the diff; Esc cancels while staging', () => {
    expect(stageIntent('open', 'backup', 'idle')).toEqual({ type: 'chooseBackup' });
    expect(stageIntent('open', 'tables', 'idle')).toEqual({ type: 'start' });
    expect(stageIntent('back', 'run', 'running')).toEqual({ type: 'cancel' });
    expect(stageIntent('open', 'run', 'done')).toEqual({ type: 'openDiff' });
    expect(stageIntent('open', 'run', 'cancelled')).toEqual({ type: 'start' });
  });

  it('Merge: nothing starts while work runs; policy cycles', () => {
    expect(mergeIntent('apply', 'plan', { hasPlan: true, running: true })).toEqual({ type: 'busy' });
    expect(mergeIntent('apply', 'plan', { hasPlan: true, running: false })).toEqual({ type: 'apply' });
    expect(mergeIntent('undo', 'plan', { hasPlan: true, running: false })).toEqual({ type: 'list' });
    expect([nextPolicy('abort'), nextPolicy('skip'), nextPolicy('overwrite')]).toEqual(['skip', 'overwrite', 'abort']);
  });

  it('Wizard: Esc cancels what can be cancelled (never an apply), else leaves; ← steps back', () => {
    expect(wizardIntent('back', 'stage', { running: true, cancellable: true })).toEqual({ type: 'cancel' });
    expect(wizardIntent('back', 'apply', { running: true, cancellable: false })).toEqual({ type: 'busy' });
    expect(wizardIntent('back', 'diff', { running: false, cancellable: true })).toEqual({ type: 'leave' });
    expect(wizardIntent('left', 'diff', { running: false, cancellable: true })).toEqual({ type: 'previous' });
    expect(wizardIntent('next', 'plan', { running: true, cancellable: true })).toEqual({ type: 'busy' });
    expect(wizardIntent('toggle', 'select', { running: false, cancellable: true })).toEqual({ type: 'toggle' });
    expect(wizardIntent('nextPane', 'describe', { running: false, cancellable: true })).toEqual({ type: 'field' });
  });
});
