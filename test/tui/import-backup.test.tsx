import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completePath } from '../../src/tui/path-completion.js';
import { proposeBackup } from '../../src/tui/screens/wizard/wizard-model.js';
import { useClock } from '../helpers/clock.js';
import { INCIDENT, NOW, backupItem, fakeBackups, recoveryFakes, withFakeImports } from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

// The fakes' data is dated around NOW: the console's clock is stopped there, whatever today is.
// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

/** Waits for `text` with every visible row read (no `reading…`). */
function ready(app: TestApp, text: string): Promise<string> {
  return frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'));
}

/** Opens Home's Backups (the third action). */
async function openBackups(app: TestApp): Promise<string> {
  await ready(app, 'crm_prod');
  await press(app, 'g', 'j', 'j', KEYS.enter);
  return ready(app, '1/3 backups');
}

async function type(app: TestApp, text: string): Promise<void> {
  await press(app, ...text.split(''));
}

function expectFits(app: TestApp): void {
  const lines = app.lines();
  expect(lines).toHaveLength(23);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
}

describe('Backups: importing a dump another tool made', () => {
  it('Tab completes a unique folder, lists the choices when several match; Enter on a file imports it, marked external', async () => {
    const backups = withFakeImports(fakeBackups());
    const app = await renderConsole({ services: recoveryFakes({ backups }) });
    await openBackups(app);
    await press(app, 'i');
    expect(await ready(app, 'Import path:')).toContain('Tab completes');
    await type(app, '/srv/ba');
    await press(app, KEYS.tab);
    await ready(app, 'Import path: /srv/backups/');
    await press(app, KEYS.tab);
    const choices = await ready(app, 'secret.sql.gpg');
    expect(choices).toMatch(/nightly\/ {2}old-crm\/ {2}secret\.sql\.gpg/);
    expectFits(app);
    await type(app, 'n');
    await press(app, KEYS.tab);
    await ready(app, 'Import path: /srv/backups/nightly/');
    await type(app, 'crm_prod-11');
    await press(app, KEYS.tab);
    // Two dumps share the prefix: nothing to add, both listed.
    await ready(app, 'crm_prod-1119.sql.gz  crm_prod-1121.dump');
    await type(app, '2');
    await press(app, KEYS.tab);
    await ready(app, 'Import path: /srv/backups/nightly/crm_prod-1121.dump');
    await press(app, KEYS.enter);
    const imported = await ready(app, '✓ imported');
    expect(imported).toContain('✓ imported crm_prod-1121.dump: crm_prod, taken 2026-11-21 03:00 UTC');
    expect(backups.calls).toContain('import /srv/backups/nightly/crm_prod-1121.dump');
    // In the list, in its place by the time it was taken, under the cursor, with where that time came from.
    const list = await ready(app, '2/4 backups');
    expect(list).toMatch(/▸ ⇲ crm_prod-1121\.dump\s+ok/);
    expect(list).toContain('⇲ external, taken 2026-11-21 03:00 UTC (archive header), of crm_prod');
    expect(list).toContain('PostgreSQL pg_dump custom · /srv/backups/nightly/crm_prod-1121.dump');
    expectFits(app);
    await press(app, KEYS.enter);
    const detail = await ready(app, 'sha256');
    expect(detail).toMatch(/File\s+\/srv\/backups\/nightly\/crm_prod-1121\.dump/);
    expect(detail).toMatch(/Status\s+✓ ok: unchanged since import/);
    expect(detail).toMatch(/Dump\s+pg_dump 15\.4 · pg_dump custom · not compressed/);
    expect(detail).toMatch(/sha256\s+(ab){20}/);
  });

  it('Enter on a folder lists the dumps under it newest first; Space marks, Enter imports only the marked', async () => {
    const backups = withFakeImports(fakeBackups());
    const app = await renderConsole({ services: recoveryFakes({ backups }) });
    await openBackups(app);
    await press(app, 'i');
    await ready(app, 'Import path:');
    await type(app, '/srv/backups');
    await press(app, KEYS.enter);
    const found = await ready(app, '1/2 dumps found');
    expect(found).toContain('2 dump(s) under /srv/backups, newest first');
    const rows = app.lines().filter((l) => l.includes('crm_prod-11'));
    expect(rows[0]).toMatch(/crm_prod-1121\.dump\s+crm_prod\s+2026-11-21 03:00/);
    expect(rows[1]).toMatch(/crm_prod-1119\.sql\.gz\s+crm_prod\s+2026-11-19 02:00/);
    expect(found).toContain('IN /srv/backups/nightly/');
    expectFits(app);
    await press(app, 'j', KEYS.space);
    await ready(app, '1 selected');
    await press(app, KEYS.enter);
    await ready(app, '✓ imported crm_prod-1119.sql.gz');
    expect(backups.calls.filter((c) => c.startsWith('import'))).toEqual(['import /srv/backups/nightly/crm_prod-1119.sql.gz']);
    const list = await ready(app, '/4 backups');
    expect(list).toMatch(/▸ ⇲ crm_prod-1119\.sql\.gz/);
    expect(list).toContain('⇲ external, taken 2026-11-19 02:00 UTC (file modification time), of crm_prod');
  });

  it('Esc cancels: in the field nothing is asked; while importing, nothing stays imported', async () => {
    const backups = withFakeImports(fakeBackups(), { hold: true });
    const app = await renderConsole({ services: recoveryFakes({ backups }) });
    await openBackups(app);
    await press(app, 'i');
    await ready(app, 'Import path:');
    await type(app, '/srv/backups/nightly/crm_prod-1121.dump');
    await press(app, KEYS.escape);
    const closed = await frameWhere(app, (f) => !f.includes('Import path:'));
    expect(closed).toContain('1/3 backups');
    expect(backups.calls.filter((c) => c.startsWith('import'))).toEqual([]);
    await press(app, 'i');
    await ready(app, 'Import path: /srv/backups/nightly/crm_prod-1121.dump');
    await press(app, KEYS.enter);
    await ready(app, 'Esc cancels: nothing stays imported');
    // The running-work mark is set by an effect after that frame: waited for, not read at once.
    expect(await ready(app, 'running: import')).toContain('Esc cancels: nothing stays imported');
    await press(app, KEYS.escape);
    expect(await ready(app, 'cancelled')).toContain('cancelled: nothing was imported');
    expect(backups.items).toHaveLength(3);
    expect(app.lastFrame()).toContain('1/3 backups');
    expect(app.lastFrame()).toContain('Home › Backups');
  });

  it('a refused file says why in one line and keeps the field to try another path', async () => {
    const backups = withFakeImports(fakeBackups());
    const app = await renderConsole({ services: recoveryFakes({ backups }) });
    await openBackups(app);
    await press(app, 'i');
    await ready(app, 'Import path:');
    await type(app, '/srv/backups/secret.sql.gpg');
    await press(app, KEYS.enter);
    const refused = await ready(app, '✗');
    expect(refused).toContain('✗ /srv/backups/secret.sql.gpg is encrypted with GnuPG');
    expect(refused).toContain('Import path: /srv/backups/secret.sql.gpg');
    expectFits(app);
    await press(app, ...Array<string>('secret.sql.gpg'.length).fill(KEYS.backspace));
    await type(app, 'missing.sql');
    await press(app, KEYS.enter);
    expect(await ready(app, 'does not exist')).toContain('✗ /srv/backups/missing.sql does not exist');
    expect(backups.items).toHaveLength(3);
  });

  it('says so when the console cannot import', async () => {
    const app = await renderConsole({ services: recoveryFakes() });
    await openBackups(app);
    await press(app, 'i');
    expect(await ready(app, 'not available')).toContain('importing dumps is not available in this console');
  });
});

