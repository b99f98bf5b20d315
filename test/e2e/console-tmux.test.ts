import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { saveScreen } from '../helpers/tmux.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { WAIT_TIMEOUT_MS, waitFor as waitUntil } from '../helpers/wait.js';

/**
 * The console as users run it: the built binary inside tmux at 80×24, driven with send-keys and
 * read with capture-pane. Each captured screen is written to docs/screens/<name>.txt with CRM_RESCUE_UPDATE_DOCS=1.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'crm-rescue-tmux-'));
/** Our own tmux server on a socket in the test's folder: never touches the developer's sessions. */
const SOCKET = join(home, 'tmux.sock');

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' });
}

/** The visible pane, one string line per terminal row (blank rows kept). */
function capture(session: string, options: { escapes?: boolean } = {}): string {
  return tmux('capture-pane', '-p', ...(options.escapes ? ['-e'] : []), '-t', session).replace(/\n$/, '');
}

function sendKeys(session: string, ...keys: string[]): void {
  tmux('send-keys', '-t', session, ...keys);
}

/** Polls the pane until `test` holds; returns that screen. */
async function waitForScreen(session: string, test: (screen: string) => boolean, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<string> {
  let screen = '';
  const held = await waitUntil(
    () => {
      screen = capture(session);
      return test(screen) && { screen };
    },
    { what, timeoutMs, intervalMs: 20, lastSeen: () => `the screen was:\n${screen}` },
  );
  return held.screen;
}

const waitFor = (session: string, text: string) => waitForScreen(session, (s) => s.includes(text), JSON.stringify(text));

const save = saveScreen;

/** Starts the console in a new detached session; the shell reports the exit code and stays. */
function start(session: string, url: string, env: Record<string, string> = {}): void {
  const vars = Object.entries({ HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'cfg'), ...env })
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  const command = `env ${vars} node ${BIN} --url '${url}'; echo "[exit $?]"; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-c', ROOT, command);
}

function alternateScreenOn(session: string): boolean {
  return tmux('display-message', '-p', '-t', session, '#{alternate_on}').trim() === '1';
}

describe('the console in tmux at 80×24', () => {
  let temp: TempDb;
  const sessions: string[] = [];
  const session = (name: string) => {
    const s = `${name}-${randomBytes(3).toString('hex')}`;
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    temp = await createTempDb('postgres', 'tuie2e');
    await temp.exec(`
      CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, deleted boolean NOT NULL DEFAULT false);
      CREATE TABLE contacts (id serial PRIMARY KEY, account_id int REFERENCES accounts(id) ON DELETE CASCADE, email text UNIQUE, first_name text);
      CREATE TABLE notes (id serial PRIMARY KEY, contact_id int REFERENCES contacts(id), body text);
      INSERT INTO accounts(name) SELECT 'account ' || g FROM generate_series(1, 40) g;
      INSERT INTO contacts(account_id, email) SELECT (g % 40) + 1, 'c' || g || '@example.com' FROM generate_series(1, 300) g;
      ANALYZE;`);
  });

  afterAll(async () => {
    for (const s of sessions) {
      try {
        tmux('kill-session', '-t', s);
      } catch {
        // Already gone.
      }
    }
    try {
      tmux('kill-server');
    } catch {
      // No server left.
    }
    rmSync(home, { recursive: true, force: true });
    await temp?.drop();
  });

  it('opens on Home, inspects tables with a search, shows help, quits and leaves the alternate screen', async () => {
    const s = session('console');
    const started = performance.now();
    start(s, temp.url);
    await waitForScreen(s, (x) => x.includes('crm-rescue › Home'), 'the first frame');
    const firstFrameMs = performance.now() - started;
    const homeScreen = await waitForScreen(s, (x) => x.includes('no backups yet') && x.includes('no audit source'), 'Home with backups and deletions read');
    const homeMs = performance.now() - started;
    console.log(`console start-up in tmux: first frame ${Math.round(firstFrameMs)} ms, Home with the target read ${Math.round(homeMs)} ms`);
    save('home', homeScreen);
    expect(alternateScreenOn(s)).toBe(true);
    const lines = homeScreen.split('\n');
    expect(lines[0]).toMatch(/^crm-rescue › Home\s+PostgreSQL · crt_tuie2e_/);
    expect(homeScreen).toMatch(/Server\s+PostgreSQL \d+/);
    expect(homeScreen).toMatch(/Size\s+.* in 3 tables/);
    expect(homeScreen).toMatch(/Last backup\s+! no backups yet/);
    expect(homeScreen).toMatch(/Deletions\s+! no audit source here: crm-rescue audit install adds one/);
    expect(homeScreen).toContain('▸ Recovery wizard');
    expect(lines[22]).toMatch(/^↑↓\/jk move {2}Enter open {2}\? help {2}q quit/);
    expect(lines[23]).toBe('');

    sendKeys(s, 'G', 'Enter');
    const tables = await waitForScreen(s, (x) => x.includes('1/3 tables') && x.includes('notes'), 'the tables list');
    save('tables', tables);
    expect(tables).toContain('crm-rescue › Home › Inspect tables');
    expect(tables).toMatch(/▸ accounts ◦\s+id\s+40\s+\S+ kB/);
    expect(tables).toMatch(/contacts\s+id\s+300/);

    sendKeys(s, '/', 'c', 'o', 'n');
    await waitForScreen(s, (x) => x.includes('1/3 tables') && x.includes('/ con'), 'the search field');
    sendKeys(s, 'Enter');
    const filtered = await waitForScreen(s, (x) => x.includes('2/3 tables') && x.includes('search "con"') && x.includes('▸ contacts'), 'the match');
    save('tables-filter', filtered);
    // A search moves the cursor; every row stays in view.
    expect(filtered).toContain('notes');

    sendKeys(s, 'Enter');
    const detail = await waitForScreen(s, (x) => x.includes('Columns (4)') && x.includes('first_name'), 'the columns of contacts');
    save('table-detail', detail);
    expect(detail).toContain('Home › Inspect tables › contacts');
    expect(detail).toMatch(/email\s+text\s+yes\s+UK/);
    sendKeys(s, 'Tab');
    const relations = await waitForScreen(s, (x) => x.includes('▸ Relations (2)') && x.includes('→ parent'), 'the relations of contacts');
    save('table-relations', relations);
    expect(relations).toMatch(/→ parent accounts\s+account_id = id\s+FK\s+ON DELETE CASCADE/);
    expect(relations).toMatch(/← child\s+notes\s+id = contact_id\s+FK/);

    sendKeys(s, 'Escape');
    await waitForScreen(s, (x) => x.includes('search "con"') && x.includes('▸ contacts'), 'the list and its search again');
    sendKeys(s, 'Escape');
    await waitForScreen(s, (x) => x.includes('2/3 tables') && !x.includes('search "con"'), 'the search cleared');
    sendKeys(s, '?');
    const help = await waitFor(s, 'Keys · Inspect tables');
    save('help-tables', help);
    expect(help).toMatch(/\/\s+Search the list/);
    expect(help).toMatch(/Esc\s+Go back/);
    // One Escape per send: two in one read arrive as a single Esc-Esc (Alt+Esc) key.
    sendKeys(s, 'Escape');
    await waitForScreen(s, (x) => !x.includes('Keys ·'), 'the help to close');
    sendKeys(s, 'Escape');
    await waitFor(s, 'Actions');

    sendKeys(s, 'k', 'Enter');
    const journal = await waitFor(s, 'no merge was ever applied to this database');
    expect(journal).toContain('Home › Merge');
    expect(journal).toContain('▸ Merges (journal)');
    // An empty journal: only keys that act (no Enter apply, no Tab, no u with nothing to undo).
    expect(journal.split('\n')[22]).toMatch(/^↑↓\/jk move {2}Esc back {2}\? help {2}q quit\s*$/);
    expect(journal).not.toMatch(/Enter apply|Tab pane|u undo|Tab: plan/);
    sendKeys(s, 'Escape');
    await waitFor(s, 'Actions');

    sendKeys(s, 'q');
    const after = await waitFor(s, '[exit 0]');
    expect(alternateScreenOn(s)).toBe(false);
    expect(after).not.toContain('Actions');
    expect(after).not.toContain('crm-rescue ›');
  });

  it('at 60×20: the help wraps a long description whole, and the footer keeps the keys that act', async () => {
    const s = session('narrow');
    start(s, temp.url);
    await waitFor(s, 'no backups yet');
    tmux('resize-window', '-t', s, '-x', '60', '-y', '20');
    await waitForScreen(s, (x) => x.split('\n').length === 20 && x.includes('Actions'), 'Home at 60×20');
    sendKeys(s, 'G', 'Enter');
    await waitForScreen(s, (x) => x.includes('1/3 tables'), 'the tables list');
    sendKeys(s, '?');
    const help = await waitFor(s, 'Keys · Inspect tables');
    // Every line within 60 cells, and Esc's description read whole across its wrapped lines.
    expect(help.split('\n').every((l) => [...l].length <= 60)).toBe(true);
    let text = '';
    for (let i = 0; i < 6 && !text.includes('the wizard remembers where it was)'); i++) {
      text = capture(s).replace(/\s+/g, ' ');
      if (!text.includes('the wizard remembers where it was)')) {
        sendKeys(s, 'PageDown');
        await waitForScreen(s, (x) => x.replace(/\s+/g, ' ') !== text, 'the help to scroll');
      }
    }
    expect(text).toContain('Go back (clears the search first; cancels running work that can be cancelled; the wizard remembers where it was)');
    sendKeys(s, 'Escape');
    await waitForScreen(s, (x) => !x.includes('Keys ·'), 'the help to close');
    sendKeys(s, 'Escape');
    await waitFor(s, 'Actions');
    // The wizard's first step (no incident here: describe the loss): no key of a later step.
    sendKeys(s, 'g', 'Enter');
    const step1 = await waitFor(s, 'Step 1/8');
    const footer =
      step1
        .split('\n')
        .filter((l) => l.trim())
        .at(-1) ?? '';
    expect(footer).toMatch(/\? help/);
    expect(footer).not.toMatch(/s sql|i import|p policy/);
    sendKeys(s, 'Escape');
    await waitFor(s, 'Actions');
    sendKeys(s, 'q');
    await waitFor(s, '[exit 0]');
  });

  it('re-lays out on resize without ghost lines', async () => {
    const s = session('resize');
    start(s, temp.url);
    await waitFor(s, 'no backups yet');
    tmux('resize-window', '-t', s, '-x', '60', '-y', '18');
    const narrow = await waitForScreen(s, (x) => x.split('\n').length <= 18 && x.includes('Last backup') && x.includes('q quit'), 'the 60×18 frame');
    save('home-60x18', narrow);
    for (const line of narrow.split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(narrow.match(/crm-rescue › Home/g)).toHaveLength(1);
    expect(narrow.match(/Actions/g)).toHaveLength(1);
    tmux('resize-window', '-t', s, '-x', '80', '-y', '24');
    const back = await waitForScreen(s, (x) => x.split('\n')[22]?.includes('q quit') ?? false, 'the 80×24 frame');
    expect(back.match(/crm-rescue › Home/g)).toHaveLength(1);
    expect(back.match(/Actions/g)).toHaveLength(1);
    sendKeys(s, 'q');
    await waitFor(s, '[exit 0]');
  });

  it('NO_COLOR: no colour codes reach the terminal, bold and reverse video do', async () => {
    const s = session('nocolor');
    start(s, temp.url, { NO_COLOR: '1' });
    await waitFor(s, 'no backups yet');
    sendKeys(s, 'G', 'Enter');
    await waitForScreen(s, (x) => x.includes('1/3 tables') && x.includes('notes'), 'the tables list');
    const withEscapes = capture(s, { escapes: true });
    // 39/49 (default colour) are tmux's own resets between attributes, not colours.
    expect(withEscapes).not.toMatch(/\x1b\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9]+)*m/);
    expect(withEscapes).toContain('▸ accounts');
    // Only colour goes (no-color.org): bold titles and the reverse-video cursor row stay.
    expect(withEscapes).toMatch(/\x1b\[(?:[0-9]+;)*1(?:;[0-9]+)*m/);
    expect(withEscapes).toMatch(/\x1b\[(?:[0-9]+;)*7(?:;[0-9]+)*m/);
    sendKeys(s, 'q');
    await waitFor(s, '[exit 0]');
  });

  it('SIGTERM restores the terminal and exits 143', async () => {
    const s = session('sigterm');
    start(s, temp.url);
    await waitFor(s, 'no backups yet');
    const shellPid = tmux('display-message', '-p', '-t', s, '#{pane_pid}').trim();
    const nodePid = execFileSync('pgrep', ['-P', shellPid, 'node'], { encoding: 'utf8' }).trim().split('\n')[0];
    process.kill(Number(nodePid), 'SIGTERM');
    const after = await waitFor(s, '[exit 143]');
    expect(alternateScreenOn(s)).toBe(false);
    expect(after).not.toContain('Actions');
  });
});
