import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertInteractiveTerminal } from '../../src/console-entry.js';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, SHOW_CURSOR } from '../../src/tui/terminal.js';

const CHILD = fileURLToPath(new URL('./fixtures/run-console-child.mjs', import.meta.url));

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture; `drive` gets the child once it drew its first frame. */
function runChild(mode: string, drive: (child: ReturnType<typeof spawn>) => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // Not in CI mode: Ink would then draw only the last frame.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION'));
    const child = spawn(process.execPath, [CHILD, mode], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let driven = false;
    child.stdout!.on('data', (d) => {
      stdout += d;
      if (!driven && stdout.includes('Actions')) {
        driven = true;
        setTimeout(() => drive(child), 100);
      }
    });
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
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
    const r = await runChild('crash', () => undefined);
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
  const tty = (over: Record<string, unknown> = {}) => ({ isTTY: true, setRawMode: () => undefined, ...over }) as unknown as NodeJS.ReadStream & NodeJS.WriteStream;

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
