import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertInteractiveTerminal } from '../../src/tui/index.js';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, SHOW_CURSOR } from '../../src/tui/terminal.js';

const CHILD = fileURLToPath(new URL('./fixtures/run-console-child.mjs', import.meta.url));

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How long the fixture may take to end: generous, a loaded machine starts node slowly. */
const CHILD_DEADLINE_MS = 90_000;

/**
 * Runs the fixture; `drive` gets the child once it drew its first frame and listens to its
 * stdin (it says "input" on fd 3). Fails, saying how far the child got, when it does not end.
 */
function runChild(mode: string, drive: (child: ReturnType<typeof spawn>) => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // Not in CI mode: Ink would then draw only the last frame.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION'));
    const child = spawn(process.execPath, [CHILD, mode], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: { ...env, RUN_CONSOLE_MARKER_FD: '3' } });
    let stdout = '';
    let stderr = '';
    let markers = '';
    let driven = false;
    const drawn = () => stdout.includes('Actions');
    const takesInput = () => markers.split('\n').includes('input');
    const driveWhenReady = () => {
      if (driven || !drawn() || !takesInput()) return;
      driven = true;
      drive(child);
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      driveWhenReady();
    });
    (child.stdio[3] as Readable).on('data', (d) => {
      markers += d;
      driveWhenReady();
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const stage = driven ? 'driven, it did not end' : `first frame drawn: ${drawn()}, listening to stdin: ${takesInput()}`;
      reject(new Error(`the console fixture (${mode}) did not end within ${CHILD_DEADLINE_MS / 1000} s (${stage}); stderr: ${stderr}`));
    }, CHILD_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The alternate screen is entered before the first frame and left after the last output. */
function expectScreenRestored(stdout: string): void {
  expect(stdout.startsWith(ENTER_ALT_SCREEN)).toBe(true);
  expect(stdout.indexOf(ENTER_ALT_SCREEN)).toBeLessThan(stdout.indexOf('crm-rescue'));
  expect(stdout.endsWith(LEAVE_ALT_SCREEN + SHOW_CURSOR)).toBe(true);
}

describe('runConsole: the terminal is always restored', () => {
  it('on quit: exit 0', async () => {
    const r = await runChild('quit', (c) => c.stdin!.write('q'));
    expect(r.code, r.stderr).toBe(0);
    expectScreenRestored(r.stdout);
    expect(r.stderr).toBe('');
  });

  it('on SIGTERM: exit 143', async () => {
    const r = await runChild('signal', (c) => c.kill('SIGTERM'));
    expect(r.code ?? 128 + 15).toBe(143);
    expectScreenRestored(r.stdout);
  });

  it('on SIGHUP: exit 129', async () => {
    const r = await runChild('signal', (c) => c.kill('SIGHUP'));
    expect(r.code).toBe(129);
    expectScreenRestored(r.stdout);
  });

  it('on an uncaught exception: exit 1 and the error on one line', async () => {
    const r = await runChild('crash', (c) => c.kill('SIGUSR2'));
    expect(r.code).toBe(1);
    expectScreenRestored(r.stdout);
    expect(r.stderr).toBe('crm-rescue: internal error: boom (run again with --debug for details)\n');
  });

  it('on an error while rendering: the error reaches the caller after the screen is restored', async () => {
    const r = await runChild('render-error', () => undefined);
    expect(r.code).toBe(1);
    expect(r.stdout.endsWith(LEAVE_ALT_SCREEN + SHOW_CURSOR)).toBe(true);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^crm-rescue: internal error: .*null/);
  });
});

describe('openConsole refuses without an interactive terminal', () => {
  const tty = (over: Record<string, unknown> = {}) =>
    ({ isTTY: true, setRawMode: () => undefined, ...over }) as unknown as NodeJS.ReadStream & NodeJS.WriteStream;

  it('no TTY: points to the verbs', () => {
    expect(() => assertInteractiveTerminal(tty({ isTTY: false }), tty())).toThrow(/needs a terminal/);
    expect(() => assertInteractiveTerminal(tty(), tty({ isTTY: undefined }))).toThrow(/needs a terminal/);
  });

  it('no raw mode (ssh without -t): says so', () => {
    const noRaw = tty({
      setRawMode: () => {
        throw new Error('EINVAL');
      },
    });
    expect(() => assertInteractiveTerminal(noRaw, tty())).toThrow(/raw keyboard input \(over ssh, use ssh -t\)/);
    expect(() => assertInteractiveTerminal(tty({ setRawMode: undefined }), tty())).toThrow(/raw keyboard input/);
  });

  it('a real terminal passes', () => {
    expect(() => assertInteractiveTerminal(tty(), tty())).not.toThrow();
  });
});
