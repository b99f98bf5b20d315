import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { BIN } from './cli.js';
import { WAIT_TIMEOUT_MS, waitFor as waitUntil } from './wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tmux through zx: quiet, synchronous, exit code checked by `tmux()` (not thrown by zx). */
const tmux$ = $({ sync: true, quiet: true, nothrow: true });
/** Where screens are written for the docs. */
export const SCREENS_DIR = join(ROOT, 'docs', 'screens');

/**
 * A private tmux server (its socket in `dir`) running the built binary at a fixed size: send
 * keys, read the pane, wait for text. Never touches the developer's own tmux sessions.
 */
export class TmuxConsole {
  readonly socket: string;
  readonly session = `c-${randomBytes(3).toString('hex')}`;

  constructor(dir: string) {
    this.socket = join(dir, 'tmux.sock');
  }

  tmux(...args: string[]): string {
    const out = tmux$`tmux -S ${this.socket} ${args}`;
    if (out.exitCode !== 0) throw new Error(`tmux ${args[0]} exited ${out.exitCode ?? out.signal}: ${out.stderr.trim()}`);
    return out.stdout;
  }

  /** Starts `crm-rescue --url URL` in a detached session; the shell reports the exit code and stays. */
  start(url: string, env: Record<string, string>, size = { columns: 80, rows: 24 }): void {
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const command = `env ${vars} node ${BIN} --url '${url}'; echo "[exit $?]"; sleep 600`;
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(size.columns), '-y', String(size.rows), '-c', ROOT, command);
  }

  /** The visible pane, one line per terminal row. */
  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session).replace(/\n$/, '');
  }

  /** Sends keys one tmux argument each (`Enter`, `Escape`, `j`). One Escape per call: two in one read are Alt+Esc. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** Types text literally. */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  /** Polls the pane until `test` holds (and nothing is still being read); returns the screen. */
  async waitFor(test: string | ((screen: string) => boolean), timeoutMs = WAIT_TIMEOUT_MS): Promise<string> {
    const check = typeof test === 'string' ? (s: string) => s.includes(test) : test;
    let screen = '';
    const held = await waitUntil(
      () => {
        screen = this.capture();
        return check(screen) && !screen.includes('reading…') && { screen };
      },
      { what: typeof test === 'string' ? JSON.stringify(test) : 'the screen', timeoutMs, intervalMs: 50, lastSeen: () => `the screen was:\n${screen}` },
    );
    return held.screen;
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Writes a captured screen to docs/screens/<name>.txt (trailing spaces trimmed) when
 * CRM_RESCUE_UPDATE_DOCS=1 (as docs/keys.md): the frames are documentation, refreshed on purpose, not by every
 * test run (their database names and times change each run).
 */
export function saveScreen(name: string, screen: string): void {
  if (process.env.CRM_RESCUE_UPDATE_DOCS !== '1') return;
  mkdirSync(SCREENS_DIR, { recursive: true });
  writeFileSync(
    join(SCREENS_DIR, `${name}.txt`),
    `${screen
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')}\n`,
  );
}