describe('the wizard proposes the newest backup before the loss, of either kind', () => {
  it('an imported dump taken before the incident, newer than the catalog’s, is proposed', () => {
    const own = backupItem('20261121T020000Z-postgres-crm_prod-bb02', 10);
    const external = {
      ...backupItem('20261121T030000Z-postgres-crm_prod-ex01', 9),
      external: {
        path: '/srv/backups/nightly/crm_prod-1121.dump',
        members: [],
        engine: 'postgres' as const,
        format: 'pg-custom' as const,
        wrapper: null,
        compression: 'none' as const,
        databases: ['crm_prod'],
        takenAt: '2026-11-21T03:00:00.000Z',
        takenAtSource: 'archive-header' as const,
        tool: null,
        importedAt: '2026-11-21T12:00:00.000Z',
        copied: false,
        files: [],
        changed: null,
      },
    };
    const range = { since: INCIDENT.window.start, until: INCIDENT.window.end };
    expect(proposeBackup([own, external], range, 'crm_prod')?.backup.id).toBe(external.id);
    // Another database's dump is listed, never proposed; a changed one is not usable.
    expect(proposeBackup([own, { ...external, external: { ...external.external, databases: ['shop'] } }], range, 'crm_prod')?.backup.id).toBe(own.id);
    expect(proposeBackup([own, { ...external, usable: false }], range, 'crm_prod')?.backup.id).toBe(own.id);
  });

  it('i at the backup step imports a file on the spot, and the wizard proposes it', async () => {
    const backups = withFakeImports(fakeBackups());
    const app = await renderConsole({ services: recoveryFakes({ backups }) });
    await ready(app, 'crm_prod');
    // Home's first action is the wizard; its first choice the incident.
    await press(app, 'g', KEYS.enter);
    await ready(app, 'mallory.b');
    await press(app, KEYS.enter);
    // The cursor on the proposed backup (the second: a newer one was taken after the loss).
    expect(await ready(app, '◂ proposed')).toMatch(/▸ 20261121T020000Z-postgres-crm_prod-bb02.*◂ proposed/);
    await press(app, 'i');
    await ready(app, 'Import path:');
    await type(app, '~/dumps/crm');
    await press(app, KEYS.tab);
    await ready(app, 'Import path: ~/dumps/crm_prod-1121.dump');
    await press(app, KEYS.enter);
    const proposed = await frameWhere(app, (f) => /▸ ⇲ crm_prod-1121\.dump.*◂ proposed/.test(f), 30_000, 'the imported dump proposed, under the cursor');
    expect(proposed).toMatch(/2026-11-21 03:00/);
    expect(backups.calls).toContain('import ~/dumps/crm_prod-1121.dump');
    await press(app, KEYS.enter);
    expect(await ready(app, 'Backup: 20261121T030000Z-postgres-crm_prod-ex01')).toContain('Step 3/8');
  });
});

describe('path completion on a real folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-rescue-complete-'));
  mkdirSync(join(root, 'backups', 'nightly'), { recursive: true });
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'backups', 'crm.sql.gz'), 'x');
  writeFileSync(join(root, 'backups', 'crm.dump'), 'x');
  writeFileSync(join(root, 'backups', '.hidden'), 'x');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('completes a unique folder with its slash, a common prefix, and lists the choices', async () => {
    expect(await completePath(`${root}/ba`)).toEqual({ completed: `${root}/backups/`, candidates: ['backups/'], more: 0 });
    expect(await completePath(`${root}/b`)).toEqual({ completed: `${root}/b`, candidates: ['backups/', 'bin/'], more: 0 });
    expect(await completePath(`${root}/backups/c`)).toEqual({ completed: `${root}/backups/crm.`, candidates: ['crm.dump', 'crm.sql.gz'], more: 0 });
    // Dot-files only when asked for.
    expect((await completePath(`${root}/backups/`)).candidates).toEqual(['crm.dump', 'crm.sql.gz', 'nightly/']);
    expect((await completePath(`${root}/backups/.`)).candidates).toEqual(['.hidden']);
  });

  it('expands ~ to the home folder and keeps it as typed; a folder that cannot be read completes nothing', async () => {
    expect(await completePath('~/back', { home: root })).toEqual({ completed: '~/backups/', candidates: ['backups/'], more: 0 });
    expect(await completePath('~', { home: root })).toEqual({ completed: '~/', candidates: [], more: 0 });
    expect(await completePath(`${root}/nope/x`)).toEqual({ completed: `${root}/nope/x`, candidates: [], more: 0 });
    expect(await completePath(`${root}/backups/crm.dump/x`)).toEqual({ completed: `${root}/backups/crm.dump/x`, candidates: [], more: 0 });
  });
});
